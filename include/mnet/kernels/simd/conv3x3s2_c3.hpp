// The stem: dense 3x3 stride-2 convolution on 3 input channels, NHWC in/out.
// Per output row, chunks of up to 64 pixels are unfolded into a 27-float row each
// (ky, kx, ic order; zeros where the window leaves the image) in a 7 KB stack buffer
// that stays in L1, then multiplied by the packed weights with the gemm tile (K = 27).
// Weights: gemm_pack of OHWI [Cout][27] at the gemm tile's panel width. Twin: reference::conv2d.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>

#include "mnet/kernels/conv_geometry.hpp"
#include "mnet/kernels/simd/gemm.hpp"

namespace mnet::kernels::simd {

inline constexpr std::size_t conv3x3s2_c3_k = 27;

/// Output rows [y_begin, y_end); geometry must be k = 3, s = 2, in_c = 3.
template <class Arch, int MR, int NRV>
void conv3x3s2_c3(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
                  int y_begin, int y_end) noexcept {
    constexpr std::size_t K = conv3x3s2_c3_k;
    constexpr int chunk = 64;
    alignas(64) float patch[chunk * K];
    const std::size_t n = static_cast<std::size_t>(g.out_c);
    const std::size_t panels = gemm_panels(n, NRV * lanes<Arch>);
    const std::size_t in_row = static_cast<std::size_t>(g.in_w) * 3;
    for (int oy = y_begin; oy < y_end; ++oy) {
        const int iy0 = oy * 2 - g.pad_top;
        for (int x0 = 0; x0 < g.out_w; x0 += chunk) {
            const int count = std::min(chunk, g.out_w - x0);
            for (int m = 0; m < count; ++m) {
                float* dst = patch + static_cast<std::size_t>(m) * K;
                const int ix0 = (x0 + m) * 2 - g.pad_left;
                for (int ky = 0; ky < 3; ++ky, dst += 9) {
                    const int iy = iy0 + ky;
                    if (iy < 0 || iy >= g.in_h) {
                        std::memset(dst, 0, 9 * sizeof(float));
                        continue;
                    }
                    const float* src = in + static_cast<std::size_t>(iy) * in_row;
                    if (ix0 >= 0 && ix0 + 2 < g.in_w) {
                        std::memcpy(dst, src + static_cast<std::size_t>(ix0) * 3, 9 * sizeof(float));
                        continue;
                    }
                    for (int kx = 0; kx < 3; ++kx) {
                        const int ix = ix0 + kx;
                        const bool inside = ix >= 0 && ix < g.in_w;
                        for (int ic = 0; ic < 3; ++ic)
                            dst[kx * 3 + ic] = inside ? src[static_cast<std::size_t>(ix) * 3 + ic] : 0.0f;
                    }
                }
            }
            const std::size_t first = (static_cast<std::size_t>(oy) * g.out_w + x0) * n;
            const Epilogue chunk_ep{ep.min, ep.max, ep.residual ? ep.residual + first : nullptr};
            gemm<Arch, MR, NRV>(count, K, n, patch, packed, out + first, chunk_ep, 0, count, 0, panels);
        }
    }
}

/// Registry of the stem family for Arch: the gemm tile it runs on.
using Conv3x3s2C3Fn = void (*)(const ConvGeometry&, const float*, const float*, float*, const Epilogue&, int,
                               int) noexcept;
struct Conv3x3s2C3Kernel {
    const char* name;
    Conv3x3s2C3Fn fn;
    std::size_t nr;  ///< panel width of its packed weights
};
template <class Arch>
inline constexpr std::array conv3x3s2_c3_kernels{Conv3x3s2C3Kernel{
    "conv3x3s2_c3", &conv3x3s2_c3<Arch, gemm_tile<Arch>::mr, gemm_tile<Arch>::nrv>, gemm_tile<Arch>::nr}};

}  // namespace mnet::kernels::simd
