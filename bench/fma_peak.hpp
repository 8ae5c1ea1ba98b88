// The fp32 FMA peak of one core for the ISA the kernels were built for, measured
// rather than taken from a datasheet: under KVM the clock is invisible and the
// same "AVX-512" can be one or two 512-bit FMAs per cycle (Zen4 vs SPR). Twelve
// independent accumulator registers cover the FMA latency on two ports; each
// recurrence acc = acc·x + y stays finite and cannot be folded by the compiler.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

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

inline float first_lane(float x) noexcept { return x; }
template <class Batch>
float first_lane(const Batch& b) noexcept {
    alignas(64) float lanes[Batch::size];
    b.store_aligned(lanes);
    return lanes[0];
}

/// Seconds for `iterations` rounds of 12 dependent-per-register FMAs; `sink` keeps the result alive.
inline double time_fma_loop(long iterations, float& sink) {
    using V = peak_vec;
    constexpr int accumulators = 12;
    typename V::type acc[accumulators];
    for (int i = 0; i < accumulators; ++i) acc[i] = V::broadcast(0.01f * static_cast<float>(i));
    const typename V::type x = V::broadcast(0.999f), y = V::broadcast(0.001f);
    const auto t0 = std::chrono::steady_clock::now();
    for (long n = 0; n < iterations; ++n) {
        for (int i = 0; i < accumulators; ++i) acc[i] = V::fmadd(acc[i], x, y);
#if defined(__GNUC__)
        asm volatile("" ::: "memory");  // keep the loop a loop of FMAs (no reassociation across iterations)
#endif
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int i = 0; i < accumulators; ++i) sink += first_lane(acc[i]);
    return seconds;
}

}  // namespace detail

/// Lanes per register of the measured ISA (1 in a scalar build).
inline constexpr std::size_t peak_lanes = detail::peak_vec::size;

/// Best-of-`trials` GFLOP/s (2 FLOP per FMA lane) of the calling thread, each trial
/// about `seconds` long. The best, not the median: the peak is what the core can do
/// when nothing else runs, and other processes only ever make a trial slower.
inline double fma_peak_gflops(double seconds = 0.05, int trials = 9) {
    float sink = 0;
    long iterations = 1L << 16;
    while (detail::time_fma_loop(iterations, sink) < seconds / 4) iterations *= 2;  // calibrate
    const double flop = static_cast<double>(iterations) * 12.0 * static_cast<double>(peak_lanes) * 2.0;
    double best = 0;
    for (int t = 0; t < trials; ++t) best = std::max(best, flop / detail::time_fma_loop(iterations, sink) * 1e-9);
    return sink == 12345.0f ? best + 1e-9 : best;
}

}  // namespace mnet_bench
