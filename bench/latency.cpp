// mnet-latency: single-image latency of whole networks, random weights (or a
// weights file), printed with the CPU model and the kernel ISA so figures from
// different machines are never compared by accident.
//   mnet-latency [--runs N] [--warmup N] [--threads T] [--unfused] [--layers] [file.safetensors ...]
// Without files it times MobileNetV1 1.0-224 and MobileNetV2 1.0-224. Besides wall
// time it prints the calling thread's CPU time, which holds on a machine shared with
// other jobs (1 thread only). --layers adds the per-node table of mnet::profile_layers
// (runtime/profile.hpp: median ms, GFLOP/s, share, % of peak, roofline; with --threads).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../examples/classify_args.hpp"  // mnet::cli::detail::parse_int
#include "../examples/tool_main.hpp"       // the shared main(): --help, one-line errors, status 2 / 1
#include "mnet/mnet.hpp"
#include "mnet/runtime/profile.hpp"

namespace {

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

mnet::Model random_model(mnet::Arch arch) {
    mnet::ModelInfo info;
    info.arch = arch;
    mnet::Graph graph = mnet::build_graph(info);
    std::mt19937 rng(42);
    for (mnet::WeightSlot& slot : graph.weight_slots()) {
        // Scaled so activations stay O(1) through the depth of the network.
        const int fan_in = slot.oihw[1] * slot.oihw[2] * slot.oihw[3];
        std::uniform_real_distribution<float> w(-1.0f / fan_in, 1.0f / fan_in), b(-0.1f, 0.1f);
        std::vector<float> weight(slot.weight_count()), bias(slot.out_channels());
        for (float& x : weight) x = w(rng) * 1.7f;
        for (float& x : bias) x = b(rng);
        slot.assign(weight, bias);
    }
    return mnet::Model(info, std::move(graph));
}

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

void time_model(const std::string& name, const mnet::Model& model, int runs, int warmup,
                const mnet::SessionOptions& options) {
    const int threads = options.threads;
    mnet::Session session(model, options);
    std::vector<float> input(session.input_size());
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& x : input) x = u(rng);
    for (int i = 0; i < warmup; ++i) session.run(input);
    std::vector<double> ms(static_cast<std::size_t>(runs)), cpu(ms.size());
    float sink = 0;
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const double c0 = thread_cpu_ms();
        const auto t0 = std::chrono::steady_clock::now();
        sink += session.run(input)[0];
        ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        cpu[i] = thread_cpu_ms() - c0;
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    const auto at = [&](double q) { return ms[static_cast<std::size_t>(q * (ms.size() - 1))]; };
    std::uint64_t madds = 0;
    for (const mnet::LayerStats& row : model.graph().stats()) madds += row.madds;
    std::printf("%-28s threads %d  median %8.3f ms  min %8.3f  p90 %8.3f  cpu median %8.3f  (%5.1f GFLOP/s, n=%d)%s\n",
                name.c_str(), threads, at(0.5), ms.front(), at(0.9), cpu[cpu.size() / 2],
                2.0 * static_cast<double>(madds) / at(0.5) * 1e-6, runs, sink == 12345.0f ? " " : "");
}

constexpr const char* usage =
    "usage: mnet-latency [--runs N] [--warmup N] [--threads T] [--unfused] [--layers] [model file ...]\n"
    "  without files: MobileNetV1 and V2 1.0-224 with random weights; files: .safetensors or .tflite\n";

struct Args {
    int runs = 100, warmup = 20, threads = 1;
    bool layers = false, fused = true;  // --unfused: inverted residuals on whole tensors
    std::vector<std::string> files;
    bool help = false;
};

Args parse(const std::vector<std::string>& raw) {
    Args a;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string& arg = raw[i];
        if (arg == "--help" || arg == "-h") {
            a.help = true;
        } else if (arg == "--layers") {
            a.layers = true;
        } else if (arg == "--unfused") {
            a.fused = false;
        } else if (arg == "--runs" || arg == "--warmup" || arg == "--threads") {
            mnet::require(i + 1 < raw.size(), mnet::ErrorKind::argument, "missing value after " + arg);
            const std::string& value = raw[++i];
            if (arg == "--runs") a.runs = mnet::cli::detail::parse_int(arg, value, 1, 1'000'000);
            else if (arg == "--warmup") a.warmup = mnet::cli::detail::parse_int(arg, value, 0, 1'000'000);
            else a.threads = mnet::cli::detail::parse_int(arg, value, 1, 1024);
        } else {
            mnet::require(arg.size() < 2 || arg[0] != '-', mnet::ErrorKind::argument, "unknown option '" + arg + "'");
            a.files.push_back(arg);
        }
    }
    return a;
}

int run_all(const Args& a) {
    std::printf("CPU: %s\nkernels: %s\n", cpu_model().c_str(), mnet::kernels::backend_name());
    const mnet::Machine machine = a.layers ? mnet::measure_machine() : mnet::Machine{};
    const auto run = [&](const std::string& name, const mnet::Model& model) {
        const mnet::SessionOptions options{.threads = a.threads, .fuse_blocks = a.fused,
                                           .precision = mnet::Precision::float32};  // the float kernels
        time_model(name, model, a.runs, a.warmup, options);
        if (a.layers)
            std::fputs(mnet::format_profile(mnet::profile_layers(model, std::max(5, a.runs / 4), options), &machine, a.threads)
                           .c_str(),
                       stdout);
    };
    if (a.files.empty()) {
        run("mobilenet_v1_1.0_224 (rand)", random_model(mnet::Arch::mobilenet_v1));
        run("mobilenet_v2_1.0_224 (rand)", random_model(mnet::Arch::mobilenet_v2));
    }
    for (const std::string& f : a.files) run(f.substr(f.find_last_of('/') + 1), mnet::load(f));
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return mnet::cli::tool_main("mnet-latency", argc, argv, parse, usage, run_all); }
