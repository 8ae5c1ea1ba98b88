// The instruction sets of the integer SIMD kernels, as types: each kernel is a
// template over one of these tags, and only the tags the compiler flags allow are
// defined in full (the others are never instantiated). The scalar tag always exists
// and runs the same packed data in plain C++, so an MNET_SIMD=OFF build or a
// non-x86 target still runs (and tests) the packed path. xsimd 8.1 has no integer
// dot-product instructions (vpdpbusd, vpmaddwd), hence raw intrinsics here.
#pragma once

#include <utility>

#include "mnet/kernels/simd/config.hpp"

#if MNET_SIMD_ENABLED && defined(__AVX2__)
#define MNET_QSIMD_AVX2 1
#include <immintrin.h>
#else
#define MNET_QSIMD_AVX2 0
#endif

#if MNET_QSIMD_AVX2 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define MNET_QSIMD_AVX512BW 1
#else
#define MNET_QSIMD_AVX512BW 0
#endif

#if MNET_QSIMD_AVX512BW && defined(__AVX512VNNI__)
#define MNET_QSIMD_AVX512VNNI 1
#else
#define MNET_QSIMD_AVX512VNNI 0
#endif

// 256-bit vpdpbusd: AVX-VNNI (Alder Lake, Zen 5) or AVX512-VNNI with VL.
#if MNET_QSIMD_AVX2 && (defined(__AVXVNNI__) || (defined(__AVX512VNNI__) && defined(__AVX512VL__)))
#define MNET_QSIMD_YMM_VNNI 1
#else
#define MNET_QSIMD_YMM_VNNI 0
#endif

/// Forced inlining for the register tiles' lambdas and helpers: one left out of line
/// sends the accumulator array to the stack (seen as spills around every vpdpbusd).
#if defined(__GNUC__)
#define MNET_QSIMD_INLINE __attribute__((always_inline))
#else
#define MNET_QSIMD_INLINE
#endif

namespace mnet::quant::simd {

/// Plain C++ over the packed layouts: the portable fallback, always built.
struct scalar_isa {
    /// Name shown by tests and benchmarks.
    static constexpr const char* name() noexcept { return "scalar"; }
};
/// AVX2 without VNNI: bytes split into 16-bit halves, vpmaddwd (exact; vpmaddubsw would saturate).
struct avx2_isa {
    /// Name shown by tests and benchmarks.
    static constexpr const char* name() noexcept { return "avx2"; }
};
/// 256-bit vpdpbusd (AVX-VNNI, or AVX512-VNNI with VL).
struct avx2_vnni_isa {
    /// Name shown by tests and benchmarks.
    static constexpr const char* name() noexcept { return "avx2-vnni"; }
};
/// AVX-512BW: 16 int32 lanes (depthwise) and masked byte stores.
struct avx512bw_isa {
    /// Name shown by tests and benchmarks.
    static constexpr const char* name() noexcept { return "avx512bw"; }
};
/// AVX-512 with VNNI: 512-bit vpdpbusd.
struct avx512_vnni_isa {
    /// Name shown by tests and benchmarks.
    static constexpr const char* name() noexcept { return "avx512-vnni"; }
};

namespace detail {
/// Calls f(std::integral_constant<int, I>{}) for I = 0 … N−1, fully unrolled, so register
/// tiles indexed by I stay in registers (g++ does not always unroll a fixed-trip loop).
template <int N, class F>
MNET_QSIMD_INLINE inline void unroll(F&& f) {
    [&]<int... I>(std::integer_sequence<int, I...>) MNET_QSIMD_INLINE { (f(std::integral_constant<int, I>{}), ...); }(
        std::make_integer_sequence<int, N>{});
}

#if MNET_QSIMD_AVX512VNNI
/// acc += Σ4 u·s (vpdpbusd). The intrinsic, not an asm statement: g++ 12 cannot fold a load into an
/// asm operand nor move stores out of a loop around one (the 12x1 GEMM tile stored every accumulator at
/// each k step; the VNNI depthwise ran 15-30 % slower), and with the tiles as written today it keeps the
/// 24 accumulators of the 6x4 tile in registers without reg-reg copies.
MNET_QSIMD_INLINE inline void dpbusd(__m512i& acc, __m512i u, __m512i s) noexcept { acc = _mm512_dpbusd_epi32(acc, u, s); }

#endif
}  // namespace detail

}  // namespace mnet::quant::simd
