// Reference RESIZE_BILINEAR for quantized tensors, as TFLite's reference kernels:
//  - uint8: reference_ops::ResizeBilinear<uint8_t>, in float: source coordinate
//    y·scale (or (y + 0.5)·scale − 0.5 with half-pixel centers), scale = in/out (or
//    (in − 1)/(out − 1) with align_corners), the four products summed in float, + 0.5,
//    truncated;
//  - int8: reference_ops::ResizeBilinearInteger, in 10-bit fixed point, rounded
//    half away from zero (double rounding build).
// The input and output share their quantization (TFLite resizes raw values).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "mnet/quant/kernels/common.hpp"

namespace mnet::quant::ref {

/// The flags of RESIZE_BILINEAR.
struct ResizeParams {
    bool align_corners = false;       ///< corners of input and output coincide
    bool half_pixel_centers = false;  ///< sample at pixel centres (excludes align_corners)
};

namespace detail {
/// Float source coordinate and its two neighbours (TFLite ComputeInterpolationValues).
inline void interpolation_values(int value, float scale, bool half_pixel_centers, int input_size, float& scaled,
                                 int& lower, int& upper) {
    // volatile: keep (v + 0.5)·scale − 0.5 as two roundings, as TFLite compiled without FMA does.
    volatile float product = half_pixel_centers ? (static_cast<float>(value) + 0.5f) * scale
                                                : static_cast<float>(value) * scale;
    scaled = half_pixel_centers ? product - 0.5f : product;
    lower = std::max(static_cast<int>(std::floor(scaled)), 0);
    upper = std::min(static_cast<int>(std::ceil(scaled)), input_size - 1);
}

/// Float scale between an input and an output extent.
inline float resize_scale(int in, int out, bool align_corners) {
    if (align_corners && out > 1) return static_cast<float>(in - 1) / static_cast<float>(out - 1);
    return static_cast<float>(in) / static_cast<float>(out);
}

/// 10-bit fixed-point scale (ResizeBilinearInteger).
inline std::int32_t resize_scale_10(int in, int out, bool align_corners) {
    if (align_corners && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
    return ((1 << 10) * in + out / 2) / out;
}

/// Fixed-point source coordinate and neighbours (ComputeInterpolationValuesInteger).
inline void interpolation_values_10(int value, std::int32_t scale_10, bool half_pixel_centers, int input_size,
                                    std::int32_t& scaled, int& lower, int& upper) {
    scaled = half_pixel_centers ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
    lower = std::max(scaled / (1 << 10), 0);
    upper = std::min((scaled + (1 << 10) - 1) / (1 << 10), input_size - 1);
}
}  // namespace detail

/// RESIZE_BILINEAR of an NHWC uint8 or int8 tensor to out_shape.h × out_shape.w.
template <class T>
void resize_bilinear(const ResizeParams& p, Nhwc in_shape, const T* input, Nhwc out_shape, T* output) {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        const float hs = detail::resize_scale(in_shape.h, out_shape.h, p.align_corners);
        const float ws = detail::resize_scale(in_shape.w, out_shape.w, p.align_corners);
        for (int b = 0; b < out_shape.n; ++b)
            for (int y = 0; y < out_shape.h; ++y) {
                float iy = 0;
                int y0 = 0, y1 = 0;
                detail::interpolation_values(y, hs, p.half_pixel_centers, in_shape.h, iy, y0, y1);
                for (int x = 0; x < out_shape.w; ++x) {
                    float ix = 0;
                    int x0 = 0, x1 = 0;
                    detail::interpolation_values(x, ws, p.half_pixel_centers, in_shape.w, ix, x0, x1);
                    const float dy = iy - static_cast<float>(y0), dx = ix - static_cast<float>(x0);
                    for (int c = 0; c < out_shape.c; ++c) {
                        // Each term rounded on its own (volatile), summed left to right, as TFLite's expression.
                        volatile float t00 = static_cast<float>(input[in_shape.at(b, y0, x0, c)]) * (1 - dy) * (1 - dx);
                        volatile float t10 = static_cast<float>(input[in_shape.at(b, y1, x0, c)]) * dy * (1 - dx);
                        volatile float t01 = static_cast<float>(input[in_shape.at(b, y0, x1, c)]) * (1 - dy) * dx;
                        volatile float t11 = static_cast<float>(input[in_shape.at(b, y1, x1, c)]) * dy * dx;
                        volatile float sum = t00 + t10;
                        sum = sum + t01;
                        sum = sum + t11;
                        const float v = sum + 0.5f;
                        output[out_shape.at(b, y, x, c)] = static_cast<T>(std::clamp(v, 0.0f, 255.0f));
                    }
                }
            }
    } else {
        const std::int32_t hs = detail::resize_scale_10(in_shape.h, out_shape.h, p.align_corners);
        const std::int32_t ws = detail::resize_scale_10(in_shape.w, out_shape.w, p.align_corners);
        for (int b = 0; b < out_shape.n; ++b)
            for (int y = 0; y < out_shape.h; ++y) {
                std::int32_t iy = 0;
                int y0 = 0, y1 = 0;
                detail::interpolation_values_10(y, hs, p.half_pixel_centers, in_shape.h, iy, y0, y1);
                for (int x = 0; x < out_shape.w; ++x) {
                    std::int32_t ix = 0;
                    int x0 = 0, x1 = 0;
                    detail::interpolation_values_10(x, ws, p.half_pixel_centers, in_shape.w, ix, x0, x1);
                    const std::int64_t fy = iy - (1 << 10) * y0, fx = ix - (1 << 10) * x0;
                    for (int c = 0; c < out_shape.c; ++c) {
                        const std::int64_t v = std::int64_t{input[in_shape.at(b, y0, x0, c)]} * ((1 << 10) - fy) * ((1 << 10) - fx) +
                                               std::int64_t{input[in_shape.at(b, y1, x0, c)]} * fy * ((1 << 10) - fx) +
                                               std::int64_t{input[in_shape.at(b, y0, x1, c)]} * ((1 << 10) - fy) * fx +
                                               std::int64_t{input[in_shape.at(b, y1, x1, c)]} * fy * fx;
                        const std::int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
                        output[out_shape.at(b, y, x, c)] = static_cast<T>((v + round) / (1 << 20));
                    }
                }
            }
    }
}

}  // namespace mnet::quant::ref
