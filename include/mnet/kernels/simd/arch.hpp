// What every SIMD kernel shares: the ISA as a type (xsimd arch tags, picked
// from the compiler flags), a thin vector wrapper `vec<Arch>` with a 1-lane
// `scalar` twin so tails reuse the kernel code, the chain of narrower archs for
// channel tails, and compile-time unrolling. Include only from kernels/simd/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "mnet/kernels/simd/config.hpp"

#if !MNET_SIMD_ENABLED
#error "mnet/kernels/simd/*.hpp need MNET_SIMD=1 and an xsimd-supported ISA (check MNET_SIMD_ENABLED first)"
#endif

#include <xsimd/xsimd.hpp>
#if XSIMD_WITH_SSE2
#include <immintrin.h>
#endif

/// For lambdas that hold register tiles by reference: if one stays out of line, its
/// captures (the tap or accumulator arrays) are forced to the stack.
#if defined(__GNUC__)
#define MNET_SIMD_INLINE __attribute__((always_inline))
#else
#define MNET_SIMD_INLINE
#endif

namespace mnet::kernels::simd {

/// The arch the layers instantiate: the best one the compiler flags allow.
using default_arch = xsimd::default_arch;

/// One float per "vector": the end of every tail chain, and a tile any ISA can run.
struct scalar {
    static constexpr const char* name() noexcept { return "scalar"; }
};

/// Loads, stores and arithmetic on one register of Arch. Activations use
/// unaligned access (rows of odd channel counts); packed weights are aligned.
template <class Arch>
struct vec {
    using type = xsimd::batch<float, Arch>;
    static constexpr std::size_t size = type::size;
    static type load(const float* p) noexcept { return type::load_unaligned(p); }
    static type load_aligned(const float* p) noexcept { return type::load_aligned(p); }
    static void store(float* p, const type& v) noexcept { v.store_unaligned(p); }
    static type broadcast(float x) noexcept { return type(x); }
    static type zero() noexcept { return type(0.0f); }
    /// a·b + c, fused whenever the flags allow FMA (as the compiler contracts the
    /// reference kernels), so every register width rounds the same way.
    static type fmadd(const type& a, const type& b, const type& c) noexcept {
#if XSIMD_WITH_AVX512F
        // xsimd 8.1 has no avx512f fma; its generic a*b+c only fuses under -ffp-contract=fast.
        if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) return _mm512_fmadd_ps(a, b, c);
#endif
#if XSIMD_WITH_NEON64
        // AArch64 always has vfmaq (fmla); said here rather than left to xsimd's __ARM_FEATURE_FMA test.
        if constexpr (std::is_base_of_v<xsimd::neon64, Arch>) return vfmaq_f32(c, a, b);
#endif
#if defined(__FMA__) && (XSIMD_WITH_SSE2 || XSIMD_WITH_AVX)
        // sse2/avx tails in an FMA build: xsimd would multiply and add separately.
        if constexpr (sizeof(typename type::register_type) == 32) return _mm256_fmadd_ps(a, b, c);
        if constexpr (sizeof(typename type::register_type) == 16) return _mm_fmadd_ps(a, b, c);
#endif
        return xsimd::fma(a, b, c);
    }
    /// min(max(x, lo), hi): the order the reference kernels use.
    static type clamp(const type& x, const type& lo, const type& hi) noexcept {
#if XSIMD_WITH_AVX512F
        // GCC 12's _mm512_max_ps passes _mm512_undefined_ps() through the mask and
        // trips -Wmaybe-uninitialized (GCC bug 105593); the all-ones maskz form is the same vmaxps.
        if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>)
            return _mm512_maskz_min_ps(__mmask16(0xFFFF), _mm512_maskz_max_ps(__mmask16(0xFFFF), x, lo), hi);
        else
#endif
            return xsimd::min(xsimd::max(x, lo), hi);
    }
};

template <>
struct vec<scalar> {
    using type = float;
    static constexpr std::size_t size = 1;
    static float load(const float* p) noexcept { return *p; }
    static float load_aligned(const float* p) noexcept { return *p; }
    static void store(float* p, float v) noexcept { *p = v; }
    static float broadcast(float x) noexcept { return x; }
    static float zero() noexcept { return 0.0f; }
    static float fmadd(float a, float b, float c) noexcept {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
        return std::fma(a, b, c);  // one instruction here; fused like the vector paths
#else
        return a * b + c;
#endif
    }
    static float clamp(float x, float lo, float hi) noexcept { return std::min(std::max(x, lo), hi); }
};

/// Floats per register of Arch.
template <class Arch>
inline constexpr std::size_t lanes = vec<Arch>::size;

/// The next smaller register for tails: zmm → ymm → xmm → scalar (NEON: q → scalar). Only archs
/// the compiler flags enable appear, so a tail never needs an instruction the
/// build did not ask for.
template <class Arch>
struct narrower {
    using type = scalar;
};
#if XSIMD_WITH_FMA3_SSE
using xmm_arch = xsimd::fma3<xsimd::sse4_2>;
#elif XSIMD_WITH_SSE2
using xmm_arch = xsimd::sse2;
#else
using xmm_arch = scalar;
#endif
#if XSIMD_WITH_FMA3_AVX2
using ymm_arch = xsimd::fma3<xsimd::avx2>;
#elif XSIMD_WITH_AVX2
using ymm_arch = xsimd::avx2;
#elif XSIMD_WITH_AVX
using ymm_arch = xsimd::avx;
#else
using ymm_arch = xmm_arch;
#endif
#if XSIMD_WITH_AVX512F
template <>
struct narrower<xsimd::avx512f> {
    using type = ymm_arch;
};
template <>
struct narrower<xsimd::avx512cd> : narrower<xsimd::avx512f> {};
template <>
struct narrower<xsimd::avx512dq> : narrower<xsimd::avx512f> {};
template <>
struct narrower<xsimd::avx512bw> : narrower<xsimd::avx512f> {};
#endif
#if XSIMD_WITH_AVX
template <>
struct narrower<xsimd::avx> {
    using type = xmm_arch;
};
template <>
struct narrower<xsimd::avx2> : narrower<xsimd::avx> {};
#endif
#if XSIMD_WITH_FMA3_AVX
template <>
struct narrower<xsimd::fma3<xsimd::avx>> : narrower<xsimd::avx> {};
#endif
#if XSIMD_WITH_FMA3_AVX2
template <>
struct narrower<xsimd::fma3<xsimd::avx2>> : narrower<xsimd::avx> {};
#endif
template <class Arch>
using narrower_t = typename narrower<Arch>::type;

/// A human-readable arch name ("avx512bw", "fma3+avx2", "sse2", "arm64+neon" (neon64), "scalar").
template <class Arch>
constexpr const char* arch_name() noexcept {
    return Arch::name();
}

/// True if Arch's registers are 512 bits wide: 32 of them instead of 16.
template <class Arch>
inline constexpr bool is_avx512 =
#if XSIMD_WITH_AVX512F
    std::is_base_of_v<xsimd::avx512f, Arch>;
#else
    false;
#endif

/// True if Arch is AArch64's NEON (128-bit registers, 4 floats, 32 of them).
template <class Arch>
inline constexpr bool is_neon64 =
#if XSIMD_WITH_NEON64
    std::is_base_of_v<xsimd::neon64, Arch>;
#else
    false;
#endif

/// Calls f(std::integral_constant<int, I>{}) for I = 0 … N-1, fully unrolled, so
/// accumulator arrays indexed by I stay in registers.
template <int N, class F>
MNET_SIMD_INLINE inline void unroll(F&& f) {
    [&]<int... I>(std::integer_sequence<int, I...>) MNET_SIMD_INLINE {
        (f(std::integral_constant<int, I>{}), ...);
    }(std::make_integer_sequence<int, N>{});
}

/// Rounds n up to a multiple of m.
constexpr std::size_t round_up(std::size_t n, std::size_t m) noexcept { return (n + m - 1) / m * m; }

}  // namespace mnet::kernels::simd
