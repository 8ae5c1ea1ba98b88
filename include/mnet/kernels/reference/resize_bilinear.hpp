// Reference bilinear resize (NHWC float, TFLite's RESIZE_BILINEAR with align_corners /
// half_pixel_centers), arg-max over channels (NHWC → one class index per pixel, first
// maximum wins as TFLite's ARG_MAX), and both fused: the mask at the output size without
// the resized float tensor. Output rows [y_begin, y_end), so rows can be split across
// threads. Twins of simd/resize_bilinear.hpp.
#pragma once

#include <algorithm>
#include <cstddef>

#include "mnet/kernels/resize_geometry.hpp"

namespace mnet::kernels::reference {

namespace detail {

/// Channels [0, n) of one output pixel from its four neighbours (rows lo/hi × columns
/// lo/hi), with TFLite's formula term by term in its order:
/// v00·(1−dy)·(1−dx) + v10·dy·(1−dx) + v01·(1−dy)·dx + v11·dy·dx.
inline void bilinear_pixel(const float* v00, const float* v10, const float* v01, const float* v11,
                           const BilinearSample& sy, const BilinearSample& sx, std::size_t n, float* dst) noexcept {
    for (std::size_t c = 0; c < n; ++c)
        dst[c] = v00[c] * sy.w_lo * sx.w_lo + v10[c] * sy.w_hi * sx.w_lo + v01[c] * sy.w_lo * sx.w_hi +
                 v11[c] * sy.w_hi * sx.w_hi;
}

/// Index of the first largest of v[0, n), continuing from (best, index) found before v[0]
/// (index of v[0] is `first`). Selects, not branches: a branch on random logits
/// mispredicts often enough to cost 3x (33x33x21 → 513x513 on Zen 5, g++ 12).
template <class Index>
inline void argmax_update(const float* v, std::size_t n, std::size_t first, float& best, Index& index) noexcept {
    unsigned at = static_cast<unsigned>(index);
    float top = best;
    for (std::size_t c = 0; c < n; ++c) {
        const bool greater = v[c] > top;
        at = greater ? static_cast<unsigned>(first + c) : at;
        top = greater ? v[c] : top;
    }
    best = top;
    index = static_cast<Index>(at);
}

}  // namespace detail

/// Output rows [y_begin, y_end) of a bilinear resize; output pixels are
/// `out_pixel_stride` floats apart (0: g.channels), so the result can land in a channel
/// slice of a wider tensor (a concatenation).
inline void resize_bilinear(const ResizeGeometry& g, const float* in, float* out, int y_begin, int y_end,
                            std::size_t out_pixel_stride = 0) noexcept {
    const std::size_t C = static_cast<std::size_t>(g.channels), W = static_cast<std::size_t>(g.in_w);
    const std::size_t stride = out_pixel_stride ? out_pixel_stride : C;
    for (int y = y_begin; y < y_end; ++y) {
        const BilinearSample sy = bilinear_sample(y, g.scale_y, g.half_pixel_centers, g.in_h);
        const float* row_lo = in + static_cast<std::size_t>(sy.lo) * W * C;
        const float* row_hi = in + static_cast<std::size_t>(sy.hi) * W * C;
        float* dst = out + static_cast<std::size_t>(y) * static_cast<std::size_t>(g.out_w) * stride;
        for (int x = 0; x < g.out_w; ++x) {
            const BilinearSample sx = bilinear_sample(x, g.scale_x, g.half_pixel_centers, g.in_w);
            const std::size_t lo = static_cast<std::size_t>(sx.lo) * C, hi = static_cast<std::size_t>(sx.hi) * C;
            detail::bilinear_pixel(row_lo + lo, row_hi + lo, row_lo + hi, row_hi + hi, sy, sx, C,
                                   dst + static_cast<std::size_t>(x) * stride);
        }
    }
}

/// out[p] = the first c with in[p·channels + c] maximal, for `pixels` pixels (TFLite's
/// ARG_MAX over the last axis). NaN never wins unless it is channel 0. channels ≥ 1;
/// Index is an integer type wide enough for channels − 1 (uint8_t for ≤ 256 classes).
template <class Index>
inline void argmax_channels(std::size_t pixels, std::size_t channels, const float* in, Index* out) noexcept {
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* v = in + p * channels;
        float best = v[0];
        Index index = 0;
        detail::argmax_update(v + 1, channels - 1, 1, best, index);
        out[p] = index;
    }
}

/// Rows [y_begin, y_end) of argmax_channels(resize_bilinear(in)): each output pixel's
/// channels are interpolated (the same operations as resize_bilinear) a block at a time
/// into registers/stack and compared there, so the out_h × out_w × channels floats never
/// exist. `mask` holds out_h × out_w indices.
template <class Index>
inline void resize_bilinear_argmax(const ResizeGeometry& g, const float* in, Index* mask, int y_begin,
                                   int y_end) noexcept {
    constexpr std::size_t block = 64;
    const std::size_t C = static_cast<std::size_t>(g.channels), W = static_cast<std::size_t>(g.in_w);
    float values[block];
    for (int y = y_begin; y < y_end; ++y) {
        const BilinearSample sy = bilinear_sample(y, g.scale_y, g.half_pixel_centers, g.in_h);
        const float* row_lo = in + static_cast<std::size_t>(sy.lo) * W * C;
        const float* row_hi = in + static_cast<std::size_t>(sy.hi) * W * C;
        Index* dst = mask + static_cast<std::size_t>(y) * static_cast<std::size_t>(g.out_w);
        for (int x = 0; x < g.out_w; ++x) {
            const BilinearSample sx = bilinear_sample(x, g.scale_x, g.half_pixel_centers, g.in_w);
            const std::size_t lo = static_cast<std::size_t>(sx.lo) * C, hi = static_cast<std::size_t>(sx.hi) * C;
            float best = 0.0f;
            Index index = 0;
            for (std::size_t c0 = 0; c0 < C; c0 += block) {
                const std::size_t n = std::min(block, C - c0);
                detail::bilinear_pixel(row_lo + lo + c0, row_hi + lo + c0, row_lo + hi + c0, row_hi + hi + c0, sy, sx,
                                       n, values);
                if (c0 == 0) {
                    best = values[0];
                    detail::argmax_update(values + 1, n - 1, 1, best, index);
                } else {
                    detail::argmax_update(values, n, c0, best, index);
                }
            }
            dst[x] = index;
        }
    }
}

}  // namespace mnet::kernels::reference
