// Quantized ADD (uint8 or int8, same shape, no broadcasting) on 16 (AVX-512BW) or 8 (AVX2) int32
// lanes, bit-identical to ref::add: each input + its offset, shifted left by left_shift, through
// MultiplyByQuantizedMultiplier with its own multiplier; the wrapping sum through the output one,
// + output zero point, clamp. The per-op constants are broadcast, so one right shift count serves
// every lane; SRDHM is requantize.hpp's floor((a·b + 2^30) / 2^31), exact for every sign.
// AVX-512 takes 64 elements a step and its tail with masked loads and stores; AVX2 16, the tail
// through a stack buffer. Reference twin: ref::add (kernels/elementwise.hpp), also the scalar variant.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "mnet/quant/kernels/elementwise.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"
#include "mnet/quant/kernels/simd/requantize.hpp"

namespace mnet::quant::simd {

namespace detail {

/// One MultiplyByQuantizedMultiplier with a per-op multiplier, split as the vector code applies it.
struct BroadcastMultiplier {
    std::int32_t multiplier = 0;   ///< Q0.31 significand
    int left = 0;                  ///< left shift before SRDHM (max(shift, 0), plus the ADD's headroom for the inputs)
    int right = 0;                 ///< max(−shift, 0)
    std::int32_t round_mask = 0;   ///< 2^right − 1
    bool saturation = false;       ///< multiplier is INT32_MIN, the one SRDHM operand that can saturate
    /// No saturation and a right shift: SRDHM and the rounding shift merge into one 64-bit sum whose high
    /// dword is shifted by right − 1 (requantize.hpp: requantize8_merged; 12 operations instead of 15).
    bool merged = false;

    /// The split of `m`, with `headroom` more bits of left shift (the ADD's left_shift for an input).
    static BroadcastMultiplier of(QuantizedMultiplier m, int headroom) noexcept {
        BroadcastMultiplier b;
        b.multiplier = m.multiplier;
        // (x << headroom) << left wraps like x << (headroom + left); a count of 32 or more gives 0 both ways.
        b.left = headroom + std::max(m.shift, 0);
        b.right = std::max(-m.shift, 0);
        b.round_mask = static_cast<std::int32_t>((std::int64_t{1} << b.right) - 1);
        b.saturation = m.multiplier == std::numeric_limits<std::int32_t>::min();
        b.merged = !b.saturation && b.right >= 1;
        return b;
    }
    /// 2^30 + 2^(30 + right): both roundings' offsets, in 64 bits (merged only).
    std::int64_t merged_offset() const noexcept { return (std::int64_t{1} << 30) + (std::int64_t{1} << (30 + right)); }
};

}  // namespace detail

#if MNET_QSIMD_AVX512BW
namespace detail {

/// A BroadcastMultiplier in registers.
struct Mbqm16 {
    __m512i multiplier, round_mask, half_mask, offset;
    __m128i left, right, right_minus_1;
    bool saturation, merged;

    explicit Mbqm16(const BroadcastMultiplier& b) noexcept
        : multiplier(_mm512_set1_epi32(b.multiplier)),
          round_mask(_mm512_set1_epi32(b.round_mask)),
          half_mask(_mm512_set1_epi32(b.round_mask >> 1)),
          offset(_mm512_set1_epi64(b.merged ? b.merged_offset() : 0)),
          left(_mm_cvtsi32_si128(b.left)),
          right(_mm_cvtsi32_si128(b.right)),
          right_minus_1(_mm_cvtsi32_si128(b.right - 1)),
          saturation(b.saturation),
          merged(b.merged) {}

    /// multiply_by_quantized_multiplier on 16 lanes.
    MNET_QSIMD_INLINE __m512i operator()(__m512i v) const noexcept {
        constexpr __mmask16 all = 0xFFFF;
        constexpr __mmask8 all8 = 0xFF;
        const __m512i x = _mm512_maskz_sll_epi32(all, v, left);
        if (merged) {
            // (p + 2^30 + 2^(30+e) − [p < 0]·2^31), its high dword shifted right by e − 1.
            const __m512i sign = _mm512_set1_epi64(std::int64_t{1} << 31);
            const auto half8 = [&](__m512i xv) MNET_QSIMD_INLINE {
                const __m512i prod = _mm512_maskz_mul_epi32(all8, xv, multiplier);
                const __m512i y = _mm512_add_epi64(prod, offset);
                return _mm512_mask_sub_epi64(y, _mm512_cmplt_epi64_mask(prod, _mm512_setzero_si512()), y, sign);
            };
            const __m512i even = half8(x), odd = half8(_mm512_maskz_srli_epi64(all8, x, 32));
            const __m512i high = _mm512_mask_shuffle_epi32(odd, __mmask16(0x5555), even, _MM_PERM_CDAB);
            return _mm512_maskz_sra_epi32(all, high, right_minus_1);
        }
        const __m512i nudge = _mm512_set1_epi64(std::int64_t{1} << 30);
        // Even lanes: the product's bits 31…62 land in the low dword; odd lanes: in the high one.
        const __m512i even = _mm512_maskz_srli_epi64(all8, _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, x, multiplier), nudge), 31);
        const __m512i odd = _mm512_maskz_slli_epi64(
            all8, _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, _mm512_maskz_srli_epi64(all8, x, 32), multiplier), nudge), 1);
        __m512i h = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, odd);
        if (saturation) {
            const __m512i int_min = _mm512_set1_epi32(std::numeric_limits<std::int32_t>::min());
            h = _mm512_mask_mov_epi32(h, _mm512_cmpeq_epi32_mask(x, int_min),
                                      _mm512_set1_epi32(std::numeric_limits<std::int32_t>::max()));
        }
        const __m512i rem = _mm512_and_si512(h, round_mask);
        const __m512i threshold = _mm512_sub_epi32(half_mask, _mm512_maskz_srai_epi32(all, h, 31));
        const __m512i q = _mm512_maskz_sra_epi32(all, h, right);
        return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, threshold), q, _mm512_set1_epi32(1));
    }
};

/// 16 bytes of T widened to int32 lanes.
template <class T>
MNET_QSIMD_INLINE inline __m512i widen16(__m128i bytes) noexcept {
    // maskz forms: GCC 12 warns on the plain ones' _mm512_undefined operand (bug 105593).
    if constexpr (std::is_signed_v<T>) return _mm512_maskz_cvtepi8_epi32(__mmask16(0xFFFF), bytes);
    else return _mm512_maskz_cvtepu8_epi32(__mmask16(0xFFFF), bytes);
}

template <class T>
void add_avx512(const ref::AddParams& p, std::size_t count, const T* a, const T* b, T* out) noexcept {
    const Mbqm16 m1(BroadcastMultiplier::of(p.input1_multiplier, p.left_shift));
    const Mbqm16 m2(BroadcastMultiplier::of(p.input2_multiplier, p.left_shift));
    const Mbqm16 mo(BroadcastMultiplier::of(p.output_multiplier, 0));
    const __m512i off1 = _mm512_set1_epi32(p.input1_offset), off2 = _mm512_set1_epi32(p.input2_offset);
    const __m512i off_out = _mm512_set1_epi32(p.output_offset);
    const __m512i lo = _mm512_set1_epi8(static_cast<char>(p.clamp.min));
    const __m512i hi = _mm512_set1_epi8(static_cast<char>(p.clamp.max));
    // The clamp bounds fit T (ActivationRange inside the type's range), so the byte clamp after the saturating packs is exact.
    for (std::size_t i = 0; i < count; i += 64) {
        const std::size_t left = count - i;
        const int n = left >= 64 ? 64 : static_cast<int>(left);
        const __mmask64 mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
        const __m512i va = _mm512_maskz_loadu_epi8(mask, a + i), vb = _mm512_maskz_loadu_epi8(mask, b + i);
        __m512i r[4];
        unroll<4>([&](auto k) MNET_QSIMD_INLINE {
            constexpr int q = decltype(k)::value;
            const __m512i x1 = _mm512_add_epi32(widen16<T>(_mm512_maskz_extracti32x4_epi32(__mmask8(0xF), va, q)), off1);
            const __m512i x2 = _mm512_add_epi32(widen16<T>(_mm512_maskz_extracti32x4_epi32(__mmask8(0xF), vb, q)), off2);
            r[q] = _mm512_add_epi32(mo(_mm512_add_epi32(m1(x1), m2(x2))), off_out);
        });
        store64(out + i, r[0], r[1], r[2], r[3], n, lo, hi);
    }
}

}  // namespace detail
#endif

#if MNET_QSIMD_AVX2
namespace detail {

/// A BroadcastMultiplier in registers.
struct Mbqm8 {
    __m256i multiplier, round_mask, half_mask, offset;
    __m128i left, right, right_minus_1;
    bool saturation, merged;

    explicit Mbqm8(const BroadcastMultiplier& b) noexcept
        : multiplier(_mm256_set1_epi32(b.multiplier)),
          round_mask(_mm256_set1_epi32(b.round_mask)),
          half_mask(_mm256_set1_epi32(b.round_mask >> 1)),
          offset(_mm256_set1_epi64x(b.merged ? b.merged_offset() : 0)),
          left(_mm_cvtsi32_si128(b.left)),
          right(_mm_cvtsi32_si128(b.right)),
          right_minus_1(_mm_cvtsi32_si128(b.right - 1)),
          saturation(b.saturation),
          merged(b.merged) {}

    /// multiply_by_quantized_multiplier on 8 lanes.
    MNET_QSIMD_INLINE __m256i operator()(__m256i v) const noexcept {
        const __m256i x = _mm256_sll_epi32(v, left);
        if (merged) {
            // As Mbqm16: the merged rounding on the sum's high dword.
            const __m256i sign = _mm256_set1_epi64x(std::int64_t{1} << 31);
            const auto half4 = [&](__m256i xv) MNET_QSIMD_INLINE {
                const __m256i prod = _mm256_mul_epi32(xv, multiplier);
                const __m256i negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), prod);
                return _mm256_sub_epi64(_mm256_add_epi64(prod, offset), _mm256_and_si256(negative, sign));
            };
            const __m256i even = half4(x), odd = half4(_mm256_srli_epi64(x, 32));
            return _mm256_sra_epi32(_mm256_blend_epi32(odd, _mm256_shuffle_epi32(even, 0xB1), 0x55), right_minus_1);
        }
        const __m256i nudge = _mm256_set1_epi64x(std::int64_t{1} << 30);
        const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, multiplier), nudge), 31);
        const __m256i odd =
            _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), multiplier), nudge), 1);
        __m256i h = _mm256_blend_epi32(even, odd, 0xAA);
        if (saturation) {
            const __m256i sat = _mm256_cmpeq_epi32(x, _mm256_set1_epi32(std::numeric_limits<std::int32_t>::min()));
            h = _mm256_blendv_epi8(h, _mm256_set1_epi32(std::numeric_limits<std::int32_t>::max()), sat);
        }
        const __m256i rem = _mm256_and_si256(h, round_mask);
        const __m256i threshold = _mm256_sub_epi32(half_mask, _mm256_srai_epi32(h, 31));
        // cmpgt is −1 where the quotient rounds up.
        return _mm256_sub_epi32(_mm256_sra_epi32(h, right), _mm256_cmpgt_epi32(rem, threshold));
    }
};

/// 8 bytes of T widened to int32 lanes.
template <class T>
MNET_QSIMD_INLINE inline __m256i widen8(__m128i bytes) noexcept {
    if constexpr (std::is_signed_v<T>) return _mm256_cvtepi8_epi32(bytes);
    else return _mm256_cvtepu8_epi32(bytes);
}

template <class T>
void add_avx2(const ref::AddParams& p, std::size_t count, const T* a, const T* b, T* out) noexcept {
    const Mbqm8 m1(BroadcastMultiplier::of(p.input1_multiplier, p.left_shift));
    const Mbqm8 m2(BroadcastMultiplier::of(p.input2_multiplier, p.left_shift));
    const Mbqm8 mo(BroadcastMultiplier::of(p.output_multiplier, 0));
    const __m256i off1 = _mm256_set1_epi32(p.input1_offset), off2 = _mm256_set1_epi32(p.input2_offset);
    const __m256i off_out = _mm256_set1_epi32(p.output_offset);
    const __m256i lo = _mm256_set1_epi32(p.clamp.min), hi = _mm256_set1_epi32(p.clamp.max);
    // 16 elements: two 8-lane halves, clamped in int32 (inside T's range), packed without saturating anything.
    const auto step = [&](const T* pa, const T* pb, T* po) MNET_QSIMD_INLINE {
        const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pa));
        const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb));
        __m256i r[2];
        unroll<2>([&](auto k) MNET_QSIMD_INLINE {
            constexpr int q = decltype(k)::value;
            const __m256i x1 = _mm256_add_epi32(widen8<T>(q ? _mm_unpackhi_epi64(va, va) : va), off1);
            const __m256i x2 = _mm256_add_epi32(widen8<T>(q ? _mm_unpackhi_epi64(vb, vb) : vb), off2);
            const __m256i y = _mm256_add_epi32(mo(_mm256_add_epi32(m1(x1), m2(x2))), off_out);
            r[q] = _mm256_min_epi32(_mm256_max_epi32(y, lo), hi);
        });
        const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
        const __m128i w0 = _mm256_castsi256_si128(words), w1 = _mm256_extracti128_si256(words, 1);
        const __m128i bytes = std::is_signed_v<T> ? _mm_packs_epi16(w0, w1) : _mm_packus_epi16(w0, w1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(po), bytes);
    };
    std::size_t i = 0;
    for (; i + 16 <= count; i += 16) step(a + i, b + i, out + i);
    if (i < count) {
        const std::size_t n = count - i;
        alignas(16) T ta[16] = {}, tb[16] = {}, to[16];
        std::memcpy(ta, a + i, n * sizeof(T));
        std::memcpy(tb, b + i, n * sizeof(T));
        step(ta, tb, to);
        std::memcpy(out + i, to, n * sizeof(T));
    }
}

}  // namespace detail
#endif

/// ADD of `count` elements of a and b into out (same arguments as ref::add) on the variant `Isa`:
/// avx512bw_isa, avx2_isa or scalar_isa (the reference itself).
template <class Isa, class T>
void add(const ref::AddParams& p, std::size_t count, const T* a, const T* b, T* out) noexcept {
#if MNET_QSIMD_AVX512BW
    if constexpr (std::is_same_v<Isa, avx512bw_isa>) return detail::add_avx512(p, count, a, b, out);
#endif
#if MNET_QSIMD_AVX2
    if constexpr (std::is_same_v<Isa, avx2_isa>) return detail::add_avx2(p, count, a, b, out);
#endif
    if constexpr (std::is_same_v<Isa, scalar_isa>) ref::add(p, count, a, b, out);
}

#if MNET_QSIMD_AVX512BW
using best_add_isa = avx512bw_isa;  ///< the ADD variant the entry point runs
#elif MNET_QSIMD_AVX2
using best_add_isa = avx2_isa;  ///< the ADD variant the entry point runs
#else
using best_add_isa = scalar_isa;  ///< the ADD variant the entry point runs
#endif

/// ADD on the best variant of this build (arguments of ref::add).
template <class T>
void add(const ref::AddParams& p, std::size_t count, const T* a, const T* b, T* out) noexcept {
    add<best_add_isa>(p, count, a, b, out);
}

/// A compiled ADD variant: its name and its uint8 and int8 entry points.
struct AddKernel {
    const char* name;  ///< ISA name
    /// uint8 operands
    void (*u8)(const ref::AddParams&, std::size_t, const std::uint8_t*, const std::uint8_t*, std::uint8_t*) noexcept;
    /// int8 operands
    void (*s8)(const ref::AddParams&, std::size_t, const std::int8_t*, const std::int8_t*, std::int8_t*) noexcept;
};

namespace detail {
template <class Isa>
constexpr AddKernel add_entry() noexcept {
    return {Isa::name(), &add<Isa, std::uint8_t>, &add<Isa, std::int8_t>};
}
}  // namespace detail

/// Every ADD variant of this build, best first; the scalar one is always last.
inline constexpr auto add_kernels = std::to_array<AddKernel>({
#if MNET_QSIMD_AVX512BW
    detail::add_entry<avx512bw_isa>(),
#endif
#if MNET_QSIMD_AVX2
    detail::add_entry<avx2_isa>(),
#endif
    detail::add_entry<scalar_isa>(),
});

}  // namespace mnet::quant::simd
