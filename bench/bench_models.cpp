// mnet-bench-models: whole-network latency over every published MobileNet
// configuration (V1: α 1.0/0.75/0.5/0.25 × 224/192/160/128; V2: α 1.4 at 224,
// α 1.0/0.75/0.5/0.35 × 224/192/160/128/96), at 1 and 2 threads, batch 1, plus
// batch 8 at 2 threads for V1/V2 1.0-224; every V2 row once more with unfused
// inverted residuals (".../unfused"), so fused and unfused come from one run.
// Counters: MAdds, GFLOP/s (2·MAdds per image / time), % of the measured
// per-core FMA peak × threads, images/s.
//
// Integer rows (".../int8-quant", ".../int8-ptq"): the quantized .tflite files of
// ../shared (V2 1.0-224 uint8 and int8 PTQ, V1 1.0-224 / 0.75-192 / 0.5-160 /
// 0.25-128 uint8) in an integer Session (Precision::integer) fed their uint8 input;
// GOPS = 2·MAdds / time and % of the measured 512-bit vpdpbusd peak (int_peak.hpp)
// × threads. Skipped (with a note) when the files are not found: the folder is
// --mnet_data=DIR, else $MNET_DATA_DIR, else ../shared.
//
// Each Google Benchmark repetition is ONE inference (manual time), so the
// "median"/"min"/"p90" aggregates are over single runs, as PERF-NOTES §7 asks,
// not over means of batches of runs. Warm-up runs happen untimed before the
// first repetition of each configuration. Models get seeded random weights
// unless --mnet_weights=FILE supplies a matching one.
//
//   mnet-bench-models [--mnet_runs=N] [--mnet_warmup=N] [--mnet_weights=FILE ...] [--mnet_data=DIR] [benchmark flags]
// Pin it (taskset -c 0 for /t1/, -c 0,1 for /t2/); bench/run_grid.sh does all of this.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "cpu_info.hpp"
#include "fma_peak.hpp"
#include "int_peak.hpp"
#include "machine_load.hpp"
#include "mnet/mnet.hpp"
#include "random_weights.hpp"

namespace {

struct Config {
    mnet::Arch arch;
    float width;
    int resolution;
    int threads;
    int batch;
    bool fused = true;  // inverted residuals in row bands (SessionOptions::fuse_blocks)
    /// Integer rows: "quant" (uint8 per-tensor file) or "ptq" (int8 per-channel); empty: float.
    std::string quant{};
    std::vector<std::string> files{};  // the .tflite file(s) of an integer row, chained

    /// "v2/1.0-224/t1/b1" (or ".../b1/unfused", ".../b1/int8-quant"): the name bench/grid_csv.py parses back.
    std::string name() const {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s/%s-%d/t%d/b%d%s%s", arch == mnet::Arch::mobilenet_v1 ? "v1" : "v2",
                      width_label().c_str(), resolution, threads, batch, fused ? "" : "/unfused",
                      quant.empty() ? "" : ("/int8-" + quant).c_str());
        return buf;
    }
    /// "1.0", "0.75", "0.35", "1.4": the labels of the published tables.
    std::string width_label() const {
        char buf[16];
        const bool tenths = std::abs(width * 10.0f - std::round(width * 10.0f)) < 1e-4f;
        std::snprintf(buf, sizeof buf, tenths ? "%.1f" : "%.2f", static_cast<double>(width));
        return buf;
    }
};

std::vector<Config> grid() {
    std::vector<Config> configs;
    for (int threads : {1, 2}) {
        for (float w : {1.0f, 0.75f, 0.5f, 0.25f})
            for (int r : {224, 192, 160, 128}) configs.push_back({mnet::Arch::mobilenet_v1, w, r, threads, 1});
        for (bool fused : {true, false}) {
            configs.push_back({mnet::Arch::mobilenet_v2, 1.4f, 224, threads, 1, fused});
            for (float w : {1.0f, 0.75f, 0.5f, 0.35f})
                for (int r : {224, 192, 160, 128, 96})
                    configs.push_back({mnet::Arch::mobilenet_v2, w, r, threads, 1, fused});
        }
    }
    // Throughput: batch 8 on 2 threads next to the batch-1 rows above.
    configs.push_back({mnet::Arch::mobilenet_v1, 1.0f, 224, 2, 8});
    configs.push_back({mnet::Arch::mobilenet_v2, 1.0f, 224, 2, 8});
    return configs;
}

/// The integer rows: every quantized classifier of ../shared, 1 and 2 threads, batch 1.
std::vector<Config> integer_grid() {
    const auto v1 = mnet::Arch::mobilenet_v1, v2 = mnet::Arch::mobilenet_v2;
    std::vector<Config> configs;
    for (int t : {1, 2}) {
        configs.push_back({v2, 1.0f, 224, t, 1, true, "quant", {"mobilenet_v2_1.0_224_quant.tflite"}});
        configs.push_back({v2, 1.0f, 224, t, 1, true, "ptq", {"tf2_mobilenet_v2_1.0_224_ptq.tflite"}});
        configs.push_back({v1, 1.0f, 224, t, 1, true, "quant",
                           {"mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", "mobilenet_quant_v1_224_head_layers.tflite"}});
        configs.push_back({v1, 0.75f, 192, t, 1, true, "quant", {"mobilenet_v1_0.75_192_quant.tflite"}});
        configs.push_back({v1, 0.5f, 160, t, 1, true, "quant", {"mobilenet_v1_0.5_160_quant.tflite"}});
        configs.push_back({v1, 0.25f, 128, t, 1, true, "quant", {"mobilenet_v1_0.25_128_quant.tflite"}});
    }
    return configs;
}

struct Options {
    int runs = 101;  // odd: the median is one measured run
    int warmup = 20;
    std::vector<std::string> weight_files;
    std::string data;  // holds weights/tflite (integer rows)
};
Options options;
double peak_gflops_per_core = 0;
double int_peak_gops_per_core = 0;  // 512-bit vpdpbusd; 0 without VNNI

/// The configuration being measured: built on its first repetition, dropped when
/// the next configuration starts, so only one Session (and thread pool) exists.
struct Live {
    std::string name;
    std::optional<mnet::Session> session;
    std::vector<float> input;
    std::vector<std::uint8_t> pixels;  // integer rows: the model's uint8 input
    double madds = 0;  // per image
    mnet_bench::OtherLoad others;  // since the config's first timed run
};
Live live;

mnet::Model make_model(const Config& c) {
    if (!c.files.empty()) {
        std::vector<std::string> paths;
        for (const std::string& f : c.files) paths.push_back(options.data + "/weights/tflite/" + f);
        return mnet::load(paths);
    }
    mnet::ModelInfo info;
    info.arch = c.arch;
    info.width = c.width;
    info.resolution = c.resolution;
    for (const std::string& file : options.weight_files) {
        mnet::Model m = mnet::load(file);
        if (m.info().arch == c.arch && m.info().width == c.width && m.info().resolution == c.resolution) return m;
    }
    return mnet_bench::random_model(info);
}

std::span<const float> run_once();

void prepare(const Config& c) {
    if (live.name == c.name()) return;
    live.session.reset();  // first: the old pool's workers exit before the new one starts
    live.name = c.name();
    mnet::Model model = make_model(c);
    live.madds = static_cast<double>(mnet::stats::complexity(model.graph()).madds);
    const bool integer = !c.quant.empty();
    live.session.emplace(model, mnet::SessionOptions{.threads = c.threads, .max_batch = c.batch, .fuse_blocks = c.fused,
                                                     .precision = integer ? mnet::Precision::integer
                                                                          : mnet::Precision::float32});
    live.input.assign(live.session->input_size() * static_cast<std::size_t>(c.batch), 0.0f);
    live.pixels.assign(integer ? live.input.size() : 0, 0);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& x : live.input) x = u(rng);
    for (std::uint8_t& p : live.pixels) p = static_cast<std::uint8_t>(rng() & 0xFF);
    for (int i = 0; i < options.warmup; ++i) benchmark::DoNotOptimize(run_once().data());
    live.others.restart();
}

/// One inference of the live configuration: uint8 pixels into an integer session, floats otherwise.
std::span<const float> run_once() {
    return live.pixels.empty() ? live.session->run(live.input) : live.session->run_pixels(live.pixels);
}

void run_config(benchmark::State& state, Config c) {
    prepare(c);
    double seconds = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::span<const float> logits = run_once();
        benchmark::DoNotOptimize(logits.data());
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(seconds);
    }
    // One iteration per repetition: these are that run's values; the aggregates
    // (median, min, p90) are taken over runs.
    const double gflops = 2.0 * live.madds * c.batch / seconds * 1e-9;
    state.counters["MAdds_M"] = live.madds * 1e-6;
    state.counters["GFLOPs"] = gflops;
    // Integer rows: GOPS against the integer (vpdpbusd) peak; float rows: GFLOP/s against the FMA peak.
    const double peak = c.quant.empty() ? peak_gflops_per_core : int_peak_gops_per_core;
    state.counters["pct_peak"] = peak > 0 ? 100.0 * gflops / (peak * c.threads) : 0.0;
    state.counters["images_per_s"] = c.batch / seconds;
    state.counters["peak_GFLOPs_core"] = peak_gflops_per_core;
    state.counters["other_load_cores"] = live.others.cores();  // other processes, since this config's first run
    state.counters["arena_bytes"] = static_cast<double>(live.session->arena_bytes());
}

double quantile(const std::vector<double>& v, double q) {
    std::vector<double> s(v);
    std::sort(s.begin(), s.end());
    return s.empty() ? 0.0 : s[static_cast<std::size_t>(q * static_cast<double>(s.size() - 1) + 0.5)];
}

/// Strips our own --mnet_* flags before Google Benchmark sees argv.
void parse_own_flags(int& argc, char** argv) {
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const char* flag) -> std::optional<std::string> {
            const std::string f = std::string(flag) + "=";
            if (a.rfind(f, 0) == 0) return a.substr(f.size());
            return std::nullopt;
        };
        if (auto v = value("--mnet_runs")) options.runs = std::max(1, std::atoi(v->c_str()));
        else if (auto v2 = value("--mnet_warmup")) options.warmup = std::max(0, std::atoi(v2->c_str()));
        else if (auto v3 = value("--mnet_weights")) options.weight_files.push_back(*v3);
        else if (auto v4 = value("--mnet_data")) options.data = *v4;
        else argv[out++] = argv[i];
    }
    argc = out;
}

}  // namespace

int main(int argc, char** argv) {
    parse_own_flags(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    peak_gflops_per_core = mnet_bench::fma_peak_gflops();
    int_peak_gops_per_core = mnet_bench::vnni_peak_gops();
    if (options.data.empty()) {
        const char* env = std::getenv("MNET_DATA_DIR");
        options.data = env && *env ? env : "../shared";
    }
    const mnet_bench::CpuInfo cpu = mnet_bench::cpu_info();
    char peak[64];
    std::snprintf(peak, sizeof peak, "%.1f", peak_gflops_per_core);
    benchmark::AddCustomContext("cpu_model", cpu.describe());
    benchmark::AddCustomContext("mnet_isa", mnet::kernels::backend_name());
    benchmark::AddCustomContext("fma_peak_gflops_per_core", peak);
    char int_peak[64];
    std::snprintf(int_peak, sizeof int_peak, "%.1f", int_peak_gops_per_core);
    benchmark::AddCustomContext("int_peak_gops_per_core", int_peak);
    if (const double ymm = mnet_bench::fma_peak_ymm_gflops(); ymm > 0)
        benchmark::AddCustomContext("fma_peak_gflops_per_core_ymm", std::to_string(ymm));
    benchmark::AddCustomContext("mnet_version", MNET_VERSION_STRING);
    // Other processes on a shared machine are the main noise source: record how busy it was.
    std::ifstream loadavg("/proc/loadavg");
    std::string load1;
    loadavg >> load1;
    benchmark::AddCustomContext("loadavg_1min", load1);
    std::fprintf(stderr, "cpu: %s | mnet kernels: %s | fp32 FMA peak (1 core, %zu lanes): %s GFLOP/s\n",
                 cpu.describe().c_str(), mnet::kernels::backend_name(), mnet_bench::peak_lanes, peak);

    std::vector<Config> configs = grid();
    if (std::ifstream(options.data + "/weights/tflite/mobilenet_v2_1.0_224_quant.tflite")) {
        for (const Config& c : integer_grid()) configs.push_back(c);
    } else {
        std::fprintf(stderr, "no quantized .tflite files under %s/weights/tflite: integer rows skipped (--mnet_data=DIR)\n",
                     options.data.c_str());
    }
    for (const Config& c : configs)
        benchmark::RegisterBenchmark(c.name().c_str(), run_config, c)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1)
            ->Repetitions(options.runs)
            ->ReportAggregatesOnly(true)
            ->ComputeStatistics("min", [](const std::vector<double>& v) { return quantile(v, 0.0); })
            ->ComputeStatistics("p90", [](const std::vector<double>& v) { return quantile(v, 0.9); });
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
