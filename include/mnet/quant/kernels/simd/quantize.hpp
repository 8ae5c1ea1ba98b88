// QUANTIZE between integer types (uint8 ↔ int8, or new parameters) on 16 (AVX-512BW) or 8 (AVX2)
// int32 lanes, bit-identical to ref::requantize: MultiplyByQuantizedMultiplier(q − z_in) + z_out,
// saturated to the output type. The multiplier stage is add.hpp's broadcast one; the saturation is
// the packs' own (int32 → int16 → 8 bits saturates exactly as one clamp does). AVX-512 takes 64
// values a step with masked tails, AVX2 16 with the tail through a stack buffer.
// Reference twin: ref::requantize (kernels/elementwise.hpp), also the scalar variant.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>

#include "mnet/quant/kernels/elementwise.hpp"
#include "mnet/quant/kernels/simd/add.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"

namespace mnet::quant::simd {

namespace detail {

#if MNET_QSIMD_AVX512BW
template <class In, class Out>
void requantize_avx512(std::size_t count, const In* input, QuantizedMultiplier m, std::int32_t input_zero_point,
                       std::int32_t output_zero_point, Out* output) noexcept {
    const Mbqm16 mult(BroadcastMultiplier::of(m, 0));
    const __m512i zin = _mm512_set1_epi32(input_zero_point), zout = _mm512_set1_epi32(output_zero_point);
    const __m512i lo = _mm512_set1_epi8(static_cast<char>(std::numeric_limits<Out>::min()));
    const __m512i hi = _mm512_set1_epi8(static_cast<char>(std::numeric_limits<Out>::max()));
    for (std::size_t i = 0; i < count; i += 64) {
        const std::size_t left = count - i;
        const int n = left >= 64 ? 64 : static_cast<int>(left);
        const __mmask64 mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
        const __m512i v = _mm512_maskz_loadu_epi8(mask, input + i);
        __m512i r[4];
        unroll<4>([&](auto k) MNET_QSIMD_INLINE {
            constexpr int q = decltype(k)::value;
            const __m512i x = _mm512_sub_epi32(widen16<In>(_mm512_maskz_extracti32x4_epi32(__mmask8(0xF), v, q)), zin);
            r[q] = _mm512_add_epi32(mult(x), zout);
        });
        store64(output + i, r[0], r[1], r[2], r[3], n, lo, hi);
    }
}
#endif

#if MNET_QSIMD_AVX2
template <class In, class Out>
void requantize_avx2(std::size_t count, const In* input, QuantizedMultiplier m, std::int32_t input_zero_point,
                     std::int32_t output_zero_point, Out* output) noexcept {
    const Mbqm8 mult(BroadcastMultiplier::of(m, 0));
    const __m256i zin = _mm256_set1_epi32(input_zero_point), zout = _mm256_set1_epi32(output_zero_point);
    const auto step = [&](const In* pin, Out* pout) MNET_QSIMD_INLINE {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pin));
        __m256i r[2];
        unroll<2>([&](auto k) MNET_QSIMD_INLINE {
            constexpr int q = decltype(k)::value;
            r[q] = _mm256_add_epi32(mult(_mm256_sub_epi32(widen8<In>(q ? _mm_unpackhi_epi64(v, v) : v), zin)), zout);
        });
        const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
        const __m128i w0 = _mm256_castsi256_si128(words), w1 = _mm256_extracti128_si256(words, 1);
        const __m128i bytes = std::is_signed_v<Out> ? _mm_packs_epi16(w0, w1) : _mm_packus_epi16(w0, w1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(pout), bytes);
    };
    std::size_t i = 0;
    for (; i + 16 <= count; i += 16) step(input + i, output + i);
    if (i < count) {
        const std::size_t n = count - i;
        alignas(16) In tin[16] = {};
        alignas(16) Out tout[16];
        std::memcpy(tin, input + i, n);
        step(tin, tout);
        std::memcpy(output + i, tout, n);
    }
}
#endif

}  // namespace detail

/// QUANTIZE of `count` values (same arguments as ref::requantize) on the variant `Isa`:
/// avx512bw_isa, avx2_isa or scalar_isa (the reference itself).
template <class Isa, class In, class Out>
void requantize(std::size_t count, const In* input, QuantizedMultiplier m, std::int32_t input_zero_point,
                std::int32_t output_zero_point, Out* output) noexcept {
#if MNET_QSIMD_AVX512BW
    if constexpr (std::is_same_v<Isa, avx512bw_isa>)
        return detail::requantize_avx512(count, input, m, input_zero_point, output_zero_point, output);
#endif
#if MNET_QSIMD_AVX2
    if constexpr (std::is_same_v<Isa, avx2_isa>)
        return detail::requantize_avx2(count, input, m, input_zero_point, output_zero_point, output);
#endif
    if constexpr (std::is_same_v<Isa, scalar_isa>)
        ref::requantize(count, input, m, input_zero_point, output_zero_point, output);
}

/// QUANTIZE on the best variant of this build (add.hpp's choice; arguments of ref::requantize).
template <class In, class Out>
void requantize(std::size_t count, const In* input, QuantizedMultiplier m, std::int32_t input_zero_point,
                std::int32_t output_zero_point, Out* output) noexcept {
    requantize<best_add_isa>(count, input, m, input_zero_point, output_zero_point, output);
}

/// The byte `flip` such that QUANTIZE with these parameters maps every input byte b to b ^ flip, if
/// there is one: 0x80 for the uint8 ↔ int8 shift by 128 at one scale (a PTQ model's input), 0 for a
/// copy. Decided from ref::requantize's own outputs on all 256 inputs, so the xor is exact by
/// construction; at 1 byte per value it is memory-bound: 0.005 against 0.037 ms for the widening kernels on
/// the PTQ input (Zen 4).
template <class In, class Out>
std::optional<std::uint8_t> requantize_as_xor(QuantizedMultiplier m, std::int32_t input_zero_point,
                                              std::int32_t output_zero_point) noexcept {
    static_assert(sizeof(In) == 1 && sizeof(Out) == 1);
    std::array<In, 256> in{};
    std::array<Out, 256> out{};
    for (int b = 0; b < 256; ++b) in[static_cast<std::size_t>(b)] = std::bit_cast<In>(static_cast<std::uint8_t>(b));
    ref::requantize(in.size(), in.data(), m, input_zero_point, output_zero_point, out.data());
    const auto flip = std::bit_cast<std::uint8_t>(out[0]);
    for (int b = 0; b < 256; ++b)
        if ((std::bit_cast<std::uint8_t>(out[static_cast<std::size_t>(b)]) ^ b) != flip) return std::nullopt;
    return flip;
}

/// output[i] = input[i] ^ flip as bytes (QUANTIZE when requantize_as_xor found a flip).
template <class In, class Out>
void xor_bytes(std::size_t count, const In* input, std::uint8_t flip, Out* output) noexcept {
    static_assert(sizeof(In) == 1 && sizeof(Out) == 1);
    const auto* src = reinterpret_cast<const std::uint8_t*>(input);
    auto* dst = reinterpret_cast<std::uint8_t*>(output);
    for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<std::uint8_t>(src[i] ^ flip);
}

/// A compiled QUANTIZE variant: its name and its four type pairs.
struct QuantizeKernel {
    const char* name;  ///< ISA name
    /// uint8 → uint8
    void (*u8_u8)(std::size_t, const std::uint8_t*, QuantizedMultiplier, std::int32_t, std::int32_t, std::uint8_t*) noexcept;
    /// uint8 → int8
    void (*u8_s8)(std::size_t, const std::uint8_t*, QuantizedMultiplier, std::int32_t, std::int32_t, std::int8_t*) noexcept;
    /// int8 → uint8
    void (*s8_u8)(std::size_t, const std::int8_t*, QuantizedMultiplier, std::int32_t, std::int32_t, std::uint8_t*) noexcept;
    /// int8 → int8
    void (*s8_s8)(std::size_t, const std::int8_t*, QuantizedMultiplier, std::int32_t, std::int32_t, std::int8_t*) noexcept;
};

namespace detail {
template <class Isa>
constexpr QuantizeKernel quantize_entry() noexcept {
    return {Isa::name(), &requantize<Isa, std::uint8_t, std::uint8_t>, &requantize<Isa, std::uint8_t, std::int8_t>,
            &requantize<Isa, std::int8_t, std::uint8_t>, &requantize<Isa, std::int8_t, std::int8_t>};
}
}  // namespace detail

/// Every QUANTIZE variant of this build, best first; the scalar one is always last.
inline constexpr auto quantize_kernels = std::to_array<QuantizeKernel>({
#if MNET_QSIMD_AVX512BW
    detail::quantize_entry<avx512bw_isa>(),
#endif
#if MNET_QSIMD_AVX2
    detail::quantize_entry<avx2_isa>(),
#endif
    detail::quantize_entry<scalar_isa>(),
});

}  // namespace mnet::quant::simd
