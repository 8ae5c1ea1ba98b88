// Reference integer ADD, QUANTIZE (requantize) and CONCATENATION, as TFLite's reference kernels:
//  - ADD (reference_ops AddElementwise, uint8 and int8 alike): both inputs shifted
//    left by 20, each scaled by its scale / (2·max scale), summed, scaled by
//    2·max scale / (2^20 · output scale), + output zero point, clamp.
//  - QUANTIZE between integer types (reference_ops::Requantize):
//    MultiplyByQuantizedMultiplier(q − z_in, in/out) + z_out, saturated.
//  - CONCATENATION (reference_ops::ConcatenationWithScaling): inputs whose scale and
//    zero point equal the output's are copied; others requantized in float,
//    round(q·(s_in/s_out) − z_in·(s_in/s_out)) + z_out, as TFLite does for uint8.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/kernels/common.hpp"

namespace mnet::quant::ref {

/// The fixed-point rescaling of a quantized ADD (TFLite ArithmeticParams).
struct AddParams {
    int left_shift = 20;                   ///< headroom given to both inputs
    std::int32_t input1_offset = 0;        ///< −(input 1 zero point)
    std::int32_t input2_offset = 0;        ///< −(input 2 zero point)
    std::int32_t output_offset = 0;        ///< output zero point
    QuantizedMultiplier input1_multiplier; ///< scale1 / (2·max scale), shift ≤ 0
    QuantizedMultiplier input2_multiplier; ///< scale2 / (2·max scale), shift ≤ 0
    QuantizedMultiplier output_multiplier; ///< 2·max scale / (2^left_shift · output scale), shift ≤ 0
    ActivationRange clamp;                 ///< fused activation ∩ output type range
};

/// The parameters TFLite's ADD Prepare derives for uint8/int8 (left_shift 20; the
/// scale arithmetic in double from float scales, as add.cc).
inline AddParams make_add_params(float scale1, std::int32_t zero1, float scale2, std::int32_t zero2, float out_scale,
                                 std::int32_t out_zero, ActivationRange clamp) noexcept {
    AddParams p;
    p.input1_offset = -zero1;
    p.input2_offset = -zero2;
    p.output_offset = out_zero;
    const double twice_max_input_scale = static_cast<double>(2 * std::max(scale1, scale2));
    const double real1 = static_cast<double>(scale1) / twice_max_input_scale;
    const double real2 = static_cast<double>(scale2) / twice_max_input_scale;
    const double real_out = twice_max_input_scale / static_cast<double>(static_cast<float>(1 << p.left_shift) * out_scale);
    p.input1_multiplier = quantize_multiplier(real1);
    p.input2_multiplier = quantize_multiplier(real2);
    p.output_multiplier = quantize_multiplier(real_out);
    p.clamp = clamp;
    return p;
}

/// ADD of two tensors of `count` elements each (same shape, no broadcasting).
template <class T>
void add(const AddParams& p, std::size_t count, const T* a, const T* b, T* output) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::int32_t x1 = wrapping_shift_left(p.input1_offset + a[i], p.left_shift);
        const std::int32_t x2 = wrapping_shift_left(p.input2_offset + b[i], p.left_shift);
        const std::int32_t s1 = multiply_by_quantized_multiplier(x1, p.input1_multiplier);
        const std::int32_t s2 = multiply_by_quantized_multiplier(x2, p.input2_multiplier);
        const auto sum = static_cast<std::int32_t>(static_cast<std::uint32_t>(s1) + static_cast<std::uint32_t>(s2));
        const std::int32_t raw = multiply_by_quantized_multiplier(sum, p.output_multiplier) + p.output_offset;
        output[i] = clamp_to<T>(raw, p.clamp.min, p.clamp.max);
    }
}

/// QUANTIZE from one integer type to another (or the same one with new parameters).
/// `m` is quantize_multiplier(input_scale / output_scale).
template <class In, class Out>
void requantize(std::size_t count, const In* input, QuantizedMultiplier m, std::int32_t input_zero_point,
                std::int32_t output_zero_point, Out* output) {
    for (std::size_t i = 0; i < count; ++i)
        output[i] = saturate<Out>(multiply_by_quantized_multiplier(std::int32_t{input[i]} - input_zero_point, m) +
                                  output_zero_point);
}

/// One input of a concatenation.
template <class T>
struct ConcatInput {
    const T* data = nullptr;    ///< its elements
    int axis_size = 0;          ///< its extent along the concatenation axis
    float scale = 0;            ///< its quantization scale
    std::int32_t zero_point = 0;  ///< its zero point
};

namespace detail {
/// a·b rounded to float and kept so: a fused multiply-add would change the reference's rounding.
inline float product_without_fma(float a, float b) noexcept {
    volatile float p = a * b;
    return p;
}
}  // namespace detail

/// CONCATENATION along an axis: `outer` = product of the dimensions before it,
/// `inner` = product of those after it; the output's scale and zero point are given.
template <class T>
void concatenation(std::span<const ConcatInput<T>> inputs, std::size_t outer, std::size_t inner, float out_scale,
                   std::int32_t out_zero_point, T* output) {
    const float inverse_output_scale = 1.f / out_scale;
    T* out = output;
    for (std::size_t k = 0; k < outer; ++k)
        for (const ConcatInput<T>& in : inputs) {
            const std::size_t n = static_cast<std::size_t>(in.axis_size) * inner;
            const T* src = in.data + k * n;
            if (in.zero_point == out_zero_point && in.scale == out_scale) {
                std::memcpy(out, src, n * sizeof(T));
            } else {
                const float scale = in.scale * inverse_output_scale;
                const float bias = static_cast<float>(-in.zero_point) * scale;
                for (std::size_t j = 0; j < n; ++j) {
                    const float v = detail::product_without_fma(static_cast<float>(src[j]), scale) + bias;
                    // TFLite casts without a check; bounding first only matters for absurd scale ratios.
                    const float r = std::clamp(tflite_round(v), -2147483648.0f, 2147483520.0f);
                    out[j] = saturate<T>(static_cast<std::int32_t>(std::clamp<std::int64_t>(
                        static_cast<std::int64_t>(r) + out_zero_point, INT32_MIN, INT32_MAX)));
                }
            }
            out += n;
        }
}

}  // namespace mnet::quant::ref
