// Fused inverted residuals (MobileNetV2 §5.1): row bands against the whole-tensor
// block on odd shapes and thread counts, fused against unfused sessions on every
// V2 configuration of the benchmark grid, and the memory plan's arena.
#include <algorithm>
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "mnet/mnet.hpp"
#include "support/random_model.hpp"

using namespace mnet;

namespace {

/// max |got − want| / max(1, |want|) over the first n values.
double max_relative_diff(const float* got, const float* want, std::size_t n) {
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
        worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]) / std::max(1.0, std::abs(double{want[i]})));
    return worst;
}

template <class S>
void check_bands(int in_c, int out_c, int t, Shape in_shape, Padding padding, std::uint32_t seed) {
    InvertedResidual<S> block(in_c, out_c, t);
    std::vector<WeightSlot> slots;
    block.append_slots("b", slots);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (WeightSlot& slot : slots) {
        std::vector<float> w(slot.weight_count()), b(slot.out_channels());
        for (float& v : w) v = u(rng);
        for (float& v : b) v = u(rng);
        slot.assign(w, b);
    }
    const Shape out_shape = block.output_shape(in_shape, padding);
    const auto in = test::random_input(in_shape.size(), seed + 1);
    std::vector<float> scratch(block.scratch_floats(in_shape, padding));
    std::vector<float> want(out_shape.size());
    block.forward(in.data(), in_shape, want.data(), scratch.data(), padding);

    constexpr std::size_t guard = 16;
    for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        const Parallel par{threads > 1 ? &pool : nullptr};
        // band height 1, 2, 3 (most do not divide the output), the whole output, more than it
        for (int rows : {1, 2, 3, out_shape.h, out_shape.h + 5}) {
            CAPTURE(in_c, out_c, t, S::value, to_string(in_shape), to_string(padding), threads, rows);
            // exactly the scratch the block asks for: the sanitizer build sees any overrun
            std::vector<float> band_scratch(block.scratch_floats(in_shape, padding, rows, threads));
            std::vector<float> got(out_shape.size() + guard, 1234.5f);
            block.forward(in.data(), in_shape, got.data(), band_scratch.data(), padding, par, rows);
            CHECK(max_relative_diff(got.data(), want.data(), want.size()) <= 1e-5);
            CHECK(std::all_of(got.end() - guard, got.end(), [](float v) { return v == 1234.5f; }));
        }
    }
}

}  // namespace

TEST_CASE("fused inverted residual: row bands match the whole-tensor block on odd shapes", "[layer][fused]") {
    const auto padding = GENERATE(Padding::tf_same, Padding::symmetric);
    const Shape in = GENERATE(Shape{1, 1, 0}, Shape{2, 2, 0}, Shape{7, 7, 0}, Shape{8, 8, 0}, Shape{5, 13, 0},
                              Shape{13, 6, 0});
    struct Config {
        int in_c, out_c, t;
    };
    // residual (s1, in == out), no residual, t = 1 (no expand), channels off the SIMD width
    for (const Config c : {Config{5, 5, 6}, Config{7, 9, 6}, Config{17, 16, 1}, Config{16, 16, 1}, Config{3, 33, 3}}) {
        const Shape shape{in.h, in.w, c.in_c};
        const auto seed = static_cast<std::uint32_t>(c.in_c * 100 + in.h * 10 + in.w);
        check_bands<Stride<1>>(c.in_c, c.out_c, c.t, shape, padding, seed);
        check_bands<Stride<2>>(c.in_c, c.out_c, c.t, shape, padding, seed);
    }
}

TEST_CASE("fused inverted residual: band rows fit the budget", "[layer][fused]") {
    const InvertedResidual<Stride<2>> block(16, 24, 6);  // V2 1.0-224 features.2: 112x112x16 → 56x56x24
    const Shape in{112, 112, 16};
    for (std::size_t budget : {std::size_t{1}, std::size_t{64} << 10, std::size_t{256} << 10, std::size_t{64} << 20}) {
        CAPTURE(budget);
        const int rows = block.band_rows(in, Padding::tf_same, budget);
        CHECK(rows >= 1);
        CHECK(rows <= 56);
        if (rows > 1) CHECK(block.band_floats(in, Padding::tf_same, rows) * sizeof(float) <= budget);
        if (rows < 56) CHECK(block.band_floats(in, Padding::tf_same, rows + 1) * sizeof(float) > budget);
    }
    CHECK(block.band_rows(in, Padding::tf_same, std::size_t{64} << 20) == 56);  // the whole output
}

TEST_CASE("fused sessions match unfused ones on every V2 configuration of the grid", "[runtime][fused]") {
    struct Config {
        float width;
        int resolution;
    };
    std::vector<Config> grid{{1.4f, 224}};
    for (float w : {1.0f, 0.75f, 0.5f, 0.35f})
        for (int r : {224, 192, 160, 128, 96}) grid.push_back({w, r});
    for (const Config c : grid) {
        ModelInfo info;
        info.width = c.width;
        info.resolution = c.resolution;
        const Model model = test::random_model(info, 5);
        const auto input = test::random_input(model.graph().input_shape().size(), 6);
        Session unfused(model, {.fuse_blocks = false});
        const std::vector<float> want(unfused.run(input).begin(), unfused.run(input).end());
        for (int threads : {1, 2}) {
            CAPTURE(c.width, c.resolution, threads);
            Session fused(model, {.threads = threads});
            int fused_blocks = 0;
            for (const NodeMemory& node : fused.memory_plan().nodes) fused_blocks += node.band_rows > 0;
            CHECK(fused_blocks >= 3);  // at least the 112x112 and 56x56 stages
            const auto got = fused.run(input);
            REQUIRE(got.size() == want.size());
            float worst = 0;
            for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
            CHECK(worst <= 1e-4f);
        }
    }
}

TEST_CASE("memory plan: the arena is exactly the peak activation memory", "[runtime][memory]") {
    ModelInfo info;  // V2 1.0-224
    const Model model = test::random_model(info);
    const Graph& graph = model.graph();
    for (const SessionOptions options : {SessionOptions{}, SessionOptions{.threads = 2},
                                         SessionOptions{.fuse_blocks = false}, SessionOptions{.max_batch = 4}}) {
        CAPTURE(options.threads, options.max_batch, options.fuse_blocks);
        const MemoryPlan plan = plan_memory(graph, options);
        const Session session(model, options);
        CHECK(session.arena_bytes() == plan.peak_activation_bytes());
        // independent of the plan's bookkeeping: no node can run without its input and output
        // (the first node reads the caller's buffer, the last writes the logits region)
        std::size_t floor = 0;
        for (std::size_t i = 1; i + 1 < graph.nodes().size(); ++i)
            floor = std::max(floor, graph.shape_before(i).size() + graph.shape_before(i + 1).size());
        const std::size_t logits = graph.output_shape().size() * static_cast<std::size_t>(options.max_batch);
        CHECK(plan.peak_activation_bytes() >= (floor + logits) * sizeof(float));
        REQUIRE(plan.nodes.size() == graph.nodes().size());
    }
    // The MobileNetV2 paper's point (§5.1): fused, V2 1.0-224 needs ≤ 2.6 MB; whole tensors
    // need the 112x112x96 expanded tensor (4.8 MB) and more.
    CHECK(plan_memory(graph, {}).peak_activation_bytes() <= 2'600'000);
    CHECK(plan_memory(graph, {.threads = 2}).peak_activation_bytes() <= 2'600'000);
    CHECK(plan_memory(graph, {.fuse_blocks = false}).peak_activation_bytes() > 6'000'000);
    CHECK_THROWS_WITH(plan_memory(graph, {.band_bytes = 0}), Catch::Contains("band_bytes"));
}
