// Reference integer CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, as TFLite's
// reference_ops (uint8, per-tensor) and reference_integer_ops (int8, per-channel):
//   acc = Σ (w + filter_offset)(x + input_offset) over the taps inside the input
//   (padding contributes nothing, i.e. it is the input zero point), + bias,
//   then MultiplyByQuantizedMultiplier, + output zero point, clamp.
// Layouts are TFLite's: input/output NHWC, conv filter [Cout, KH, KW, Cin], depthwise
// filter [1, KH, KW, Cin·multiplier], fully-connected weights [N, K]. The weight type
// W may be the file's uint8/int8 or int16 with the zero point already subtracted
// (filter_offset 0): the interpreter packs it so once, at construction.
// Accumulation wraps modulo 2^32 (TFLite's int32 would overflow the same way).
// Not tuned: the fast kernels (later) are tested against these.
#pragma once

#include <cstdint>
#include <span>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/kernels/common.hpp"

namespace mnet::quant::ref {

/// Everything a quantized convolution needs besides the tensors.
struct ConvParams {
    int stride_h = 1;                 ///< vertical stride
    int stride_w = 1;                 ///< horizontal stride
    int dilation_h = 1;               ///< vertical dilation
    int dilation_w = 1;               ///< horizontal dilation
    int pad_top = 0;                  ///< rows of padding before the first (TFLite padding_values.height)
    int pad_left = 0;                 ///< columns of padding before the first (TFLite padding_values.width)
    int depth_multiplier = 1;         ///< depthwise only: output channels per input channel
    std::int32_t input_offset = 0;    ///< −(input zero point)
    std::int32_t filter_offset = 0;   ///< −(filter zero point); 0 for int8 weights and pre-subtracted ones
    std::int32_t output_offset = 0;   ///< output zero point
    std::span<const QuantizedMultiplier> multipliers;  ///< one per output channel, or a single one for all
    ActivationRange clamp;            ///< fused activation ∩ output type range
};

namespace detail {
/// The requantization epilogue shared by the three ops.
template <class T>
inline T requantize_accumulator(std::uint32_t acc, const std::int32_t* bias, int channel, const ConvParams& p) {
    if (bias) acc += static_cast<std::uint32_t>(bias[channel]);
    const QuantizedMultiplier m = p.multipliers[p.multipliers.size() == 1 ? 0 : static_cast<std::size_t>(channel)];
    const std::int32_t scaled = multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), m);
    return clamp_to<T>(static_cast<std::int32_t>(static_cast<std::uint32_t>(scaled) +
                                                 static_cast<std::uint32_t>(p.output_offset)),
                       p.clamp.min, p.clamp.max);
}
}  // namespace detail

/// CONV_2D. `filter` is [Cout, KH, KW, Cin] (given as Nhwc{n=Cout, h=KH, w=KW, c=Cin});
/// `bias` has Cout int32 values or is null.
template <class T, class W>
void conv2d(const ConvParams& p, Nhwc in_shape, const T* input, Nhwc filter_shape, const W* filter,
            const std::int32_t* bias, Nhwc out_shape, T* output) {
    const int cin = in_shape.c;
    for (int b = 0; b < out_shape.n; ++b)
        for (int oy = 0; oy < out_shape.h; ++oy)
            for (int ox = 0; ox < out_shape.w; ++ox) {
                const int y0 = oy * p.stride_h - p.pad_top;
                const int x0 = ox * p.stride_w - p.pad_left;
                for (int oc = 0; oc < out_shape.c; ++oc) {
                    std::uint32_t acc = 0;
                    for (int ky = 0; ky < filter_shape.h; ++ky) {
                        const int iy = y0 + p.dilation_h * ky;
                        if (iy < 0 || iy >= in_shape.h) continue;
                        for (int kx = 0; kx < filter_shape.w; ++kx) {
                            const int ix = x0 + p.dilation_w * kx;
                            if (ix < 0 || ix >= in_shape.w) continue;
                            const T* xin = input + in_shape.at(b, iy, ix, 0);
                            const W* wk = filter + filter_shape.at(oc, ky, kx, 0);
                            for (int ic = 0; ic < cin; ++ic)
                                acc += static_cast<std::uint32_t>((std::int32_t{wk[ic]} + p.filter_offset) *
                                                                  (std::int32_t{xin[ic]} + p.input_offset));
                        }
                    }
                    output[out_shape.at(b, oy, ox, oc)] = detail::requantize_accumulator<T>(acc, bias, oc, p);
                }
            }
}

/// DEPTHWISE_CONV_2D. `filter` is [1, KH, KW, Cout] with Cout = Cin · depth_multiplier
/// (given as Nhwc{n=1, h=KH, w=KW, c=Cout}); output channel ic·m + j reads input channel ic.
template <class T, class W>
void depthwise_conv2d(const ConvParams& p, Nhwc in_shape, const T* input, Nhwc filter_shape, const W* filter,
                      const std::int32_t* bias, Nhwc out_shape, T* output) {
    const int m = p.depth_multiplier;
    for (int b = 0; b < out_shape.n; ++b)
        for (int oy = 0; oy < out_shape.h; ++oy)
            for (int ox = 0; ox < out_shape.w; ++ox) {
                const int y0 = oy * p.stride_h - p.pad_top;
                const int x0 = ox * p.stride_w - p.pad_left;
                for (int ic = 0; ic < in_shape.c; ++ic)
                    for (int j = 0; j < m; ++j) {
                        const int oc = ic * m + j;
                        std::uint32_t acc = 0;
                        for (int ky = 0; ky < filter_shape.h; ++ky) {
                            const int iy = y0 + p.dilation_h * ky;
                            if (iy < 0 || iy >= in_shape.h) continue;
                            for (int kx = 0; kx < filter_shape.w; ++kx) {
                                const int ix = x0 + p.dilation_w * kx;
                                if (ix < 0 || ix >= in_shape.w) continue;
                                const std::int32_t x = std::int32_t{input[in_shape.at(b, iy, ix, ic)]} + p.input_offset;
                                const std::int32_t w = std::int32_t{filter[filter_shape.at(0, ky, kx, oc)]} + p.filter_offset;
                                acc += static_cast<std::uint32_t>(w * x);
                            }
                        }
                        output[out_shape.at(b, oy, ox, oc)] = detail::requantize_accumulator<T>(acc, bias, oc, p);
                    }
            }
}

/// FULLY_CONNECTED: `input` is [batches, K], `weights` [N, K], `bias` N values or null,
/// `output` [batches, N]. Strides and padding of `p` are unused.
template <class T, class W>
void fully_connected(const ConvParams& p, int batches, int k, int n, const T* input, const W* weights,
                     const std::int32_t* bias, T* output) {
    for (int b = 0; b < batches; ++b)
        for (int o = 0; o < n; ++o) {
            std::uint32_t acc = 0;
            const T* x = input + static_cast<std::size_t>(b) * static_cast<std::size_t>(k);
            const W* w = weights + static_cast<std::size_t>(o) * static_cast<std::size_t>(k);
            for (int i = 0; i < k; ++i)
                acc += static_cast<std::uint32_t>((std::int32_t{w[i]} + p.filter_offset) *
                                                  (std::int32_t{x[i]} + p.input_offset));
            output[static_cast<std::size_t>(b) * static_cast<std::size_t>(n) + static_cast<std::size_t>(o)] =
                detail::requantize_accumulator<T>(acc, bias, o, p);
        }
}

}  // namespace mnet::quant::ref
