// The machine a per-layer roofline is drawn against: one core's fp32 FMA peak and
// read bandwidths from L2 and L3, measured here (under KVM the clock is invisible
// and the same "AVX-512" may be one or two 512-bit FMAs per cycle), plus the cache
// sizes the OS reports. roofline_ms turns a layer's FLOPs and bytes into the time
// below which it cannot run. Used by profile.hpp's table; not in <mnet/mnet.hpp>.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>

#if defined(__unix__)
#include <unistd.h>
#endif

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/config.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/arch.hpp"
#endif

namespace mnet {

/// One core's limits (a profile with T threads multiplies rates and L2 by T).
struct Machine {
    double peak_gflops = 0;                      ///< fp32 FMA peak, GFLOP/s (2 FLOP per lane per FMA)
    double l2_gbps = 0;                          ///< read bandwidth of data resident in L2, GB/s
    double l3_gbps = 0;                          ///< read bandwidth of data resident in L3, GB/s
    std::size_t l2_bytes = std::size_t{1} << 20;  ///< L2 per core
    std::size_t l3_bytes = std::size_t{32} << 20; ///< shared last level
};

/// Where a layer's bytes come from and the time they and its FLOPs need at best.
struct Roofline {
    double compute_ms = 0;    ///< FLOPs / peak
    double memory_ms = 0;     ///< weights / L3 bandwidth + activations / (L2 or L3 bandwidth)
    bool activations_in_l2 = true;  ///< input + output fit the threads' L2s together
    /// The bound: the larger of the two (the layer cannot overlap more than perfectly).
    double ms() const noexcept { return std::max(compute_ms, memory_ms); }
};

/// The roofline of one layer. Weights are read once per inference from L3: the
/// network's weights (14–17 MB at α = 1) cycle through L2 between two inferences, so
/// none is still there when its layer comes round. Activations (input + output) are
/// served by L2 when together they fit the threads' L2s (the layer before wrote the
/// input there), else by L3 (PERF-NOTES §1: spills go to L3, not DRAM).
inline Roofline roofline(const Machine& m, int threads, double flops, double weight_bytes,
                         double activation_bytes) noexcept {
    const double t = std::max(1, threads);
    Roofline r;
    r.activations_in_l2 = activation_bytes <= static_cast<double>(m.l2_bytes) * t;
    if (m.peak_gflops > 0) r.compute_ms = flops / (m.peak_gflops * t) * 1e-6;
    const double act_bw = r.activations_in_l2 ? m.l2_gbps : m.l3_gbps;
    if (m.l3_gbps > 0 && act_bw > 0) r.memory_ms = (weight_bytes / m.l3_gbps + activation_bytes / act_bw) / t * 1e-6;
    return r;
}

namespace detail {

inline double thread_seconds() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
#else
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

#if MNET_SIMD_ENABLED
using roofline_vec = kernels::simd::vec<kernels::simd::default_arch>;
#else
struct roofline_vec {
    using type = float;
    static constexpr std::size_t size = 1;
    static float broadcast(float x) noexcept { return x; }
    static float load_aligned(const float* p) noexcept { return *p; }
    static float fmadd(float a, float b, float c) noexcept { return a * b + c; }
    static void store(float* p, float x) noexcept { *p = x; }
};
#endif

/// GFLOP/s of 12 independent FMA chains (enough to cover latency on two pipes) of registers V (the
/// kernels' by default; bench/fma_peak.hpp also asks for 256-bit ones). The recurrences acc·x + y cannot be
/// folded or reassociated; no compiler barrier, which would keep acc[] on the stack.
template <class V = roofline_vec>
double measure_peak(long iterations) {
    constexpr int chains = 12;
    typename V::type acc[chains];
    for (int i = 0; i < chains; ++i) acc[i] = V::broadcast(0.01f * static_cast<float>(i));
    const typename V::type x = V::broadcast(0.999f), y = V::broadcast(0.001f);
    const double t0 = thread_seconds();
    for (long n = 0; n < iterations; ++n)
        for (auto& a : acc) a = V::fmadd(a, x, y);
    const double s = thread_seconds() - t0;
    alignas(64) float out[V::size];
    typename V::type sum = acc[0];
    for (int i = 1; i < chains; ++i) sum = sum + acc[i];
    V::store(out, sum);
    const double flop = static_cast<double>(iterations) * chains * static_cast<double>(V::size) * 2.0;
    return out[0] == 12345.0f ? 0.0 : flop / s * 1e-9;
}

/// GB/s reading the `n` floats at `p` (64-byte aligned, n a multiple of 4 registers)
/// `passes` times, with four independent sums.
inline double measure_read(float* p, std::size_t n, int passes) {
    using V = roofline_vec;
    constexpr std::size_t L = V::size;
    typename V::type s[4] = {V::broadcast(0), V::broadcast(0), V::broadcast(0), V::broadcast(0)};
    const double t0 = thread_seconds();
    for (int pass = 0; pass < passes; ++pass)
        for (std::size_t i = 0; i < n; i += 4 * L)
            for (std::size_t u = 0; u < 4; ++u) s[u] = s[u] + V::load_aligned(p + i + u * L);
    const double secs = thread_seconds() - t0;
    alignas(64) float out[L];
    const typename V::type total = (s[0] + s[1]) + (s[2] + s[3]);
    V::store(out, total);
    p[0] += out[0] * 0.0f;  // keeps the sums alive
    return static_cast<double>(n) * sizeof(float) * passes / secs * 1e-9;
}

}  // namespace detail

/// Measures the calling core (about 0.1 s): best of several trials each, in thread CPU
/// time, so other processes on a shared machine only ever lower a trial, never raise it.
/// L2 is probed with half the reported L2, L3 with a third of L3 (at least 4 × L2).
inline Machine measure_machine() {
    Machine m;
#if defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
    if (const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE); l2 > 0) m.l2_bytes = static_cast<std::size_t>(l2);
    if (const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE); l3 > 0) m.l3_bytes = static_cast<std::size_t>(l3);
#endif
    for (int t = 0; t < 5; ++t) m.peak_gflops = std::max(m.peak_gflops, detail::measure_peak(1L << 19));
    const auto probe = [](std::size_t bytes, int passes) {
        AlignedBuffer buf(bytes / sizeof(float) / 64 * 64);
        double best = 0;
        for (int t = 0; t < 5; ++t) best = std::max(best, detail::measure_read(buf.data(), buf.size(), passes));
        return best;
    };
    m.l2_gbps = probe(m.l2_bytes / 2, 20);
    m.l3_gbps = probe(std::max(m.l3_bytes / 3, 4 * m.l2_bytes), 2);
    return m;
}

}  // namespace mnet
