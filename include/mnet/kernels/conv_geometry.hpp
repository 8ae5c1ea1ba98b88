// The arguments every convolution kernel shares: geometry of one NHWC image and
// the fused epilogue (bias is passed separately, clamp and residual here).
#pragma once

#include "mnet/core/shape.hpp"

namespace mnet::kernels {

/// Geometry of a k×k, stride-s convolution over one NHWC image.
struct ConvGeometry {
    int in_h = 0, in_w = 0, in_c = 0;
    int out_h = 0, out_w = 0, out_c = 0;
    int kernel = 1, stride = 1;
    int pad_top = 0, pad_left = 0;

    static constexpr ConvGeometry make(Shape in, int out_c, int k, int s, Padding mode) noexcept {
        const AxisPadding ph = axis_padding(in.h, k, s, mode);
        const AxisPadding pw = axis_padding(in.w, k, s, mode);
        return ConvGeometry{in.h, in.w, in.c, ph.out, pw.out, out_c, k, s, ph.before, pw.before};
    }
    constexpr Shape in_shape() const noexcept { return {in_h, in_w, in_c}; }
    constexpr Shape out_shape() const noexcept { return {out_h, out_w, out_c}; }
};

/// What happens to an accumulator before it is stored: clamp to [min, max]
/// (ReLU6 or Linear), then add `residual` (same layout as the output) if set.
struct Epilogue {
    float min;
    float max;
    const float* residual = nullptr;
};

}  // namespace mnet::kernels
