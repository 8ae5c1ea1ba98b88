// mnet-peer-onednn: mnet against oneDNN (and XNNPACK, when built with it) on the
// same network, in one process, interleaved (mnet, oneDNN, [XNNPACK,] mnet, …)
// so all engines see the same machine state:
// on a shared VM the host changes underneath and only a same-run ratio means
// anything (PERF-NOTES §7). Configs: V2 1.0-224 and V1 1.0-224, batch 1, at each
// thread count asked for; all engines get the same random weights, and the
// first outputs are compared before any timing.
//
// Then the integer part: the quantized files themselves (V2 1.0-224 uint8, V2 1.0-224
// int8 PTQ, V1 1.0-224 uint8) in mnet's integer path, mnet's float path (the same
// file dequantized), oneDNN int8 (onednn_quant.hpp) and XNNPACK QU8/QC8
// (xnnpack_quant.hpp), interleaved the same way on a real photo; before timing, every
// engine runs the five photos of ../shared/reference and the peers' quantized logits
// are compared with mnet's (max |Δq|, top-1 agreement; mnet's are bit-exact with
// TFLite's reference kernels, the peers requantize in float).
//
//   mnet-peer-onednn [--runs N] [--warmup N] [--threads 1,2] [--gap-us U] [--no-pin] [--impls]
//                    [--per-op] [--float-only | --int8-only] [--data DIR]
//
// --per-op: for each quantized config, mnet's integer profile (each op alone, median) and
// oneDNN's primitives timed the same way, summed per op class and input size ("conv1x1
// @56x56"), before the whole-network rounds: which kind of layer a gap comes from.
//
// DIR (default $MNET_DATA_DIR, else ../shared) holds weights/tflite and reference/.
//
// For T threads the process pins itself to the first T CPUs it may use (taskset's
// -c 0 / -c 0,1) before building that T's engines, so the workers they create
// inherit the mask. --gap-us sleeps between runs (default 0: back to back, each
// engine's workers may still be spinning when the other starts; see README).
#include <omp.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cpu_info.hpp"
#include "fma_peak.hpp"
#include "int_peak.hpp"
#include "machine_load.hpp"
#include "mnet/mnet.hpp"
#include "mnet/runtime/profile.hpp"
#include "onednn_mobilenet.hpp"
#include "onednn_quant.hpp"
#include "quant_graph.hpp"
#include "random_weights.hpp"
#ifndef MNET_PEER_XNNPACK
#define MNET_PEER_XNNPACK 0
#endif
#if MNET_PEER_XNNPACK
#include "xnnpack_mobilenet.hpp"
#include "xnnpack_quant.hpp"
#endif

namespace {

struct Options {
    int runs = 201;
    int warmup = 30;
    std::vector<int> threads{1, 2};
    int gap_us = 0;
    bool pin = true;
    bool impls = false;
    bool per_op = false;
    bool run_float = true, run_int8 = true;
    std::string data;
};

struct Stats {
    double median, min, p90;
};

Stats stats_of(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1) + 0.5)]; };
    return {at(0.5), ms.front(), at(0.9)};
}

std::string loadavg() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

/// Pins the calling thread (and so every thread it creates later) to the first `n` allowed CPUs.
bool pin_to_first(int n, const cpu_set_t& allowed) {
    cpu_set_t set;
    CPU_ZERO(&set);
    int taken = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && taken < n; ++cpu)
        if (CPU_ISSET(cpu, &allowed)) CPU_SET(cpu, &set), ++taken;
    return taken == n && sched_setaffinity(0, sizeof set, &set) == 0;
}

template <class F>
double time_ms(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Worst |a-b| relative to the largest |b|, or a negative value if sizes differ or anything is not finite.
double compare(std::span<const float> a, std::span<const float> b) {
    if (a.size() != b.size()) return -1;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return -1;
        diff = std::max(diff, static_cast<double>(std::abs(a[i] - b[i])));
        scale = std::max(scale, static_cast<double>(std::abs(b[i])));
    }
    return diff / std::max(scale, 1e-30);
}

/// One engine under test: a name and "run one image, return its logits".
struct Engine {
    const char* name;
    std::function<std::span<const float>(const float*)> run;
    std::vector<double> ms;
};

/// Times one config at one thread count, all engines interleaved; prints one block
/// and returns mnet/oneDNN (medians).
double run_config(const char* label, mnet::Arch arch, int threads, const Options& opt) {
    mnet::ModelInfo info;
    info.arch = arch;
    std::vector<mnet_bench::SlotWeights> weights;
    const mnet::Model model = mnet_bench::random_model(info, 42, &weights);
    mnet::Session session(model, {.threads = threads});
    omp_set_num_threads(threads);  // before creating primitives: they size their split then
    mnet_bench::OnednnMobileNet onednn(model.graph(), weights);
    if (opt.impls)
        for (const std::string& line : onednn.implementations()) std::printf("  oneDNN %s\n", line.c_str());
    std::vector<Engine> engines;
    engines.push_back({"mnet", [&](const float* x) { return session.run({x, session.input_size()}); }, {}});
    engines.push_back({"oneDNN", [&](const float* x) { return onednn.run(x); }, {}});
#if MNET_PEER_XNNPACK
    mnet_bench::XnnpackMobileNet xnnpack(model.graph(), weights, threads);
    engines.push_back({"XNNPACK", [&](const float* x) { return xnnpack.run(x); }, {}});
#endif

    // XNNPACK may read up to 16 bytes past the input: pad it.
    std::vector<float> input(session.input_size() + 16);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& x : input) x = u(rng);

    // Same weights, same input: the engines must agree before their times mean anything.
    const std::span<const float> first = session.run({input.data(), session.input_size()});
    const std::vector<float> ours(first.begin(), first.end());
    double worst = 0;
    for (std::size_t e = 1; e < engines.size(); ++e) {
        const double rel = compare(ours, engines[e].run(input.data()));
        if (rel < 0 || rel > 1e-3) {
            std::fprintf(stderr, "%s: mnet and %s disagree (max rel diff %g, %zu logits)\n", label, engines[e].name, rel,
                         ours.size());
            std::exit(1);
        }
        worst = std::max(worst, rel);
    }

    float sink = 0;
    mnet_bench::OtherLoad others;
    for (int i = 0; i < opt.warmup + opt.runs; ++i)
        for (Engine& e : engines) {
            const double ms = time_ms([&] { sink += e.run(input.data())[0]; });
            if (i >= opt.warmup) e.ms.push_back(ms);
            if (opt.gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(opt.gap_us));
        }
    const Stats m = stats_of(engines[0].ms);
    double vs_onednn = 0;
    for (const Engine& e : engines) {
        const Stats s = stats_of(e.ms);
        std::printf("%-10s %d thr  %-7s median %7.3f  min %7.3f  p90 %7.3f ms", label, threads, e.name, s.median, s.min,
                    s.p90);
        if (&e != &engines[0]) std::printf("   mnet/%s %.3f (min/min %.3f)", e.name, m.median / s.median, m.min / s.min);
        std::printf("\n");
        if (&e == &engines[1]) vs_onednn = m.median / s.median;
    }
    std::printf("%-10s %d thr  logits agree: max |diff| / max |logit| = %.1e; other processes used %.2f cores%s\n", label,
                threads, worst, others.cores(), sink == 12345.0f ? " " : "");
    std::fflush(stdout);
    return vs_onednn;
}

/// A quantized classifier of ../shared and its reference folder.
struct QuantConfig {
    const char* label;
    std::vector<std::string> files;  // under weights/tflite, chained
    const char* reference;           // under reference/
};

const std::vector<QuantConfig>& quant_configs() {
    static const std::vector<QuantConfig> configs{
        {"v2 quant", {"mobilenet_v2_1.0_224_quant.tflite"}, "v2_1.0_224_quant"},
        {"v2 ptq", {"tf2_mobilenet_v2_1.0_224_ptq.tflite"}, "v2_1.0_224_ptq"},
        {"v1 quant",
         {"mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", "mobilenet_quant_v1_224_head_layers.tflite"},
         "v1_1.0_224_quant"}};
    return configs;
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// The quantized logits as ints (uint8 or int8 bytes).
std::vector<int> as_ints(std::span<const std::uint8_t> bytes, bool s8) {
    std::vector<int> v(bytes.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = s8 ? static_cast<std::int8_t>(bytes[i]) : bytes[i];
    return v;
}

template <class T>
std::size_t argmax(const std::vector<T>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// An engine of the integer comparison: runs one image (its uint8 pixels, or the float input) and returns nothing.
struct QEngine {
    std::string name;
    std::function<void()> run;
    std::vector<double> ms, cpu_ms;  // wall time; CPU time of the whole process (all its threads)
};

/// CPU time of this process so far (ms): at 1 thread, a run's share without the time other processes had the core.
double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

/// --per-op: mnet's integer ops and oneDNN's primitives, each timed alone (median of `runs`), summed
/// per op class and input size, in mnet's order of time. A FULLY_CONNECTED is oneDNN's 1x1 conv on a
/// 1x1 image and MEAN or AVERAGE_POOL_2D its pooling, so they share those keys; reorders are oneDNN's.
void print_per_op(const QuantConfig& cfg, const mnet::Model& model, mnet_bench::OnednnQuantNet& onednn,
                  const std::uint8_t* pixels, int threads, int runs) {
    std::map<std::string, std::pair<double, double>> by_key;  // key -> (mnet ms, oneDNN ms)
    for (const mnet::LayerProfile& row : mnet::profile_integer_ops(model, runs, {.threads = threads})) {
        std::string type = row.types;
        if (type == "fc") type = "conv1x1";
        if (type == "mean" || type == "average_pool_2d") type = "pool";
        by_key[type + " @" + std::to_string(row.in.h) + "x" + std::to_string(row.in.w)].first += row.median_ms;
    }
    for (const auto& [key, ms] : onednn.step_times(pixels, runs)) by_key[key].second += ms;
    std::vector<std::pair<std::string, std::pair<double, double>>> rows(by_key.begin(), by_key.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    std::printf("%-9s %d thr  per op class (each op alone, median of %d; ms summed over the class)\n", cfg.label, threads, runs);
    std::printf("  %-24s %9s %9s %9s\n", "class @input", "mnet-i8", "oneDNN-i8", "ratio");
    double mnet_total = 0, onednn_total = 0;
    for (const auto& [key, ms] : rows) {
        mnet_total += ms.first;
        onednn_total += ms.second;
        std::printf("  %-24s %9.4f %9.4f", key.c_str(), ms.first, ms.second);
        if (ms.first > 0 && ms.second > 0) std::printf(" %9.3f", ms.first / ms.second);
        std::printf("\n");
    }
    std::printf("  %-24s %9.4f %9.4f %9.3f\n", "total", mnet_total, onednn_total, mnet_total / onednn_total);
}

/// Checks the peers against mnet on the five photos, then times one config at one thread
/// count (mnet int8, mnet float, oneDNN int8[, XNNPACK int8]) interleaved; prints one block
/// and returns, by engine name, mnet int8's median / the engine's.
std::map<std::string, double> run_quant_config(const QuantConfig& cfg, int threads, const Options& opt) {
    std::vector<std::string> paths;
    for (const std::string& f : cfg.files) paths.push_back(opt.data + "/weights/tflite/" + f);
    const mnet::Model model = mnet::load(paths);
    mnet::Session qsession(model, {.threads = threads, .precision = mnet::Precision::integer});
    mnet::Session fsession(model, {.threads = threads, .precision = mnet::Precision::float32});
    const mnet_bench::qnet::QNet net = mnet_bench::qnet::read(paths);
    const bool s8 = net.values[static_cast<std::size_t>(net.logits)].s8;
    omp_set_num_threads(threads);
    mnet_bench::OnednnQuantNet onednn(net);
    if (opt.impls)
        for (const std::string& line : onednn.implementations()) std::printf("  oneDNN %s\n", line.c_str());
#if MNET_PEER_XNNPACK
    mnet_bench::XnnpackQuantNet xnnpack(net, threads);
#endif
    // Peers' quantized logits against mnet's on every photo.
    struct Check {
        const char* name;
        std::function<std::span<const std::uint8_t>(const std::uint8_t*)> run;
        int max_dq = 0, differing = 0, top1 = 0;
    };
    std::vector<Check> checks{{"oneDNN", [&](const std::uint8_t* p) { return onednn.run(p); }}};
#if MNET_PEER_XNNPACK
    checks.push_back({"XNNPACK", [&](const std::uint8_t* p) { return xnnpack.run(p); }});
#endif
    int photos = 0, float_top1 = 0;
    std::vector<std::uint8_t> pixels;
    std::vector<float> floats;
    for (const char* photo : {"chelsea", "coffee", "grace_hopper", "hot_dog", "parrot"}) {
        const std::string base = opt.data + "/reference/" + cfg.reference + "/" + photo;
        pixels = read_bytes(base + ".input.u8");
        const std::vector<std::uint8_t> fbytes = read_bytes(base + ".input.f32");
        floats.resize(fbytes.size() / sizeof(float));
        std::memcpy(floats.data(), fbytes.data(), floats.size() * sizeof(float));
        qsession.run_pixels(pixels);
        const std::vector<int> ours = as_ints(qsession.quantized_output().bytes, s8);
        const std::span<const float> fl = fsession.run(floats);
        float_top1 += argmax(std::vector<float>(fl.begin(), fl.end())) == argmax(ours);
        for (Check& c : checks) {
            const std::vector<int> theirs = as_ints(c.run(pixels.data()), s8);
            if (theirs.size() != ours.size()) throw std::runtime_error(std::string(c.name) + ": logit count differs");
            for (std::size_t i = 0; i < ours.size(); ++i) {
                c.max_dq = std::max(c.max_dq, std::abs(theirs[i] - ours[i]));
                c.differing += theirs[i] != ours[i];
            }
            c.top1 += argmax(theirs) == argmax(ours);
        }
        ++photos;
    }

    if (opt.per_op) print_per_op(cfg, model, onednn, pixels.data(), threads, opt.runs);

    std::vector<QEngine> engines;
    engines.push_back({"mnet-i8", [&] { qsession.run_pixels(pixels); }, {}, {}});
    engines.push_back({"mnet-f32", [&] { fsession.run(floats); }, {}, {}});
    engines.push_back({"oneDNN-i8", [&] { onednn.run(pixels.data()); }, {}, {}});
#if MNET_PEER_XNNPACK
    engines.push_back({"XNNPACK-i8", [&] { xnnpack.run(pixels.data()); }, {}, {}});
#endif
    mnet_bench::OtherLoad others;
    for (int i = 0; i < opt.warmup + opt.runs; ++i)
        for (QEngine& e : engines) {
            const double cpu0 = process_cpu_ms();
            const double ms = time_ms(e.run);
            const double cpu = process_cpu_ms() - cpu0;
            if (i >= opt.warmup) e.ms.push_back(ms), e.cpu_ms.push_back(cpu);
            if (opt.gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(opt.gap_us));
        }
    const double gops = 2.0 * net.macs() * 1e-9;
    const Stats m = stats_of(engines[0].ms);
    std::map<std::string, double> ratios;
    for (const QEngine& e : engines) {
        const Stats s = stats_of(e.ms);
        std::printf("%-9s %d thr  %-10s median %7.3f  min %7.3f  p90 %7.3f ms  %6.1f GOPS  cpu median %7.3f ms", cfg.label,
                    threads, e.name.c_str(), s.median, s.min, s.p90, gops / (s.median * 1e-3), stats_of(e.cpu_ms).median);
        if (&e != &engines[0]) {
            std::printf("   mnet-i8/%s %.3f (min/min %.3f, cpu %.3f)", e.name.c_str(), m.median / s.median, m.min / s.min,
                        stats_of(engines[0].cpu_ms).median / stats_of(e.cpu_ms).median);
            ratios[e.name] = m.median / s.median;
        }
        std::printf("\n");
    }
    std::printf("%-9s %d thr  %.0f MMACs; top-1 on %d photos: mnet f32 = mnet i8 on %d", cfg.label, threads,
                net.macs() * 1e-6, photos, float_top1);
    for (const Check& c : checks)
        std::printf("; %s: top-1 = mnet's on %d, max |dq| %d, %d of %zu logits differ", c.name, c.top1, c.max_dq,
                    c.differing, static_cast<std::size_t>(photos) * net.values[static_cast<std::size_t>(net.logits)].size());
    std::printf("; oneDNN rescaled %d weight channels; other processes used %.2f cores\n", onednn.rescaled_channels(),
                others.cores());
    std::fflush(stdout);
    return ratios;
}

std::vector<int> parse_list(const char* s) {
    std::vector<int> v;
    for (const char* p = s; *p;) {
        char* end = nullptr;
        const long x = std::strtol(p, &end, 10);
        if (end == p || x < 1) break;
        v.push_back(static_cast<int>(x));
        p = *end == ',' ? end + 1 : end;
        if (*end != ',') break;
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--runs" && has_value) opt.runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--warmup" && has_value) opt.warmup = std::max(0, std::atoi(argv[++i]));
        else if (a == "--threads" && has_value) opt.threads = parse_list(argv[++i]);
        else if (a == "--gap-us" && has_value) opt.gap_us = std::max(0, std::atoi(argv[++i]));
        else if (a == "--no-pin") opt.pin = false;
        else if (a == "--impls") opt.impls = true;
        else if (a == "--per-op") opt.per_op = true;
        else if (a == "--float-only") opt.run_int8 = false;
        else if (a == "--int8-only") opt.run_float = false;
        else if (a == "--data" && has_value) opt.data = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: mnet-peer-onednn [--runs N] [--warmup N] [--threads 1,2] [--gap-us U] [--no-pin] [--impls]\n"
                         "                        [--per-op] [--float-only | --int8-only] [--data DIR]\n");
            return 2;
        }
    }
    if (opt.threads.empty()) return std::fprintf(stderr, "--threads: expected a list like 1,2\n"), 2;
    if (opt.data.empty()) {
        const char* env = std::getenv("MNET_DATA_DIR");
        opt.data = env && *env ? env : "../shared";
    }

    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    const dnnl_version_t* v = dnnl::version();
    std::printf("cpu: %s, fp32 FMA peak %.1f GFLOP/s, 512-bit vpdpbusd peak %.0f GOPS per core\n",
                mnet_bench::cpu_info().describe().c_str(), mnet_bench::fma_peak_gflops(), mnet_bench::vnni_peak_gops());
    std::printf("mnet %s kernels: %s | oneDNN %d.%d.%d: ISA %s, threading %s\n", MNET_VERSION_STRING,
                mnet::kernels::backend_name(), v->major, v->minor, v->patch, mnet_bench::onednn_isa_name(),
                mnet_bench::onednn_threading_name());
    std::printf("interleaved mnet/oneDNN%s, %d warm-up rounds, %d timed rounds, gap %d us, load average %s\n", MNET_PEER_XNNPACK ? "/XNNPACK" : "", opt.warmup,
                opt.runs, opt.gap_us, loadavg().c_str());

    std::map<std::string, double> ratios;
    std::map<std::string, std::map<std::string, double>> qratios;
    for (int t : opt.threads) {
        if (opt.pin && !pin_to_first(t, allowed))
            std::fprintf(stderr, "warning: could not pin to %d CPUs; running unpinned\n", t);
        if (opt.run_float)
            for (const auto& [label, arch] : {std::pair{"v2 1.0-224", mnet::Arch::mobilenet_v2},
                                              std::pair{"v1 1.0-224", mnet::Arch::mobilenet_v1}})
                ratios[std::string(label) + " t" + std::to_string(t)] = run_config(label, arch, t, opt);
        if (opt.run_int8)
            for (const QuantConfig& cfg : quant_configs())
                qratios[std::string(cfg.label) + " t" + std::to_string(t)] = run_quant_config(cfg, t, opt);
    }
    std::printf("load average after: %s\n", loadavg().c_str());
    if (opt.run_float) {
        std::printf("summary (mnet/oneDNN median, float, random weights; < 1 means mnet is faster):");
        for (const auto& [k, r] : ratios) std::printf("  %s %.3f", k.c_str(), r);
        std::printf("\n");
    }
    for (const auto& [k, r] : qratios) {
        std::printf("summary int8 %-12s mnet-i8 median /", k.c_str());
        for (const auto& [name, x] : r) std::printf("  %s %.3f", name.c_str(), x);
        std::printf("\n");
    }
}
