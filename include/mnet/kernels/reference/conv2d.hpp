// Reference dense convolution, NHWC in/out, weights OHWI ([out][kh][kw][in]).
// Any kernel size, stride and dilation; zero padding as given by the geometry. This is the
// specification the optimised stem kernel is tested against.
#pragma once

#include <algorithm>

#include "mnet/kernels/conv_geometry.hpp"

namespace mnet::kernels::reference {

/// Output rows [y_begin, y_end) (y_end < 0: to the last row).
inline void conv2d(const ConvGeometry& g, const float* in, const float* weight_ohwi, const float* bias,
                   float* out, const Epilogue& ep, int y_begin = 0, int y_end = -1) noexcept {
    if (y_end < 0) y_end = g.out_h;
    for (int oy = y_begin; oy < y_end; ++oy) {
        for (int ox = 0; ox < g.out_w; ++ox) {
            float* dst = out + (static_cast<long>(oy) * g.out_w + ox) * g.out_c;
            for (int oc = 0; oc < g.out_c; ++oc) {
                float acc = bias[oc];
                const float* w = weight_ohwi + static_cast<long>(oc) * g.kernel * g.kernel * g.in_c;
                for (int ky = 0; ky < g.kernel; ++ky) {
                    const int iy = oy * g.stride + ky * g.dilation - g.pad_top;
                    if (iy < 0 || iy >= g.in_h) continue;
                    for (int kx = 0; kx < g.kernel; ++kx) {
                        const int ix = ox * g.stride + kx * g.dilation - g.pad_left;
                        if (ix < 0 || ix >= g.in_w) continue;
                        const float* src = in + (static_cast<long>(iy) * g.in_w + ix) * g.in_c;
                        const float* wk = w + static_cast<long>(ky * g.kernel + kx) * g.in_c;
                        for (int ic = 0; ic < g.in_c; ++ic) acc += src[ic] * wk[ic];
                    }
                }
                acc = std::min(std::max(acc, ep.min), ep.max);
                if (ep.residual) acc += ep.residual[(static_cast<long>(oy) * g.out_w + ox) * g.out_c + oc];
                dst[oc] = acc;
            }
        }
    }
}

}  // namespace mnet::kernels::reference
