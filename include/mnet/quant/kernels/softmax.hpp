// Reference integer SOFTMAX (TFLite reference_ops::Softmax for uint8/int8, what
// its BUILTIN_REF resolver runs): per row, the difference to the row maximum is
// scaled by beta·input_scale into Q5.26 (differences below diff_min contribute 0),
// exp() and the reciprocal of the sum are gemmlowp fixed point (fixed_point.hpp),
// and the output is a Q0.8 probability offset by the type's minimum (uint8: z=0,
// int8: z=−128, both scale 1/256). TFLite's optimized SOFTMAX uses a float lookup
// table instead and differs by ±1.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/fixed_point.hpp"

namespace mnet::quant::ref {

/// The scaling TFLite's SOFTMAX Prepare derives (kScaledDiffIntegerBits = 5).
struct SoftmaxParams {
    QuantizedMultiplier input_multiplier;  ///< beta · input_scale in Q5.26, left shift ≥ 0
    int diff_min = 0;                      ///< smallest difference to the maximum that counts
};

/// Integer bits of the scaled differences fed to exp().
inline constexpr int softmax_scaled_diff_integer_bits = 5;

/// SoftmaxParams for an input scale and beta (TFLite PreprocessSoftmaxScaling and
/// CalculateInputRadius).
inline SoftmaxParams make_softmax_params(double beta, double input_scale) noexcept {
    SoftmaxParams p;
    p.input_multiplier = softmax_input_multiplier(beta, input_scale, softmax_scaled_diff_integer_bits);
    p.diff_min = -calculate_input_radius(softmax_scaled_diff_integer_bits, p.input_multiplier.shift);
    return p;
}

/// SOFTMAX over the last dimension (`depth`) of `rows` rows, uint8 → uint8 or int8 → int8.
template <class T>
void softmax(const SoftmaxParams& p, std::size_t rows, int depth, const T* input, T* output) {
    using ScaledDiff = fixed::FixedPoint<softmax_scaled_diff_integer_bits>;
    constexpr int accumulation_integer_bits = 12;
    using Accum = fixed::FixedPoint<accumulation_integer_bits>;
    auto exp_of = [&](std::int32_t diff) {
        const std::int32_t rescaled = multiply_by_quantized_multiplier_greater_than_one(
            diff, p.input_multiplier.multiplier, p.input_multiplier.shift);
        return fixed::exp_on_negative_values(ScaledDiff::from_raw(rescaled));
    };
    for (std::size_t r = 0; r < rows; ++r) {
        const T* in = input + r * static_cast<std::size_t>(depth);
        T* out = output + r * static_cast<std::size_t>(depth);
        T max_in_row = std::numeric_limits<T>::min();
        for (int c = 0; c < depth; ++c) max_in_row = std::max(max_in_row, in[c]);

        Accum sum = Accum::from_raw(0);
        for (int c = 0; c < depth; ++c) {
            const std::int32_t diff = std::int32_t{in[c]} - max_in_row;
            if (diff >= p.diff_min) sum = sum + fixed::rescale<accumulation_integer_bits>(exp_of(diff));
        }
        int num_bits_over_unit = 0;
        const auto shifted_scale =
            fixed::FixedPoint<0>::from_raw(fixed::get_reciprocal(sum.raw, accumulation_integer_bits, num_bits_over_unit));
        const int exponent = num_bits_over_unit + 31 - static_cast<int>(sizeof(T) * 8);
        for (int c = 0; c < depth; ++c) {
            const std::int32_t diff = std::int32_t{in[c]} - max_in_row;
            if (diff >= p.diff_min) {
                const std::int32_t unsat = rounding_divide_by_pot((shifted_scale * exp_of(diff)).raw, exponent);
                out[c] = saturate<T>(unsat + std::int32_t{std::numeric_limits<T>::min()});
            } else {
                out[c] = std::numeric_limits<T>::min();
            }
        }
    }
}

}  // namespace mnet::quant::ref
