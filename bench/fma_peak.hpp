// The fp32 FMA peak of one core for the ISA the kernels were built for, measured
// rather than taken from a datasheet: under KVM the clock is invisible and the
// same "AVX-512" can be one or two 512-bit FMAs per cycle (Zen4 vs SPR). Twelve
// independent accumulator registers cover the FMA latency on two ports; each
// recurrence acc = acc·x + y stays finite and cannot be folded by the compiler.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>

#include "mnet/kernels/simd/config.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/arch.hpp"
#endif

namespace mnet_bench {

namespace detail {

#if MNET_SIMD_ENABLED
using peak_vec = mnet::kernels::simd::vec<mnet::kernels::simd::default_arch>;  // the kernels' own fmadd
#else
struct peak_vec {  // scalar build: what the reference kernels can reach
    using type = float;
    static constexpr std::size_t size = 1;
    static float broadcast(float x) noexcept { return x; }
    static float fmadd(float a, float b, float c) noexcept { return a * b + c; }
};
#endif

/// CPU time of the calling thread: time the scheduler gave to other processes
/// does not count, so the peak holds on a busy machine (the latencies, measured
/// in wall time, do not get that favour).
inline double thread_seconds() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
#else
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

inline float first_lane(float x) noexcept { return x; }
template <class Batch>
float first_lane(const Batch& b) noexcept {
    alignas(64) float lanes[Batch::size];
    b.store_aligned(lanes);
    return lanes[0];
}

/// Seconds for `iterations` rounds of 12 dependent-per-register FMAs; `sink` keeps the result alive.
template <class V>
double time_fma_loop(long iterations, float& sink) {
    constexpr int accumulators = 12;
    typename V::type acc[accumulators];
    for (int i = 0; i < accumulators; ++i) acc[i] = V::broadcast(0.01f * static_cast<float>(i));
    const typename V::type x = V::broadcast(0.999f), y = V::broadcast(0.001f);
    const double t0 = thread_seconds();
    // No compiler barrier: a "memory" clobber would keep acc[] on the stack. The FMA
    // recurrences cannot be folded or reassociated, so this stays 12 register FMAs a round.
    for (long n = 0; n < iterations; ++n)
        for (int i = 0; i < accumulators; ++i) acc[i] = V::fmadd(acc[i], x, y);
    const double seconds = thread_seconds() - t0;
    for (int i = 0; i < accumulators; ++i) sink += first_lane(acc[i]);
    return seconds;
}

}  // namespace detail

/// Lanes per register of the measured ISA (1 in a scalar build).
inline constexpr std::size_t peak_lanes = detail::peak_vec::size;

/// Best-of-`trials` GFLOP/s (2 FLOP per FMA lane) of the calling thread with
/// registers of V (default: the kernels' arch), each trial about `seconds` long.
/// The best, not the median: the peak is what the core can do when nothing else
/// runs, and other processes only ever make a trial slower.
template <class V = detail::peak_vec>
double fma_peak_gflops(double seconds = 0.05, int trials = 9) {
    float sink = 0;
    long iterations = 1L << 16;
    while (detail::time_fma_loop<V>(iterations, sink) < seconds / 4) iterations *= 2;  // calibrate
    const double flop = static_cast<double>(iterations) * 12.0 * static_cast<double>(V::size) * 2.0;
    double best = 0;
    for (int t = 0; t < trials; ++t) best = std::max(best, flop / detail::time_fma_loop<V>(iterations, sink) * 1e-9);
    return sink == 12345.0f ? best + 1e-9 : best;
}

/// The same with 256-bit registers when the kernels use 512-bit ones (0 otherwise):
/// whether zmm doubles the peak (Intel SPR) or not (AMD Zen4 splits each zmm FMA in two).
inline double fma_peak_ymm_gflops() {
#if MNET_SIMD_ENABLED
    if constexpr (mnet::kernels::simd::is_avx512<mnet::kernels::simd::default_arch>)
        return fma_peak_gflops<mnet::kernels::simd::vec<mnet::kernels::simd::ymm_arch>>();
#endif
    return 0;
}

}  // namespace mnet_bench
