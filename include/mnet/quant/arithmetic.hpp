// Integer requantization arithmetic exactly as TensorFlow Lite's reference kernels
// define it (tensorflow/lite/kernels/internal/common.h, quantization_util.cc,
// kernel_util.cc; gemmlowp's fixedpoint.h), with the default double rounding:
// MultiplyByQuantizedMultiplier = SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT. A multiplier is a Q0.31 significand in [2^30, 2^31) and a
// power-of-two exponent (`shift` > 0 multiplies, < 0 divides).
// Where TFLite's C++ has undefined behaviour on int32 overflow (x · 2^shift, sums of
// products), these functions wrap modulo 2^32, which is what TFLite's builds do in
// practice; the interpreter refuses shifts that would make the wrap reachable.
// Why the reference and not the optimized kernels: include/mnet/quant/README.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mnet::quant {

/// A real multiplier as TFLite stores it: real ≈ multiplier · 2^(shift − 31).
struct QuantizedMultiplier {
    std::int32_t multiplier = 0;  ///< Q0.31 significand in [2^30, 2^31), or 0 for a zero (or flushed) multiplier
    int shift = 0;                ///< power-of-two exponent: > 0 left, < 0 right

    /// Equal multiplier and shift.
    friend bool operator==(const QuantizedMultiplier&, const QuantizedMultiplier&) = default;
};

/// Largest left shift a requantization accepts: x · 2^30 keeps |x| ≤ 1 in int32. The
/// interpreter refuses larger ones (a hostile scale); TFLite would overflow.
inline constexpr int max_left_shift = 30;

/// gemmlowp SaturatingRoundingDoublingHighMul: round(a·b / 2^31), ties toward +∞ (ARM VQRDMULH),
/// with INT32_MIN·INT32_MIN saturating to INT32_MAX (the only product that overflows).
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) noexcept {
    if (a == b && a == std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::max();
    const std::int64_t ab = std::int64_t{a} * std::int64_t{b};
    const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
    // C++ division truncates toward zero, as gemmlowp's does.
    return static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
}

/// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from
/// zero; `exponent` in [0, 62]. In 64 bits, which gives gemmlowp's values for exponents
/// up to 31 and the rounded quotient (0, or −1 for −2^31 / 2^32) beyond: SOFTMAX's
/// exponent exceeds 31 when a row has more than 2^9 values near its maximum, where
/// gemmlowp's 32-bit shift is undefined (found by fuzz_tflite_quant).
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) noexcept {
    const std::int64_t wide = x;
    const std::int64_t mask = (std::int64_t{1} << exponent) - 1;
    const std::int64_t remainder = wide & mask;
    const std::int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return static_cast<std::int32_t>((wide >> exponent) + (remainder > threshold ? 1 : 0));
}

/// x · 2^left_shift with the int32 wrap TFLite's `x * (1 << left_shift)` has in practice.
constexpr std::int32_t wrapping_shift_left(std::int32_t x, int left_shift) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left_shift);
}

/// TFLite MultiplyByQuantizedMultiplier (double rounding): x · real, rounded. The
/// shift must be ≤ max_left_shift and ≥ −31.
constexpr std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t multiplier, int shift) noexcept {
    const int left_shift = shift > 0 ? shift : 0;
    const int right_shift = shift > 0 ? 0 : -shift;
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(wrapping_shift_left(x, left_shift), multiplier),
                                  right_shift);
}

/// multiply_by_quantized_multiplier(x, m.multiplier, m.shift).
constexpr std::int32_t multiply_by_quantized_multiplier(std::int32_t x, QuantizedMultiplier m) noexcept {
    return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

/// TFLite MultiplyByQuantizedMultiplierGreaterThanOne (softmax input scaling): no right shift.
constexpr std::int32_t multiply_by_quantized_multiplier_greater_than_one(std::int32_t x, std::int32_t multiplier,
                                                                         int left_shift) noexcept {
    return saturating_rounding_doubling_high_mul(wrapping_shift_left(x, left_shift), multiplier);
}

/// TfLiteRound: round half away from zero (std::round), not the banker's rounding of lrint.
inline double tflite_round(double x) noexcept { return std::round(x); }
/// TfLiteRound for float arguments (std::round on float).
inline float tflite_round(float x) noexcept { return std::round(x); }

/// TFLite QuantizeMultiplier: the significand rounded half away from zero to Q0.31, a
/// significand of exactly 2^31 renormalized, multipliers below 2^-31 flushed to zero
/// (multiplier 0, shift 0). `real` must be finite and ≥ 0; the caller checks the shift.
inline QuantizedMultiplier quantize_multiplier(double real) noexcept {
    if (real == 0.0) return {};
    int shift = 0;
    const double q = std::frexp(real, &shift);
    auto fixed = static_cast<std::int64_t>(tflite_round(q * static_cast<double>(std::int64_t{1} << 31)));
    if (fixed == (std::int64_t{1} << 31)) {
        fixed /= 2;
        ++shift;
    }
    if (shift < -31) return {};
    return {static_cast<std::int32_t>(fixed), shift};
}

/// The multiplier of a uint8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED and of any
/// per-tensor FULLY_CONNECTED (TFLite GetQuantizedConvolutionMultipler): the scale
/// product is taken in float, then divided in double. Kept apart from the per-channel
/// form because the two round differently.
inline double convolution_real_multiplier(float input_scale, float filter_scale, float output_scale) noexcept {
    const float product = input_scale * filter_scale;  // float on purpose, as TFLite
    return static_cast<double>(product) / static_cast<double>(output_scale);
}

/// The per-channel multiplier of an int8 CONV_2D / DEPTHWISE_CONV_2D (TFLite
/// PopulateConvolutionQuantizationParams): every factor in double.
inline double per_channel_real_multiplier(float input_scale, float filter_scale, float output_scale) noexcept {
    return static_cast<double>(input_scale) * static_cast<double>(filter_scale) / static_cast<double>(output_scale);
}

/// Fused activations of the TFLite format (ActivationFunctionType values).
enum class FusedActivation : int { none = 0, relu = 1, relu_n1_to_1 = 2, relu6 = 3 };

/// A clamp range in the quantized domain.
struct ActivationRange {
    std::int32_t min = 0;  ///< inclusive
    std::int32_t max = 0;  ///< inclusive
};

/// TFLite CalculateActivationRangeQuantized: the output type's range [qmin, qmax]
/// narrowed by a fused ReLU/ReLU6/ReLU1, each bound quantized as
/// zero_point + round(f / scale) with the division and rounding in float.
inline ActivationRange activation_range(FusedActivation activation, float scale, std::int32_t zero_point,
                                        std::int32_t qmin, std::int32_t qmax) noexcept {
    // TFLite refuses a bound outside int32; clamping it first gives the same range for every file it accepts.
    auto quantize = [&](float f) {
        const double q = std::clamp(static_cast<double>(tflite_round(f / scale)), -2147483648.0, 2147483647.0);
        return static_cast<std::int32_t>(
            std::clamp<std::int64_t>(zero_point + static_cast<std::int64_t>(q), qmin - std::int64_t{1}, qmax + std::int64_t{1}));
    };
    switch (activation) {
        case FusedActivation::relu: return {std::max(qmin, quantize(0.0f)), qmax};
        case FusedActivation::relu6: return {std::max(qmin, quantize(0.0f)), std::min(qmax, quantize(6.0f))};
        case FusedActivation::relu_n1_to_1: return {std::max(qmin, quantize(-1.0f)), std::min(qmax, quantize(1.0f))};
        case FusedActivation::none: break;
    }
    return {qmin, qmax};
}

/// TFLite CalculateInputRadius: the largest input difference whose rescaled value
/// still fits `input_integer_bits` integer bits (softmax's diff_min is its negation).
inline int calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits = 31) noexcept {
    const double max_input_rescaled = 1.0 * static_cast<double>((1 << input_integer_bits) - 1) *
                                      static_cast<double>(std::int64_t{1} << (total_signed_bits - input_integer_bits)) /
                                      static_cast<double>(std::int64_t{1} << input_left_shift);
    return static_cast<int>(std::floor(max_input_rescaled));
}

/// TFLite PreprocessSoftmaxScaling (double rounding): beta · input_scale as a
/// Q(input_integer_bits) multiplier, capped at 2^31 − 1.
inline QuantizedMultiplier softmax_input_multiplier(double beta, double input_scale, int input_integer_bits) noexcept {
    const double max_real = static_cast<double>((std::int64_t{1} << 31) - 1);
    const double real = std::min(beta * input_scale * static_cast<double>(std::int64_t{1} << (31 - input_integer_bits)),
                                 max_real);
    return quantize_multiplier(real);
}

}  // namespace mnet::quant
