// mnet-bench-blocks: every inverted residual of a MobileNetV2 (default 1.0-224)
// timed alone, unfused (whole tensors) and fused in row bands at several band
// budgets, 1 and 2 threads: the per-stage evidence behind which blocks a Session
// fuses (runtime/memory_plan.hpp, README "Fused inverted residuals").
//   mnet-bench-blocks [--mnet_width=A] [--mnet_resolution=R] [benchmark flags]
// Names: "<node> <in shape> t<threads>/unfused" and ".../band<KiB>k" (rows per band
// and the node's scratch bytes as counters). Pin it: taskset -c 0 (t1), -c 0,1 (t2).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/models/model.hpp"
#include "mnet/runtime/memory_plan.hpp"
#include "mnet/core/parallel.hpp"
#include "random_weights.hpp"

namespace {

float width = 1.0f;
int resolution = 224;
std::unique_ptr<mnet::Model> model;

/// An InvertedResidual<S> of either stride.
template <class L>
struct is_block : std::false_type {};
template <class S>
struct is_block<mnet::InvertedResidual<S>> : std::true_type {};

/// Times node `index` planned with `band_bytes` (0 = unfused) on `threads` threads, through the
/// Layer interface the Session uses (plan, then forward on one NodeArgs).
void bench_block(benchmark::State& state, std::size_t index, std::size_t band_bytes, int threads) {
    const mnet::Graph& graph = model->graph();
    const mnet::Shape in = graph.shape_before(index);
    std::visit(
        [&](const auto& layer) {
            if constexpr (is_block<std::decay_t<decltype(layer)>>::value) {
                mnet::PlanArgs args;
                args.inputs = std::span<const mnet::Shape>(&in, 1);
                args.padding = graph.padding();
                args.threads = threads;
                args.fuse_blocks = band_bytes != 0;
                if (band_bytes) args.band_bytes = band_bytes;
                const mnet::LayerPlan plan = layer.plan(args);
                mnet::AlignedBuffer input(in.size()), output(plan.output.size()),
                    scratch((plan.scratch_bytes + sizeof(float) - 1) / sizeof(float));
                for (std::size_t i = 0; i < input.size(); ++i) input.data()[i] = 0.25f + 0.5f * static_cast<float>(i % 7) / 7.0f;
                std::unique_ptr<mnet::ThreadPool> pool;
                if (threads > 1) pool = std::make_unique<mnet::ThreadPool>(threads);
                const mnet::ConstTensorView view{input.data(), in, mnet::DType::f32, static_cast<std::size_t>(in.c)};
                const mnet::NodeArgs node{std::span<const mnet::ConstTensorView>(&view, 1),
                                          {output.data(), plan.output, mnet::DType::f32, static_cast<std::size_t>(plan.output.c)},
                                          reinterpret_cast<std::byte*>(scratch.data()), &plan, graph.padding(),
                                          mnet::Parallel{pool.get()}};
                for (auto _ : state) {
                    layer.forward(node);
                    benchmark::ClobberMemory();
                }
                state.counters["band_rows"] = plan.band_rows;
                state.counters["scratch_bytes"] = static_cast<double>(plan.scratch_bytes);
                state.counters["weight_bytes"] = static_cast<double>(layer.weight_bytes());
            }
        },
        graph.nodes()[index].layer);
}

}  // namespace

int main(int argc, char** argv) {
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--mnet_width=", 0) == 0) width = std::strtof(a.c_str() + 13, nullptr);
        else if (a.rfind("--mnet_resolution=", 0) == 0) resolution = std::atoi(a.c_str() + 18);
        else argv[out++] = argv[i];
    }
    argc = out;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    mnet::ModelInfo info;
    info.width = width;
    info.resolution = resolution;
    model = std::make_unique<mnet::Model>(mnet_bench::random_model(info));
    const mnet::Graph& graph = model->graph();
    for (int threads : {1, 2})
        for (std::size_t i = 0; i < graph.nodes().size(); ++i) {
            if (!std::visit([](const auto& l) { return is_block<std::decay_t<decltype(l)>>::value; }, graph.nodes()[i].layer))
                continue;
            const std::string base = graph.nodes()[i].name + " " + mnet::to_string(graph.shape_before(i)) + " t" +
                                     std::to_string(threads);
            benchmark::RegisterBenchmark((base + "/unfused").c_str(), bench_block, i, std::size_t{0}, threads)
                ->Unit(benchmark::kMicrosecond)->UseRealTime();
            for (std::size_t kib : {16, 64, 256, 1024})
                benchmark::RegisterBenchmark((base + "/band" + std::to_string(kib) + "k").c_str(), bench_block, i,
                                             kib * 1024, threads)
                    ->Unit(benchmark::kMicrosecond)->UseRealTime();
        }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
