// TFLite's requantization arithmetic on its edge values: the one saturating product,
// the rounding of ties (half up in the doubling high multiply, half away from zero
// in the power-of-two division, so x·1/4 can round twice), negative and positive
// shifts, QuantizeMultiplier's renormalization and flush to zero, the activation
// clamps, and the two forms of the convolution multiplier.
#include <cmath>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/fixed_point.hpp"

using namespace mnet::quant;

namespace {
constexpr std::int32_t int_min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t int_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t half = 1 << 30;  // 0.5 in Q0.31
}  // namespace

TEST_CASE("quant arithmetic: SaturatingRoundingDoublingHighMul", "[quant][arithmetic]") {
    // The only product that overflows: (−1)·(−1) in Q0.31 saturates to the largest value.
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(int_min, int_min) == int_max);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(int_min, int_max) == -int_max);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(int_max, int_max) == int_max - 1);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(half, half) == (1 << 29));
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(0, int_min) == 0);
    // Ties go up (toward +∞), like ARM's VQRDMULH: 0.5 → 1, −0.5 → 0, −1.5 → −1, 2.5 → 3.
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(1, half) == 1);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(-1, half) == 0);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(-3, half) == -1);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(5, half) == 3);
    // Just below and above a tie.
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(1, half - 1) == 0);
    STATIC_REQUIRE(saturating_rounding_doubling_high_mul(-1, half + 1) == -1);
}

TEST_CASE("quant arithmetic: RoundingDivideByPOT rounds ties away from zero", "[quant][arithmetic]") {
    STATIC_REQUIRE(rounding_divide_by_pot(3, 1) == 2);
    STATIC_REQUIRE(rounding_divide_by_pot(-3, 1) == -2);
    STATIC_REQUIRE(rounding_divide_by_pot(5, 2) == 1);    // 1.25
    STATIC_REQUIRE(rounding_divide_by_pot(6, 2) == 2);    // 1.5
    STATIC_REQUIRE(rounding_divide_by_pot(-6, 2) == -2);  // −1.5
    STATIC_REQUIRE(rounding_divide_by_pot(-5, 2) == -1);  // −1.25
    STATIC_REQUIRE(rounding_divide_by_pot(7, 0) == 7);
    STATIC_REQUIRE(rounding_divide_by_pot(int_max, 31) == 1);
    STATIC_REQUIRE(rounding_divide_by_pot(int_min, 31) == -1);
    STATIC_REQUIRE(rounding_divide_by_pot(int_min + 1, 31) == -1);
    STATIC_REQUIRE(rounding_divide_by_pot(-(1 << 29), 31) == 0);
    // Past 31 (SOFTMAX over long uniform rows): the rounded quotient, |x| / 2^32 ≤ 0.5.
    STATIC_REQUIRE(rounding_divide_by_pot(int_max, 32) == 0);
    STATIC_REQUIRE(rounding_divide_by_pot(int_min, 32) == -1);  // −0.5, away from zero
    STATIC_REQUIRE(rounding_divide_by_pot(int_min + 1, 32) == 0);
    STATIC_REQUIRE(rounding_divide_by_pot(int_min, 35) == 0);
}

TEST_CASE("quant arithmetic: MultiplyByQuantizedMultiplier rounds twice", "[quant][arithmetic]") {
    // 5 · 0.25 = 1.25: the high multiply gives 2.5 → 3, the shift 1.5 → 2 (single rounding would give 1).
    STATIC_REQUIRE(multiply_by_quantized_multiplier(5, half, -1) == 2);
    STATIC_REQUIRE(multiply_by_quantized_multiplier(-5, half, -1) == -1);
    STATIC_REQUIRE(multiply_by_quantized_multiplier(4, half, -1) == 1);
    // Positive shifts multiply before the high multiply: 3 · 2^2 · 0.5 = 6.
    STATIC_REQUIRE(multiply_by_quantized_multiplier(3, half, 2) == 6);
    STATIC_REQUIRE(multiply_by_quantized_multiplier(-3, half, 2) == -6);
    // The saturating corner survives a zero shift.
    STATIC_REQUIRE(multiply_by_quantized_multiplier(int_min, int_min, 0) == int_max);
    STATIC_REQUIRE(multiply_by_quantized_multiplier(int_min, half, -31) == -1);  // −2^30 / 2^31 = −0.5 → −1
    STATIC_REQUIRE(multiply_by_quantized_multiplier(123456, QuantizedMultiplier{half, 1}) == 123456);
    // The greater-than-one form never divides.
    STATIC_REQUIRE(multiply_by_quantized_multiplier_greater_than_one(3, half, 4) == 24);
}

TEST_CASE("quant arithmetic: QuantizeMultiplier", "[quant][arithmetic]") {
    CHECK(quantize_multiplier(0.0) == QuantizedMultiplier{0, 0});
    CHECK(quantize_multiplier(0.5) == QuantizedMultiplier{half, 0});
    CHECK(quantize_multiplier(1.0) == QuantizedMultiplier{half, 1});
    CHECK(quantize_multiplier(0.75) == QuantizedMultiplier{3 << 29, 0});
    CHECK(quantize_multiplier(3.0) == QuantizedMultiplier{3 << 29, 2});
    CHECK(quantize_multiplier(0.1875) == QuantizedMultiplier{3 << 29, -2});
    // A significand that rounds up to 2^31 is renormalized to 2^30 with one more shift.
    CHECK(quantize_multiplier(1.0 - std::ldexp(1.0, -34)) == QuantizedMultiplier{half, 1});
    // Exactly half an ulp rounds away from zero (std::round, not lrint).
    CHECK(quantize_multiplier(0.5 + std::ldexp(1.0, -32)) == QuantizedMultiplier{half + 1, 0});
    CHECK(quantize_multiplier(0.5 + std::ldexp(1.0, -33)) == QuantizedMultiplier{half, 0});  // a quarter ulp: down
    // Below 2^-32 the shift would pass −31: flushed to zero.
    CHECK(quantize_multiplier(std::ldexp(1.0, -32)) == QuantizedMultiplier{half, -31});
    CHECK(quantize_multiplier(std::ldexp(1.0, -33)) == QuantizedMultiplier{0, 0});
    // Round trip: the quantized multiplier is within 2^-31 relative of the real one.
    for (const double real : {0.0072474273, 0.31415926, 1.7, 123.456, 1e-6}) {
        const QuantizedMultiplier m = quantize_multiplier(real);
        CHECK(std::abs(std::ldexp(static_cast<double>(m.multiplier), m.shift - 31) / real - 1) < 1e-9);
    }
}

TEST_CASE("quant arithmetic: the convolution multiplier forms", "[quant][arithmetic]") {
    // uint8 (GetQuantizedConvolutionMultipler): the product rounded to float first.
    const float sx = 0.0235294122f, sw = 0.00643161f, sy = 0.0235285f;
    CHECK(convolution_real_multiplier(sx, sw, sy) == static_cast<double>(sx * sw) / static_cast<double>(sy));
    CHECK(per_channel_real_multiplier(sx, sw, sy) ==
          static_cast<double>(sx) * static_cast<double>(sw) / static_cast<double>(sy));
    // The two differ in general (float product vs double product), and can reach different multipliers.
    int differing = 0;
    for (int i = 1; i <= 2000; ++i) {
        const float a = 0.01f + 1e-5f * static_cast<float>(i), b = 0.003f + 3e-6f * static_cast<float>(i);
        differing += quantize_multiplier(convolution_real_multiplier(a, b, 0.05f)) !=
                     quantize_multiplier(per_channel_real_multiplier(a, b, 0.05f));
    }
    CHECK(differing > 0);
}

TEST_CASE("quant arithmetic: CalculateActivationRangeQuantized", "[quant][arithmetic]") {
    using A = FusedActivation;
    auto range = [](A a, float s, int z, bool u8) {
        const ActivationRange r = activation_range(a, s, z, u8 ? 0 : -128, u8 ? 255 : 127);
        return std::pair{r.min, r.max};
    };
    CHECK(range(A::none, 0.1f, 10, true) == std::pair{0, 255});
    CHECK(range(A::relu, 0.1f, 10, true) == std::pair{10, 255});
    CHECK(range(A::relu6, 0.1f, 10, true) == std::pair{10, 70});
    CHECK(range(A::relu6, 6.0f / 255, 0, true) == std::pair{0, 255});     // the QAT models' ReLU6 outputs
    CHECK(range(A::relu6, 0.0235294f, 0, true) == std::pair{0, 255});     // round(255.0002) = 255
    CHECK(range(A::relu6, 0.05f, -128, false) == std::pair{-128, -8});
    CHECK(range(A::relu6, 0.01f, -128, false) == std::pair{-128, 127});   // 6/0.01 = 600 clamps to the type
    CHECK(range(A::relu_n1_to_1, 1.0f / 128, 128, true) == std::pair{0, 255});
    CHECK(range(A::relu_n1_to_1, 1.0f / 64, 128, true) == std::pair{64, 192});
    // Rounding half away from zero in float: 0.5/1 → 1 above the zero point.
    CHECK(range(A::relu6, 12.0f, 0, true) == std::pair{0, 1});
    // A hostile tiny scale cannot overflow the bound computation.
    CHECK(range(A::relu6, 1e-38f, 3, true) == std::pair{3, 255});
}

TEST_CASE("quant arithmetic: gemmlowp fixed-point exp and reciprocal", "[quant][arithmetic]") {
    using F5 = fixed::FixedPoint<5>;
    for (const double x : {0.0, -0.01, -0.25, -0.3, -1.0, -2.5, -7.9, -15.0, -31.0}) {
        const auto a = F5::from_raw(static_cast<std::int32_t>(std::lround(x * (1 << 26))));
        const double got = fixed::exp_on_negative_values(a).raw / 2147483648.0;
        CAPTURE(x);
        CHECK(std::abs(got - std::exp(x)) < 5e-7);  // gemmlowp's polynomial: 2.2e-7 off at -1/4
    }
    for (const double x : {0.0, 0.1, 0.5, 0.9, 0.999}) {
        const auto a = fixed::FixedPoint<0>::from_raw(static_cast<std::int32_t>(std::lround(x * 2147483648.0)));
        const double got = fixed::one_over_one_plus_x_for_x_in_0_1(a).raw / 2147483648.0;
        CAPTURE(x);
        CHECK(std::abs(got - 1 / (1 + x)) < 1e-8);
    }
    int bits = 0;
    // 3.0 in Q12.19: 1/3 = (2/3) · 2^-1, i.e. the Q0.31 value 2/3 and one bit over unit.
    const std::int32_t r = fixed::get_reciprocal(3 << 19, 12, bits);
    CHECK(bits == 1);
    CHECK(std::abs(r / 2147483648.0 - 2.0 / 3) < 1e-8);
}
