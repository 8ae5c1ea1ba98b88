// The scalar int32 part of gemmlowp's fixedpoint.h that TFLite's reference integer
// SOFTMAX uses: a Q(IntegerBits).(31 − IntegerBits) number, its rounding multiply,
// rescaling, exp on negative values and 1/(1 + x) on [0, 1), and TFLite's
// GetReciprocal. Constants and step order are gemmlowp's, so results are bit-exact.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

#include "mnet/quant/arithmetic.hpp"

namespace mnet::quant::fixed {

/// A signed 32-bit fixed-point number with `IntegerBits` integer bits (sign excluded).
template <int IntegerBits>
struct FixedPoint {
    static_assert(IntegerBits >= 0 && IntegerBits < 32);
    static constexpr int integer_bits = IntegerBits;             ///< bits left of the point
    static constexpr int fractional_bits = 31 - IntegerBits;     ///< bits right of the point
    std::int32_t raw = 0;                                        ///< the integer representation

    /// From the raw integer.
    static constexpr FixedPoint from_raw(std::int32_t r) noexcept { return FixedPoint{r}; }
    /// 2^Exponent, exactly representable.
    template <int Exponent>
    static constexpr FixedPoint constant_pot() noexcept {
        static_assert(fractional_bits + Exponent < 31 && fractional_bits + Exponent >= 0);
        return from_raw(std::int32_t{1} << (fractional_bits + Exponent));
    }
    /// 1, or the largest value below 1 when there is no integer bit.
    static constexpr FixedPoint one() noexcept {
        return from_raw(IntegerBits == 0 ? std::numeric_limits<std::int32_t>::max()
                                         : (std::int32_t{1} << fractional_bits));
    }
};

namespace detail {
/// Wrapping int32 addition (gemmlowp's Add on int32 never saturates).
constexpr std::int32_t add(std::int32_t a, std::int32_t b) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}
/// Wrapping int32 subtraction.
constexpr std::int32_t sub(std::int32_t a, std::int32_t b) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}

/// gemmlowp SaturatingRoundingMultiplyByPOT<Exponent> on a raw int32.
template <int Exponent>
constexpr std::int32_t saturating_rounding_multiply_by_pot(std::int32_t x) noexcept {
    if constexpr (Exponent == 0) {
        return x;
    } else if constexpr (Exponent > 0) {
        constexpr std::int32_t threshold = (std::int32_t{1} << (31 - Exponent)) - 1;
        if (x > threshold) return std::numeric_limits<std::int32_t>::max();
        if (x < -threshold) return std::numeric_limits<std::int32_t>::min();
        return wrapping_shift_left(x, Exponent);
    } else {
        return rounding_divide_by_pot(x, -Exponent);
    }
}
}  // namespace detail

/// Sum (wrapping, as gemmlowp's int32 Add).
template <int B>
constexpr FixedPoint<B> operator+(FixedPoint<B> a, FixedPoint<B> b) noexcept {
    return FixedPoint<B>::from_raw(detail::add(a.raw, b.raw));
}
/// Difference (wrapping).
template <int B>
constexpr FixedPoint<B> operator-(FixedPoint<B> a, FixedPoint<B> b) noexcept {
    return FixedPoint<B>::from_raw(detail::sub(a.raw, b.raw));
}
/// Product: SaturatingRoundingDoublingHighMul; the integer bits add up.
template <int A, int B>
constexpr FixedPoint<A + B> operator*(FixedPoint<A> a, FixedPoint<B> b) noexcept {
    return FixedPoint<A + B>::from_raw(saturating_rounding_doubling_high_mul(a.raw, b.raw));
}

/// Same raw value read with Exponent more integer bits: exact multiplication by 2^Exponent.
template <int Exponent, int B>
constexpr FixedPoint<B + Exponent> exact_mul_by_pot(FixedPoint<B> a) noexcept {
    return FixedPoint<B + Exponent>::from_raw(a.raw);
}

/// Multiplication by 2^Exponent keeping the format (saturating left, rounding right).
template <int Exponent, int B>
constexpr FixedPoint<B> saturating_rounding_multiply_by_pot(FixedPoint<B> a) noexcept {
    return FixedPoint<B>::from_raw(detail::saturating_rounding_multiply_by_pot<Exponent>(a.raw));
}

/// Change of format to Dst integer bits (gemmlowp Rescale).
template <int Dst, int Src>
constexpr FixedPoint<Dst> rescale(FixedPoint<Src> x) noexcept {
    return FixedPoint<Dst>::from_raw(detail::saturating_rounding_multiply_by_pot<Src - Dst>(x.raw));
}

/// gemmlowp RoundingHalfSum: (a + b) / 2 rounded away from zero.
template <int B>
constexpr FixedPoint<B> rounding_half_sum(FixedPoint<B> a, FixedPoint<B> b) noexcept {
    const std::int64_t sum = std::int64_t{a.raw} + std::int64_t{b.raw};
    const std::int64_t sign = sum >= 0 ? 1 : -1;
    return FixedPoint<B>::from_raw(static_cast<std::int32_t>((sum + sign) / 2));
}

/// exp(a) for a in [−1/4, 0) (gemmlowp: Taylor expansion around −1/8).
constexpr FixedPoint<0> exp_on_interval_between_negative_one_quarter_and_0_excl(FixedPoint<0> a) noexcept {
    using F = FixedPoint<0>;
    const F constant_term = F::from_raw(1895147668);      // exp(-1/8)
    const F constant_1_over_3 = F::from_raw(715827883);   // 1/3
    const F x = a + F::constant_pot<-3>();
    const F x2 = x * x;
    const F x3 = x2 * x;
    const F x4 = x2 * x2;
    const F x4_over_4 = saturating_rounding_multiply_by_pot<-2>(x4);
    const F x4_over_24_plus_x3_over_6_plus_x2_over_2 =
        saturating_rounding_multiply_by_pot<-1>(((x4_over_4 + x3) * constant_1_over_3) + x2);
    return constant_term + constant_term * (x + x4_over_24_plus_x3_over_6_plus_x2_over_2);
}

/// exp(a) for a ≤ 0 (gemmlowp exp_on_negative_values): the fraction modulo 1/4 by
/// the polynomial, the rest by a barrel shifter of exp(−2^k) constants.
template <int IntegerBits>
constexpr FixedPoint<0> exp_on_negative_values(FixedPoint<IntegerBits> a) noexcept {
    using InputF = FixedPoint<IntegerBits>;
    using ResultF = FixedPoint<0>;
    constexpr int fractional_bits = InputF::fractional_bits;
    const InputF one_quarter = InputF::template constant_pot<-2>();
    const InputF mask = one_quarter - InputF::from_raw(1);
    const InputF a_mod_quarter_minus_one_quarter = InputF::from_raw(a.raw & mask.raw) - one_quarter;
    ResultF result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale<0>(a_mod_quarter_minus_one_quarter));
    const std::int32_t remainder = (a_mod_quarter_minus_one_quarter - a).raw;

    auto barrel = [&](int exponent, std::int32_t multiplier) {
        if (IntegerBits > exponent) {
            const int shift = fractional_bits + exponent;
            if ((remainder & (std::int32_t{1} << shift)) != 0) result = result * ResultF::from_raw(multiplier);
        }
    };
    barrel(-2, 1672461947);  // exp(-1/4)
    barrel(-1, 1302514674);  // exp(-1/2)
    barrel(+0, 790015084);   // exp(-1)
    barrel(+1, 290630308);   // exp(-2)
    barrel(+2, 39332535);    // exp(-4)
    barrel(+3, 720401);      // exp(-8)
    barrel(+4, 242);         // exp(-16)

    if constexpr (IntegerBits > 5) {
        const InputF clamp = InputF::from_raw(-(std::int32_t{1} << (36 - IntegerBits)));  // -32
        if (a.raw < clamp.raw) result = ResultF::from_raw(0);
    }
    if (a.raw == 0) result = ResultF::one();
    return result;
}

/// 1 / (1 + a) for a in [0, 1) (gemmlowp: three Newton–Raphson steps from 48/17 − 32/17·d).
constexpr FixedPoint<0> one_over_one_plus_x_for_x_in_0_1(FixedPoint<0> a) noexcept {
    using F0 = FixedPoint<0>;
    using F2 = FixedPoint<2>;
    const F0 half_denominator = rounding_half_sum(a, F0::one());
    const F2 constant_48_over_17 = F2::from_raw(1515870810);
    const F2 constant_neg_32_over_17 = F2::from_raw(-1010580540);
    F2 x = constant_48_over_17 + half_denominator * constant_neg_32_over_17;
    for (int i = 0; i < 3; ++i) {
        const F2 half_denominator_times_x = half_denominator * x;
        const F2 one_minus_half_denominator_times_x = F2::one() - half_denominator_times_x;
        x = x + rescale<2>(x * one_minus_half_denominator_times_x);
    }
    return rescale<0>(exact_mul_by_pot<-1>(x));
}

/// TFLite GetReciprocal: 1/x for a positive Q(x_integer_digits) x, as a Q0.31 value and
/// the number of bits by which x exceeded 1 (`num_bits_over_unit`).
constexpr std::int32_t get_reciprocal(std::int32_t x, int x_integer_digits, int& num_bits_over_unit) noexcept {
    const int headroom_plus_one = std::countl_zero(static_cast<std::uint32_t>(x));
    num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const auto shifted_sum_minus_one = static_cast<std::int32_t>(
        (static_cast<std::uint32_t>(x) << headroom_plus_one) - (std::uint32_t{1} << 31));
    return one_over_one_plus_x_for_x_in_0_1(FixedPoint<0>::from_raw(shifted_sum_minus_one)).raw;
}

}  // namespace mnet::quant::fixed
