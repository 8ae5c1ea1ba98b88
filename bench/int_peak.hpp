// The integer dot-product peak of one core, measured like fma_peak.hpp's fp32 one:
// twelve independent vpdpbusd recurrences (64 u8·s8 products into 16 int32 per zmm
// instruction; 32 per ymm), counted as 2 ops per product. Returns 0 when the build
// has no VNNI, so the benchmarks then report the fp32 comparison only.
#pragma once

#include <algorithm>
#include <cstdint>

#include "fma_peak.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"

namespace mnet_bench {

namespace detail {
#if MNET_QSIMD_AVX512VNNI
/// Seconds for `iterations` rounds of 12 register vpdpbusd; `sink` keeps the result alive.
inline double time_vnni_loop(long iterations, std::int32_t& sink) {
    constexpr int accumulators = 12;
    __m512i acc[accumulators];
    for (int i = 0; i < accumulators; ++i) acc[i] = _mm512_set1_epi32(i);
    const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x7F017F01);
    const double t0 = thread_seconds();
    for (long n = 0; n < iterations; ++n)
        for (int i = 0; i < accumulators; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    const double seconds = thread_seconds() - t0;
    alignas(64) std::int32_t lanes[16];
    for (int i = 0; i < accumulators; ++i) {
        _mm512_store_si512(lanes, acc[i]);
        sink += lanes[0];
    }
    return seconds;
}
#endif
}  // namespace detail

/// Best-of-`trials` integer GOPS (2 ops per u8·s8 product) of 512-bit vpdpbusd on the calling thread; 0 without VNNI.
inline double vnni_peak_gops([[maybe_unused]] double seconds = 0.05, [[maybe_unused]] int trials = 9) {
#if MNET_QSIMD_AVX512VNNI
    std::int32_t sink = 0;
    long iterations = 1L << 16;
    while (detail::time_vnni_loop(iterations, sink) < seconds / 4) iterations *= 2;
    const double ops = static_cast<double>(iterations) * 12.0 * 64.0 * 2.0;
    double best = 0;
    for (int t = 0; t < trials; ++t) best = std::max(best, ops / detail::time_vnni_loop(iterations, sink) * 1e-9);
    return sink == 12345 ? best + 1e-9 : best;
#else
    return 0;
#endif
}

}  // namespace mnet_bench
