// Geometry of a bilinear resize as TFLite's RESIZE_BILINEAR defines it (the
// reference kernel, tensorflow/lite/kernels/internal/reference/resize_bilinear.h):
// the scale per axis from the align_corners flag, and for each output row or column
// the two input rows/columns it blends and the fraction between them.
#pragma once

#include <algorithm>
#include <cmath>

#include "mnet/core/shape.hpp"

namespace mnet::kernels {

/// A bilinear resize of one NHWC image (channels unchanged).
/// align_corners: the corner pixels' centres map onto each other, scale (in − 1)/(out − 1);
/// half_pixel_centers: pixel centres at +0.5, scale in/out (TF2's default). TFLite
/// forbids both at once; neither is the TF1 default (scale in/out, corners at 0).
struct ResizeGeometry {
    int in_h = 0, in_w = 0, channels = 0;
    int out_h = 0, out_w = 0;
    bool align_corners = false;       ///< scale (in − 1)/(out − 1) when out > 1
    bool half_pixel_centers = false;  ///< sample at (o + 0.5)·scale − 0.5
    float scale_y = 1.0f;             ///< input rows per output row
    float scale_x = 1.0f;             ///< input columns per output column

    /// The scales as TFLite computes them: float(in)/float(out), or float(in − 1)/float(out − 1)
    /// with align_corners and more than one output.
    static constexpr ResizeGeometry make(Shape in, int out_h, int out_w, bool align_corners,
                                         bool half_pixel_centers) noexcept {
        ResizeGeometry g{in.h, in.w, in.c, out_h, out_w, align_corners, half_pixel_centers, 1.0f, 1.0f};
        g.scale_y = axis_scale(in.h, out_h, align_corners);
        g.scale_x = axis_scale(in.w, out_w, align_corners);
        return g;
    }
    constexpr Shape in_shape() const noexcept { return {in_h, in_w, channels}; }    ///< h × w × c read
    constexpr Shape out_shape() const noexcept { return {out_h, out_w, channels}; }  ///< h × w × c written

    /// Input units per output unit along one axis.
    static constexpr float axis_scale(int in, int out, bool align_corners) noexcept {
        if (align_corners && out > 1) return static_cast<float>(in - 1) / static_cast<float>(out - 1);
        return static_cast<float>(in) / static_cast<float>(out);
    }
};

/// Where output row (or column) o samples: inputs `lo` and `hi` blended with weights
/// `w_lo` = 1 − frac and `w_hi` = frac, frac = coordinate − lo. The coordinate is not
/// clamped (half-pixel centres give −0.25 at the first output: lo = hi = 0, weights
/// 1.25 and −0.25), exactly as TFLite's ComputeInterpolationValues leaves it.
struct BilinearSample {
    int lo = 0;         ///< max(floor(coordinate), 0)
    int hi = 0;         ///< min(ceil(coordinate), in − 1)
    float w_lo = 1.0f;  ///< 1 − (coordinate − lo)
    float w_hi = 0.0f;  ///< coordinate − lo
};

/// TFLite's ComputeInterpolationValues for output index o of an axis of `in` inputs.
inline BilinearSample bilinear_sample(int o, float scale, bool half_pixel_centers, int in) noexcept {
    const float value = static_cast<float>(o);
    const float coordinate = half_pixel_centers ? (value + 0.5f) * scale - 0.5f : value * scale;
    BilinearSample s;
    s.lo = std::max(static_cast<int>(std::floor(coordinate)), 0);
    s.hi = std::min(static_cast<int>(std::ceil(coordinate)), in - 1);
    s.w_hi = coordinate - static_cast<float>(s.lo);
    s.w_lo = 1.0f - s.w_hi;
    return s;
}

}  // namespace mnet::kernels
