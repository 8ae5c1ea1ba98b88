// Reference depthwise convolution, NHWC in/out (in_c == out_c), weights HWC
// ([kh][kw][c]). Any kernel size, stride and dilation. Twin of the SIMD dwconv3x3 kernels.
#pragma once

#include <algorithm>

#include "mnet/kernels/conv_geometry.hpp"

namespace mnet::kernels::reference {

/// Output rows [y_begin, y_end) (y_end < 0: to the last row), buffers laid out as `rows` says.
inline void dwconv(const ConvGeometry& g, const float* in, const float* weight_hwc, const float* bias,
                   float* out, const Epilogue& ep, int y_begin = 0, int y_end = -1, RowWindow rows = {}) noexcept {
    const int c_count = g.in_c;
    if (y_end < 0) y_end = g.out_h;
    for (int oy = y_begin; oy < y_end; ++oy) {
        for (int ox = 0; ox < g.out_w; ++ox) {
            const long out_offset = (static_cast<long>(oy - rows.out_first) * g.out_w + ox) * c_count;
            for (int c = 0; c < c_count; ++c) {
                float acc = bias[c];
                for (int ky = 0; ky < g.kernel; ++ky) {
                    const int iy = oy * g.stride + ky * g.dilation - g.pad_top;
                    if (iy < 0 || iy >= g.in_h) continue;
                    for (int kx = 0; kx < g.kernel; ++kx) {
                        const int ix = ox * g.stride + kx * g.dilation - g.pad_left;
                        if (ix < 0 || ix >= g.in_w) continue;
                        acc += in[(static_cast<long>(rows.in_row(iy)) * g.in_w + ix) * c_count + c] *
                               weight_hwc[(ky * g.kernel + kx) * c_count + c];
                    }
                }
                acc = std::min(std::max(acc, ep.min), ep.max);
                if (ep.residual) acc += ep.residual[out_offset + c];
                out[out_offset + c] = acc;
            }
        }
    }
}

}  // namespace mnet::kernels::reference
