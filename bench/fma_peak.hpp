// The fp32 FMA peak of one core for the ISA the kernels were built for, measured
// rather than taken from a datasheet: under KVM the clock is invisible and the
// same "AVX-512" can be one or two 512-bit FMAs per cycle (Zen4 vs SPR). Twelve
// independent accumulator registers cover the FMA latency on two ports; each
// recurrence acc = acc·x + y stays finite and cannot be folded by the compiler.
#pragma once

#include <algorithm>
#include <cstddef>

#include "mnet/runtime/roofline.hpp"

namespace mnet_bench {

namespace detail {
using mnet::detail::thread_seconds;  // thread CPU time: other processes do not count against a trial
using peak_vec = mnet::detail::roofline_vec;  // the kernels' registers (scalar floats in a scalar build)
}  // namespace detail

/// Lanes per register of the measured ISA (1 in a scalar build).
inline constexpr std::size_t peak_lanes = detail::peak_vec::size;

/// Best-of-`trials` GFLOP/s (2 FLOP per FMA lane) of the calling thread with registers of V (default:
/// the kernels' arch), each trial about `seconds` long: mnet's own roofline loop (runtime/roofline.hpp),
/// calibrated to that length. The best, not the median: the peak is what the core can do when nothing
/// else runs, and other processes only ever make a trial slower.
template <class V = detail::peak_vec>
double fma_peak_gflops(double seconds = 0.05, int trials = 9) {
    long iterations = 1L << 16;
    const auto trial_seconds = [&] {
        const double flop = static_cast<double>(iterations) * 12.0 * static_cast<double>(V::size) * 2.0;
        return flop / (mnet::detail::measure_peak<V>(iterations) * 1e9);
    };
    while (trial_seconds() < seconds / 4) iterations *= 2;  // calibrate
    double best = 0;
    for (int t = 0; t < trials; ++t) best = std::max(best, mnet::detail::measure_peak<V>(iterations));
    return best;
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
