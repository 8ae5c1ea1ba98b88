// The arguments every convolution kernel shares: geometry of one NHWC image and
// the fused epilogue (bias is passed separately, clamp and residual here).
#pragma once

#include <cstddef>

#include "mnet/core/shape.hpp"

namespace mnet::kernels {

/// Geometry of a k×k, stride-s convolution over one NHWC image; taps are `dilation`
/// inputs apart (atrous convolution: output (oy, ox), tap (ky, kx) reads input
/// (oy·s + ky·d − pad_top, ox·s + kx·d − pad_left), zero outside the image).
struct ConvGeometry {
    int in_h = 0, in_w = 0, in_c = 0;
    int out_h = 0, out_w = 0, out_c = 0;
    int kernel = 1, stride = 1;
    int pad_top = 0, pad_left = 0;
    int dilation = 1;

    /// Output size and padding from the input, the kernel and the model's padding rule.
    static constexpr ConvGeometry make(Shape in, int out_c, int k, int s, Padding mode, int dilation = 1) noexcept {
        const AxisPadding ph = axis_padding(in.h, k, s, mode, dilation);
        const AxisPadding pw = axis_padding(in.w, k, s, mode, dilation);
        return ConvGeometry{in.h, in.w, in.c, ph.out, pw.out, out_c, k, s, ph.before, pw.before, dilation};
    }
    constexpr Shape in_shape() const noexcept { return {in_h, in_w, in_c}; }
    constexpr Shape out_shape() const noexcept { return {out_h, out_w, out_c}; }
};

/// What happens to an accumulator before it is stored: clamp to [min, max]
/// (ReLU6 or Linear), then add `residual` (same layout as the output) if set.
/// `out_stride` (GEMM only): floats between output rows when the output is a channel
/// slice of a wider tensor (a concatenation's producer); 0 = packed rows. Not
/// combined with a residual.
struct Epilogue {
    float min;
    float max;
    const float* residual = nullptr;
    std::size_t out_stride = 0;
};

/// Where the rows of a kernel's buffers sit when it runs on a band of the image
/// rather than the whole of it (fused inverted residuals, MobileNetV2 §5.1). Row
/// indices stay those of the full image, so padding is decided as before.
///  - in_ring = 0: input row iy is at row iy of `in` (the whole image is there);
///    in_ring = R: it is at row iy mod R, a ring of R rows that holds every row the
///    requested outputs read.
///  - output row oy (and its residual row) is at row oy − out_first of `out`.
struct RowWindow {
    int in_ring = 0;
    int out_first = 0;

    /// Buffer row of input row iy.
    constexpr int in_row(int iy) const noexcept { return in_ring ? iy % in_ring : iy; }
};

/// Input rows a band of `out_rows` consecutive output rows reads: (r − 1)·s + (k − 1)·d + 1
/// (for 3x3: (r − 1)·s + 2·d + 1). The smallest ring (RowWindow::in_ring) such a band can
/// run from; rows off the image count too, so it is also an upper bound near the borders.
constexpr int band_input_rows(const ConvGeometry& g, int out_rows) noexcept {
    return (out_rows - 1) * g.stride + (g.kernel - 1) * g.dilation + 1;
}

}  // namespace mnet::kernels
