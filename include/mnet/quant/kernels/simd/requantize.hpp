// The requantization epilogue of the integer SIMD kernels, bit-identical to
// ref::detail::requantize_accumulator: (acc << left) → SaturatingRoundingDoublingHighMul
// → RoundingDivideByPOT → + output zero point → clamp, on 8 (AVX2) or 16 (AVX-512)
// int32 lanes with a multiplier and shift per lane (per-channel or broadcast per-tensor).
// SRDHM as floor((a·b + 2^30) / 2^31) equals gemmlowp's nudge-and-truncate for every
// sign, so one 64-bit add and a logical shift give its low 32 bits. With AVX-512 the two roundings
// merge into one: floor((floor((p + 2^30)/2^31) + 2^(e−1) − [h < 0]) / 2^e) = (p + 2^30 + 2^(30+e)
// − [p < 0]·2^31) >> (31 + e) for e ≥ 1 (nested floors of integers; h < 0 ⇔ p < −2^30, and for
// −2^30 ≤ p < 0 both forms give 0), p = x·m in 64 bits: 6 operations per 8 lanes, no remainder logic.
// AVX2, without a 64-bit arithmetic shift, takes the sum's high dword and shifts it by e − 1
// (requantize8_merged), when every channel has e ≥ 1.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"

namespace mnet::quant::simd {

/// Pointers to per-channel requantization constants (int32 per lane) and the per-op scalars.
struct RequantView {
    const std::int32_t* multiplier = nullptr;   ///< Q0.31 significand per channel
    const std::int32_t* left_shift = nullptr;   ///< max(shift, 0)
    const std::int32_t* right_shift = nullptr;  ///< max(−shift, 0)
    const std::int32_t* round_mask = nullptr;   ///< 2^right_shift − 1
    std::int32_t output_offset = 0;             ///< output zero point
    std::int32_t clamp_min = 0;                 ///< inclusive lower bound
    std::int32_t clamp_max = 0;                 ///< inclusive upper bound
    bool left_shifts = true;                    ///< some channel shifts left (else that step is skipped)
    bool saturation = true;                     ///< some multiplier is INT32_MIN (else SRDHM cannot saturate)
    const std::int64_t* pairs = nullptr;        ///< the merged-rounding constants (pair_constants), or null
    /// Every channel is floor_at_zero_exact: the merged rounding needs no sign term (negative x end at or
    /// below the output offset either way, and the clamp raises them).
    bool floor_at_zero = false;
    /// Every channel is dword_shift_exact: the AVX2 epilogue may merge the roundings (requantize8).
    bool dword_shift = false;
};

/// Whether the rounding of negative x may be anything ≤ 0 — the merged rounding without its sign term —
/// for one channel, given a clamp that starts at or above the output offset (ReLU and ReLU6, or a zero
/// point at the type's minimum): a negative x then only gives values the clamp raises anyway when the
/// multiplier is positive (the result is non-decreasing in x, and x = 0 gives the output offset) and
/// there is no left shift (x << s could wrap a negative x to a positive one). Also asks for a right shift
/// e ≥ 1: floor((x·m + 2^30 + 2^(30+e)) / 2^(31+e)) is then ≤ 0 for every x < 0, and the epilogue's dword
/// shift needs it. A zero multiplier (also every padding channel of a table) gives the output offset for
/// every x on both paths.
inline bool floor_at_zero_exact(std::int32_t multiplier, std::int32_t left_shift, std::int32_t right_shift) noexcept {
    return multiplier == 0 || (multiplier > 0 && left_shift == 0 && right_shift >= 1);
}

/// Whether the merged rounding of a channel may take the high dword of its 64-bit sum and finish with a
/// 32-bit shift by e − 1 (AVX2 has no 64-bit arithmetic shift): a right shift e ≥ 1 and no left shift,
/// or a zero multiplier (the sum is then 2^30, whose high dword is 0 as the result is).
inline bool dword_shift_exact(std::int32_t multiplier, std::int32_t left_shift, std::int32_t right_shift) noexcept {
    return multiplier == 0 || (left_shift == 0 && right_shift >= 1);
}

/// The per-op flags of RequantView, from the constants of `n` channels (padding ones included).
struct RequantFlags {
    bool left_shifts = false;    ///< some channel shifts left
    bool saturation = false;     ///< some multiplier is INT32_MIN
    bool floor_at_zero = false;  ///< the clamp starts at the output offset or above, and every channel is floor_at_zero_exact
    bool dword_shift = false;    ///< every channel is dword_shift_exact
};

/// The flags of channels [0, n) of `p`'s requantization laid out as multiplier, max(shift, 0), max(−shift, 0).
inline RequantFlags requant_flags(const std::int32_t* multiplier, const std::int32_t* left_shift, const std::int32_t* right_shift,
                                  std::size_t n, const ref::ConvParams& p) noexcept {
    RequantFlags f;
    f.floor_at_zero = p.clamp.min >= p.output_offset;
    f.dword_shift = true;
    for (std::size_t c = 0; c < n; ++c) {
        f.left_shifts = f.left_shifts || left_shift[c] != 0;
        f.saturation = f.saturation || multiplier[c] == std::numeric_limits<std::int32_t>::min();
        f.floor_at_zero = f.floor_at_zero && floor_at_zero_exact(multiplier[c], left_shift[c], right_shift[c]);
        f.dword_shift = f.dword_shift && dword_shift_exact(multiplier[c], left_shift[c], right_shift[c]);
    }
    return f;
}

/// int64 values per block of 16 channels in pair_constants.
inline constexpr std::size_t pair_block = 72;

/// Number of int64 values pair_constants writes for `padded` channels (rounded up to blocks of 16).
inline constexpr std::size_t pair_constants_size(std::size_t padded) noexcept { return pair_block * ((padded + 15) / 16); }

/// The merged-rounding constants of channels [0, padded), in blocks of 16 channels: block b holds 8
/// vectors of 8 int64, [quantity][parity] with quantity multiplier, 2^30 + [e>0]·2^(30+e), 31 + e,
/// [e>0]·2^31, so the even and odd channels of 16 load straight into the 64-bit lanes vpmuldq reads,
/// then one vector of 16 int32 max(e − 1, 0) in channel order (the floor_at_zero epilogue's dword shift);
/// one pointer per block addresses all of them (channels past `padded` are zero).
inline void pair_constants(const std::int32_t* multiplier, const std::int32_t* right_shift, std::size_t padded,
                           std::int64_t* out) noexcept {
    std::fill_n(out, pair_constants_size(padded), std::int64_t{0});
    for (std::size_t c = 0; c < padded; ++c) {
        const std::int64_t e = right_shift[c];
        std::int64_t* block = out + c / 16 * pair_block;
        const auto slot = [&](std::size_t quantity) { return (quantity * 2 + c % 2) * 8 + c % 16 / 2; };
        block[slot(0)] = multiplier[c];
        block[slot(1)] = (std::int64_t{1} << 30) + (e > 0 ? std::int64_t{1} << (30 + e) : 0);
        block[slot(2)] = 31 + e;
        block[slot(3)] = e > 0 ? std::int64_t{1} << 31 : 0;
        // Little-endian: dword 2i is the low half of qword i.
        const auto shift32 = static_cast<std::uint64_t>(static_cast<std::uint32_t>(std::max<std::int64_t>(e - 1, 0)));
        block[64 + c % 16 / 2] = static_cast<std::int64_t>(static_cast<std::uint64_t>(block[64 + c % 16 / 2]) | (shift32 << (32 * (c % 2))));
    }
}

/// Per-channel requantization constants in lane-ready form, padded with zeros to `padded` channels.
struct RequantTable {
    std::vector<std::int32_t> multiplier;   ///< Q0.31 significand per channel
    std::vector<std::int32_t> left_shift;   ///< max(shift, 0)
    std::vector<std::int32_t> right_shift;  ///< max(−shift, 0)
    std::vector<std::int32_t> round_mask;   ///< 2^right_shift − 1
    std::int32_t output_offset = 0;         ///< output zero point
    std::int32_t clamp_min = 0;             ///< inclusive lower bound
    std::int32_t clamp_max = 0;             ///< inclusive upper bound
    bool left_shifts = true;                ///< some channel shifts left
    bool saturation = true;                 ///< some multiplier is INT32_MIN
    bool floor_at_zero = false;             ///< see RequantView::floor_at_zero
    bool dword_shift = false;               ///< see RequantView::dword_shift
    std::vector<std::int64_t> pairs;        ///< pair_constants of the padded channels

    /// The requantization of `acc` for channel `c`, exactly as the reference epilogue (bias already added).
    template <class T>
    T apply(std::uint32_t acc, int c) const noexcept {
        const auto i = static_cast<std::size_t>(c);
        const std::int32_t scaled = multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), multiplier[i],
                                                                     left_shift[i] - right_shift[i]);
        return ref::clamp_to<T>(
            static_cast<std::int32_t>(static_cast<std::uint32_t>(scaled) + static_cast<std::uint32_t>(output_offset)),
            clamp_min, clamp_max);
    }
    /// The constants as pointers, for the vector epilogues.
    RequantView view() const noexcept {
        return {multiplier.data(), left_shift.data(), right_shift.data(), round_mask.data(), output_offset,
                clamp_min,         clamp_max,         left_shifts,         saturation,        pairs.data(),
                floor_at_zero,     dword_shift};
    }
};

/// The table for `channels` channels of `p` (one multiplier for all, or one per channel), padded to `padded`.
inline RequantTable make_requant_table(const ref::ConvParams& p, int channels, int padded) {
    RequantTable t;
    const auto n = static_cast<std::size_t>(padded) + static_cast<std::size_t>(padded % 2);
    t.multiplier.assign(n, 0);
    t.left_shift.assign(n, 0);
    t.right_shift.assign(n, 0);
    t.round_mask.assign(n, 0);
    for (int c = 0; c < channels; ++c) {
        const QuantizedMultiplier m = p.multipliers[p.multipliers.size() == 1 ? 0 : static_cast<std::size_t>(c)];
        const auto i = static_cast<std::size_t>(c);
        t.multiplier[i] = m.multiplier;
        t.left_shift[i] = std::max(m.shift, 0);
        t.right_shift[i] = std::max(-m.shift, 0);
        t.round_mask[i] = static_cast<std::int32_t>((std::int64_t{1} << t.right_shift[i]) - 1);
    }
    t.output_offset = p.output_offset;
    t.clamp_min = p.clamp.min;
    t.clamp_max = p.clamp.max;
    const RequantFlags flags = requant_flags(t.multiplier.data(), t.left_shift.data(), t.right_shift.data(), n, p);
    t.left_shifts = flags.left_shifts;
    t.saturation = flags.saturation;
    t.floor_at_zero = flags.floor_at_zero;
    t.dword_shift = flags.dword_shift;
    t.pairs.resize(pair_constants_size(n));
    pair_constants(t.multiplier.data(), t.right_shift.data(), n, t.pairs.data());
    return t;
}

#if MNET_QSIMD_AVX2
namespace detail {

/// requantize8 by the merged rounding (header comment) finished on the high dwords: `t.pairs` set, no
/// multiplier INT32_MIN, every channel dword_shift_exact, `c` a multiple of 8. The high dword of the 64-bit
/// sum y is floor(y / 2^32), so an arithmetic 32-bit shift by e − 1 gives floor(y / 2^(31 + e)), the
/// 64-bit shift AVX2 lacks. With floor_at_zero the sign term goes (floor_at_zero_exact).
MNET_QSIMD_INLINE inline __m256i requantize8_merged(__m256i acc, const RequantView& t, std::size_t c) noexcept {
    const std::int64_t* block = t.pairs + c / 16 * pair_block;
    const std::size_t half = c % 16 / 2;  // the 4 even (odd) channels of c…c+7 in their 8-qword vector
    const auto ld64 = [&](int quantity, int parity) MNET_QSIMD_INLINE {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + (quantity * 2 + parity) * 8 + half));
    };
    const __m256i shift = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const std::int32_t*>(block + 64) + c % 16));
    // Even channels' results sit in the high dwords of `even`: swapped down into the low ones.
    const auto merge = [](__m256i even, __m256i odd) MNET_QSIMD_INLINE {
        return _mm256_blend_epi32(odd, _mm256_shuffle_epi32(even, 0xB1), 0x55);
    };
    if (t.floor_at_zero) {
        const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, ld64(0, 0)), ld64(1, 0));
        const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), ld64(0, 1)), ld64(1, 1));
        return _mm256_srav_epi32(merge(even, odd), shift);
    }
    const auto half4 = [&](__m256i v, int parity) MNET_QSIMD_INLINE {
        const __m256i prod = _mm256_mul_epi32(v, ld64(0, parity));
        const __m256i negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), prod);
        return _mm256_sub_epi64(_mm256_add_epi64(prod, ld64(1, parity)), _mm256_and_si256(negative, ld64(3, parity)));
    };
    return _mm256_srav_epi32(merge(half4(acc, 0), half4(_mm256_srli_epi64(acc, 32), 1)), shift);
}

/// Requantizes 8 accumulators; the constants are the table's, from channel `c`. Without `clamp` the
/// caller clamps later (pack16/pack32 do it on the packed bytes).
MNET_QSIMD_INLINE inline __m256i requantize8(__m256i acc, const RequantView& t, std::size_t c, bool clamp = true) noexcept {
    const auto finish = [&](__m256i q) MNET_QSIMD_INLINE {
        q = _mm256_add_epi32(q, _mm256_set1_epi32(t.output_offset));
        if (!clamp) return q;
        return _mm256_min_epi32(_mm256_max_epi32(q, _mm256_set1_epi32(t.clamp_min)), _mm256_set1_epi32(t.clamp_max));
    };
    if (t.pairs && !t.saturation && t.dword_shift) return finish(requantize8_merged(acc, t, c));
    const auto ld = [c](const std::int32_t* v) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + c)); };
    const __m256i mult = ld(t.multiplier), rmask = ld(t.round_mask);
    const __m256i x = t.left_shifts ? _mm256_sllv_epi32(acc, ld(t.left_shift)) : acc;
    const __m256i nudge = _mm256_set1_epi64x(std::int64_t{1} << 30);
    const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge), 31);
    const __m256i odd = _mm256_slli_epi64(
        _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), nudge), 1);
    __m256i h = _mm256_blend_epi32(even, odd, 0xAA);
    // INT32_MIN · INT32_MIN, the one product that saturates.
    if (t.saturation) {
        const __m256i int_min = _mm256_set1_epi32(std::numeric_limits<std::int32_t>::min());
        const __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, int_min), _mm256_cmpeq_epi32(mult, int_min));
        h = _mm256_blendv_epi8(h, _mm256_set1_epi32(std::numeric_limits<std::int32_t>::max()), sat);
    }
    const __m256i rem = _mm256_and_si256(h, rmask);
    const __m256i threshold = _mm256_sub_epi32(_mm256_srli_epi32(rmask, 1), _mm256_srai_epi32(h, 31));
    __m256i q = _mm256_srav_epi32(h, ld(t.right_shift));
    q = _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, threshold));
    return finish(q);
}

/// Clamps bytes of T to [lo, hi].
template <class T>
MNET_QSIMD_INLINE inline __m128i clamp_bytes(__m128i v, __m128i lo, __m128i hi) noexcept {
    if constexpr (std::is_signed_v<T>) return _mm_min_epi8(_mm_max_epi8(v, lo), hi);
    else return _mm_min_epu8(_mm_max_epu8(v, lo), hi);
}
template <class T>
MNET_QSIMD_INLINE inline __m256i clamp_bytes(__m256i v, __m256i lo, __m256i hi) noexcept {
    if constexpr (std::is_signed_v<T>) return _mm256_min_epi8(_mm256_max_epi8(v, lo), hi);
    else return _mm256_min_epu8(_mm256_max_epu8(v, lo), hi);
}

/// Packs two vectors of int32 (channels c…c+7, c+8…c+15) into 16 bytes of T in channel order, clamped
/// to [lo, hi] (inside T's range, so saturating to T first changes nothing): one clamp for both.
template <class T>
MNET_QSIMD_INLINE inline __m128i pack16(__m256i a, __m256i b, __m128i lo, __m128i hi) noexcept {
    const __m256i ab = _mm256_packs_epi32(a, b);  // per 128-bit lane l: a[4l…4l+3], b[4l…4l+3]
    const __m256i bytes = std::is_signed_v<T> ? _mm256_packs_epi16(ab, ab) : _mm256_packus_epi16(ab, ab);
    const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5));
    return clamp_bytes<T>(_mm256_castsi256_si128(ordered), lo, hi);
}

/// pack16 of four vectors (32 channels) into one register.
template <class T>
MNET_QSIMD_INLINE inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d, __m256i lo, __m256i hi) noexcept {
    const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
    // Per 128-bit lane l: a, b, c, d elements 4l…4l+3; the dword permutation restores channel order.
    const __m256i bytes = std::is_signed_v<T> ? _mm256_packs_epi16(ab, cd) : _mm256_packus_epi16(ab, cd);
    return clamp_bytes<T>(_mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)), lo, hi);
}

/// Stores the first `count` bytes of `v` (whole registers and a half one without a copy through the stack).
template <class T, class V>
MNET_QSIMD_INLINE inline void store_bytes(T* out, V v, int count) noexcept {
    constexpr int width = static_cast<int>(sizeof(V));
    if (count >= width) {
        std::memcpy(out, &v, sizeof(V));
    } else if (count == width / 2) {
        if constexpr (width == 32) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(v));
        else _mm_storel_epi64(reinterpret_cast<__m128i*>(out), v);
    } else if (count > 0) {
        alignas(32) T tmp[width];
        std::memcpy(tmp, &v, sizeof(V));
        std::memcpy(out, tmp, static_cast<std::size_t>(count));
    }
}

}  // namespace detail
#endif

#if MNET_QSIMD_AVX512BW
namespace detail {

/// requantize16 by the merged rounding (header comment): `t.pairs` set, no multiplier INT32_MIN,
/// `c` a multiple of 16. The one branch, on left shifts (rare: a real multiplier ≥ 1), is the same
/// for every call of an op, so it predicts perfectly.
MNET_QSIMD_INLINE inline __m512i requantize16_merged(__m512i acc, const RequantView& t, std::size_t c,
                                                     bool clamp = true) noexcept {
    constexpr __mmask16 all = 0xFFFF;
    constexpr __mmask8 all8 = 0xFF;
    const std::int64_t* block = t.pairs + c / 16 * pair_block;
    const auto ld64 = [block](int quantity, int parity) MNET_QSIMD_INLINE {
        return _mm512_loadu_si512(block + (quantity * 2 + parity) * 8);
    };
    const auto finish = [&](__m512i q) MNET_QSIMD_INLINE {
        q = _mm512_add_epi32(q, _mm512_set1_epi32(t.output_offset));
        if (!clamp) return q;
        return _mm512_maskz_min_epi32(all, _mm512_maskz_max_epi32(all, q, _mm512_set1_epi32(t.clamp_min)), _mm512_set1_epi32(t.clamp_max));
    };
    if (t.floor_at_zero) {
        // No sign term (floor_at_zero_exact), and e ≥ 1, so (p + 2^30 + 2^(30+e)) >> (31 + e) is the high
        // dword of the sum shifted by e − 1: the two halves' high dwords merge first, one 32-bit shift after.
        const __m512i even = _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, acc, ld64(0, 0)), ld64(1, 0));
        const __m512i odd = _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, _mm512_maskz_srli_epi64(all8, acc, 32), ld64(0, 1)), ld64(1, 1));
        const __m512i high = _mm512_mask_shuffle_epi32(odd, __mmask16(0x5555), even, _MM_PERM_CDAB);
        return finish(_mm512_maskz_srav_epi32(all, high, _mm512_loadu_si512(block + 64)));
    }
    const __m512i x = t.left_shifts ? _mm512_maskz_sllv_epi32(all, acc, _mm512_loadu_si512(t.left_shift + c)) : acc;
    const auto half8 = [&](__m512i v, int parity) MNET_QSIMD_INLINE {
        const __m512i prod = _mm512_maskz_mul_epi32(all8, v, ld64(0, parity));
        const __m512i y = _mm512_add_epi64(prod, ld64(1, parity));
        return _mm512_maskz_srav_epi64(all8, _mm512_mask_sub_epi64(y, _mm512_cmplt_epi64_mask(prod, _mm512_setzero_si512()), y, ld64(3, parity)),
                                       ld64(2, parity));
    };
    const __m512i even = half8(x, 0), odd = half8(_mm512_maskz_srli_epi64(all8, x, 32), 1);
    return finish(_mm512_mask_shuffle_epi32(even, __mmask16(0xAAAA), odd, _MM_PERM_CDAB));
}

/// Requantizes 16 accumulators; the constants are the table's, from channel `c`. Without `clamp`
/// the caller clamps later (store64 does it on the packed bytes, 4 registers at once).
MNET_QSIMD_INLINE inline __m512i requantize16(__m512i acc, const RequantView& t, std::size_t c,
                                              bool clamp = true) noexcept {
    // maskz forms throughout: GCC 12 warns on the plain ones' _mm512_undefined operand (bug 105593).
    constexpr __mmask16 all = 0xFFFF;
    constexpr __mmask8 all8 = 0xFF;
    const auto ld = [c](const std::int32_t* v) MNET_QSIMD_INLINE { return _mm512_loadu_si512(v + c); };
    if (t.pairs && !t.saturation) return requantize16_merged(acc, t, c, clamp);
    const __m512i x = t.left_shifts ? _mm512_maskz_sllv_epi32(all, acc, ld(t.left_shift)) : acc;
    const __m512i mult = ld(t.multiplier), rmask = ld(t.round_mask);
    const __m512i nudge = _mm512_set1_epi64(std::int64_t{1} << 30);
    const __m512i even = _mm512_maskz_srli_epi64(all8, _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, x, mult), nudge), 31);
    const __m512i odd = _mm512_maskz_slli_epi64(all8, 
        _mm512_add_epi64(_mm512_maskz_mul_epi32(all8, _mm512_maskz_srli_epi64(all8, x, 32), _mm512_maskz_srli_epi64(all8, mult, 32)), nudge), 1);
    __m512i h = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, odd);
    if (t.saturation) {
        const __m512i int_min = _mm512_set1_epi32(std::numeric_limits<std::int32_t>::min());
        const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, int_min) & _mm512_cmpeq_epi32_mask(mult, int_min);
        h = _mm512_mask_mov_epi32(h, sat, _mm512_set1_epi32(std::numeric_limits<std::int32_t>::max()));
    }
    const __m512i rem = _mm512_and_si512(h, rmask);
    const __m512i threshold = _mm512_sub_epi32(_mm512_maskz_srli_epi32(all, rmask, 1), _mm512_maskz_srai_epi32(all, h, 31));
    __m512i q = _mm512_maskz_srav_epi32(all, h, ld(t.right_shift));
    q = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, threshold), q, _mm512_set1_epi32(1));
    q = _mm512_add_epi32(q, _mm512_set1_epi32(t.output_offset));
    if (!clamp) return q;
    return _mm512_maskz_min_epi32(all, _mm512_maskz_max_epi32(all, q, _mm512_set1_epi32(t.clamp_min)), _mm512_set1_epi32(t.clamp_max));
}

/// The epilogue a table takes, fixed per op: kernels choose it outside their pixel loops (requantize16_as),
/// where g++ kept the tests of requantize16 inside them.
enum class RequantMode { floor_at_zero, merged, general };

/// The mode requantize16 takes for `t`.
inline RequantMode requant_mode(const RequantView& t) noexcept {
    if (!t.pairs || t.saturation) return RequantMode::general;
    return t.floor_at_zero ? RequantMode::floor_at_zero : RequantMode::merged;
}

/// requantize16 with its mode known at compile time (M == requant_mode(t)).
template <RequantMode M>
MNET_QSIMD_INLINE inline __m512i requantize16_as(__m512i acc, const RequantView& t, std::size_t c, bool clamp = true) noexcept {
    if constexpr (M == RequantMode::general) {
        return requantize16(acc, t, c, clamp);
    } else {
        RequantView fixed = t;
        fixed.floor_at_zero = M == RequantMode::floor_at_zero;
        return requantize16_merged(acc, fixed, c, clamp);
    }
}

/// Stores the low byte of each of the first `count` (≤ 16) lanes of `v` (already inside T's range).
template <class T>
MNET_QSIMD_INLINE inline void store16(T* out, __m512i v, int count) noexcept {
    const auto mask = static_cast<__mmask16>(count >= 16 ? 0xFFFF : (1u << count) - 1);
    _mm512_mask_cvtepi32_storeu_epi8(out, mask, v);
}

/// Packs four vectors of int32 into 64 bytes of T in channel order and clamps them to [lo, hi] (inside T's
/// range, so saturating to T first changes nothing): one clamp instead of four.
/// Permute = false: the four vectors already hold channels 16l + 4v … 16l + 4v + 3 in lane l of vector v
/// (the depthwise VNNI layout), which the two packs leave in channel order.
template <class T, bool Permute = true>
MNET_QSIMD_INLINE inline __m512i pack64(__m512i a, __m512i b, __m512i c, __m512i d, __m512i lo, __m512i hi) noexcept {
    constexpr __mmask32 all32 = 0xFFFFFFFF;
    constexpr __mmask64 all64 = ~__mmask64{0};
    const __m512i ab = _mm512_maskz_packs_epi32(all32, a, b), cd = _mm512_maskz_packs_epi32(all32, c, d);
    // Per 128-bit lane l: a, b, c, d elements 4l…4l+3; the dword permutation restores channel order.
    const __m512i bytes = std::is_signed_v<T> ? _mm512_maskz_packs_epi16(all64, ab, cd) : _mm512_maskz_packus_epi16(all64, ab, cd);
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m512i ordered = Permute ? _mm512_maskz_permutexvar_epi32(__mmask16(0xFFFF), order, bytes) : bytes;
    if constexpr (std::is_signed_v<T>) return _mm512_maskz_min_epi8(all64, _mm512_maskz_max_epi8(all64, ordered, lo), hi);
    else return _mm512_maskz_min_epu8(all64, _mm512_maskz_max_epu8(all64, ordered, lo), hi);
}

/// pack64, then the first `count` (≤ 64) bytes stored: one store instead of four narrowing ones
/// (vpmovdb to memory is slow on Zen).
template <class T, bool Permute = true>
MNET_QSIMD_INLINE inline void store64(T* out, __m512i a, __m512i b, __m512i c, __m512i d, int count, __m512i lo,
                                      __m512i hi) noexcept {
    const __m512i bytes = pack64<T, Permute>(a, b, c, d, lo, hi);
    _mm512_mask_storeu_epi8(out, count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1, bytes);
}

}  // namespace detail
#endif

}  // namespace mnet::quant::simd
