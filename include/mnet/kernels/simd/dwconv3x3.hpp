// Depthwise 3x3, stride 1 (dwconv3x3s1) and 2 (dwconv3x3s2), NHWC in/out, in_c == out_c,
// dilation 1, 2 or 4 for stride 1 (DeepLab's atrous backbone), 1 for stride 2.
// Channel-vectorised: per output row and channel register the 9 taps and the bias sit
// in registers; the interior is walked 4 pixels at a time with no bounds checks (each
// input column loaded once per tile), edge pixels clip their taps, and rows off the
// image get zero taps. Channel tails fall to narrower registers, then scalar.
// The dilation is a template argument (the tile's column pattern depends on it);
// dwconv3x3_has_dilation says which ones exist, the others run reference::dwconv.
// Weights: dwconv3x3_pack → [bias][tap 0..8], rows of round_up(C, 16). Twin: reference::dwconv.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "mnet/kernels/conv_geometry.hpp"
#include "mnet/kernels/simd/arch.hpp"

namespace mnet::kernels::simd {

/// Floats between packed rows: 16 keeps every row 64-byte aligned.
constexpr std::size_t dwconv3x3_row(std::size_t channels) noexcept { return round_up(channels, 16); }
constexpr std::size_t dwconv3x3_packed_floats(std::size_t channels) noexcept { return 10 * dwconv3x3_row(channels); }

/// Packs [C][1][3][3] weights (torchvision) and C biases; padding channels are zero.
inline void dwconv3x3_pack(std::size_t channels, const float* weight_c33, const float* bias, float* packed) noexcept {
    const std::size_t row = dwconv3x3_row(channels);
    for (std::size_t i = 0; i < 10 * row; ++i) packed[i] = 0.0f;
    for (std::size_t c = 0; c < channels; ++c) {
        packed[c] = bias[c];
        for (std::size_t t = 0; t < 9; ++t) packed[(1 + t) * row + c] = weight_c33[c * 9 + t];
    }
}

namespace detail {

/// One output row: the three input rows (an off-image row points at a valid one
/// and gets zero taps) and the column range where all three taps are inside.
struct DwRow {
    const float* in[3];
    bool valid[3];
    float* out;
    const float* residual;
    int x_lo, x_hi;
};

/// Channels [c_begin, c_end) of one output row with registers of Arch, taps D
/// columns apart; what is left over (< one register) goes to the next narrower arch.
template <class Arch, int S, int D>
inline void dwconv3x3_channels(const ConvGeometry& g, const DwRow& r, const float* packed, std::size_t c_begin,
                          std::size_t c_end, float lo_s, float hi_s) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    constexpr std::size_t L = V::size;
    constexpr int P = 4;                  // output pixels per interior step
    constexpr int COLS = (P - 1) * S + 2 * D + 1;  // input columns they read
    const std::size_t C = static_cast<std::size_t>(g.in_c);
    const std::size_t prow = dwconv3x3_row(C);
    const B lo = V::broadcast(lo_s), hi = V::broadcast(hi_s);
    std::size_t c = c_begin;
    for (; c + L <= c_end; c += L) {
        B w[9];
        unroll<9>([&](auto t) {
            w[t] = r.valid[t / 3] ? V::load_aligned(packed + (1 + t) * prow + c) : V::zero();
        });
        const B bias = V::load_aligned(packed + c);
        const auto store = [&](int ox, B acc) MNET_SIMD_INLINE {
            const std::size_t o = static_cast<std::size_t>(ox) * C + c;
            acc = V::clamp(acc, lo, hi);
            if (r.residual) acc = acc + V::load(r.residual + o);
            V::store(r.out + o, acc);
        };
        // Edge pixel: taps clipped to the image columns (same order as the reference).
        const auto edge = [&](int ox) MNET_SIMD_INLINE {
            const int ix0 = ox * S - g.pad_left;
            B acc = bias;
            unroll<3>([&](auto ky) {
                unroll<3>([&](auto kx) {
                    const int ix = ix0 + kx * D;
                    if (ix >= 0 && ix < g.in_w)
                        acc = V::fmadd(V::load(r.in[ky] + static_cast<std::size_t>(ix) * C + c), w[ky * 3 + kx], acc);
                });
            });
            store(ox, acc);
        };
        // N interior pixels from ox: each of the (N-1)·S+2·D+1 columns is loaded once per row.
        const auto interior = [&]<int N>(std::integral_constant<int, N>, int ox) MNET_SIMD_INLINE {
            constexpr int NC = (N - 1) * S + 2 * D + 1;
            const std::size_t base = static_cast<std::size_t>(ox * S - g.pad_left) * C + c;
            B acc[N];
            unroll<N>([&](auto p) { acc[p] = bias; });
            unroll<3>([&](auto ky) {
                unroll<NC>([&](auto j) {
                    const B x = V::load(r.in[ky] + base + static_cast<std::size_t>(j) * C);
                    unroll<N>([&](auto p) {
                        constexpr int dx = decltype(j)::value - decltype(p)::value * S;  // = kx·D
                        if constexpr (dx >= 0 && dx % D == 0 && dx / D < 3)
                            acc[p] = V::fmadd(x, w[ky * 3 + dx / D], acc[p]);
                    });
                });
            });
            unroll<N>([&](auto p) { store(ox + p, acc[p]); });
        };
        static_assert(COLS <= 16, "interior tile reads too many columns");
        int ox = 0;
        for (; ox < r.x_lo; ++ox) edge(ox);
        for (; ox + P <= r.x_hi; ox += P) interior(std::integral_constant<int, P>{}, ox);
        for (; ox < r.x_hi; ++ox) interior(std::integral_constant<int, 1>{}, ox);
        for (; ox < g.out_w; ++ox) edge(ox);
    }
    if constexpr (!std::is_same_v<Arch, scalar>)
        if (c < c_end) dwconv3x3_channels<narrower_t<Arch>, S, D>(g, r, packed, c, c_end, lo_s, hi_s);
}

/// Any dilation, one float at a time on the packed taps, in reference::dwconv's
/// order (the fallback for dilations without a SIMD tile; DeepLab never needs it).
inline void dwconv3x3_generic(const ConvGeometry& g, const float* in, const float* packed, float* out,
                              const Epilogue& ep, int y_begin, int y_end, RowWindow rows) noexcept {
    const std::size_t C = static_cast<std::size_t>(g.in_c), prow = dwconv3x3_row(C);
    for (int oy = y_begin; oy < y_end; ++oy) {
        for (int ox = 0; ox < g.out_w; ++ox) {
            const std::size_t o = (static_cast<std::size_t>(oy - rows.out_first) * static_cast<std::size_t>(g.out_w) +
                                   static_cast<std::size_t>(ox)) * C;
            for (std::size_t c = 0; c < C; ++c) {
                float acc = packed[c];
                for (int ky = 0; ky < 3; ++ky) {
                    const int iy = oy * g.stride + ky * g.dilation - g.pad_top;
                    if (iy < 0 || iy >= g.in_h) continue;
                    const float* src = in + static_cast<std::size_t>(rows.in_row(iy)) * static_cast<std::size_t>(g.in_w) * C;
                    for (int kx = 0; kx < 3; ++kx) {
                        const int ix = ox * g.stride + kx * g.dilation - g.pad_left;
                        if (ix < 0 || ix >= g.in_w) continue;
                        acc += src[static_cast<std::size_t>(ix) * C + c] *
                               packed[static_cast<std::size_t>(1 + ky * 3 + kx) * prow + c];
                    }
                }
                acc = std::min(std::max(acc, ep.min), ep.max);
                if (ep.residual) acc += ep.residual[o + c];
                out[o + c] = acc;
            }
        }
    }
}

/// Rows [y_begin, y_end) with taps D apart (g.dilation == D).
template <class Arch, int S, int D>
void dwconv3x3_rows(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
                    int y_begin, int y_end, RowWindow rows) noexcept {
    const std::size_t C = static_cast<std::size_t>(g.in_c);
    const std::size_t in_row = static_cast<std::size_t>(g.in_w) * C, out_row = static_cast<std::size_t>(g.out_w) * C;
    DwRow r{};
    // Interior columns: ox·S − pad_left ≥ 0 and ox·S − pad_left + 2·D ≤ in_w − 1.
    r.x_lo = std::min(g.out_w, (g.pad_left + S - 1) / S);
    const int last = g.in_w - 1 - 2 * D + g.pad_left;
    r.x_hi = std::max(r.x_lo, last >= 0 ? std::min(g.out_w, last / S + 1) : 0);
    for (int oy = y_begin; oy < y_end; ++oy) {
        const int iy0 = oy * S - g.pad_top;
        int any = -1;
        for (int ky = 0; ky < 3; ++ky) {
            r.valid[ky] = iy0 + ky * D >= 0 && iy0 + ky * D < g.in_h;
            if (r.valid[ky] && any < 0) any = iy0 + ky * D;
        }
        // No input row at all: every tap is zero; point at a row the band holds.
        if (any < 0) any = std::clamp(iy0, 0, g.in_h - 1);
        for (int ky = 0; ky < 3; ++ky)
            r.in[ky] = in + static_cast<std::size_t>(rows.in_row(r.valid[ky] ? iy0 + ky * D : any)) * in_row;
        const std::size_t out_at = static_cast<std::size_t>(oy - rows.out_first) * out_row;
        r.out = out + out_at;
        r.residual = ep.residual ? ep.residual + out_at : nullptr;
        dwconv3x3_channels<Arch, S, D>(g, r, packed, 0, C, ep.min, ep.max);
    }
}

}  // namespace detail

/// True if dwconv3x3<Arch, S> has a SIMD path for this dilation (else it runs the reference).
constexpr bool dwconv3x3_has_dilation(int stride, int dilation) noexcept {
    return dilation == 1 || (stride == 1 && (dilation == 2 || dilation == 4));
}

/// Output rows [y_begin, y_end) of a 3x3 depthwise convolution with stride S and
/// dilation g.dilation. Padding comes from the geometry (pad_top/pad_left;
/// bottom/right follow from the output size), so tf_same and symmetric are the same
/// code. Rows are independent; `rows` places them in band buffers (a ring of input
/// rows, a window of outputs). A dilation without a SIMD path
/// (dwconv3x3_has_dilation) runs reference::dwconv on an unpacked copy of the taps.
template <class Arch, int S>
void dwconv3x3(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
               int y_begin, int y_end, RowWindow rows = {}) noexcept {
    static_assert(S == 1 || S == 2, "dwconv3x3: stride 1 or 2");
    if (g.dilation == 1) return detail::dwconv3x3_rows<Arch, S, 1>(g, in, packed, out, ep, y_begin, y_end, rows);
    if constexpr (S == 1) {
        if (g.dilation == 2) return detail::dwconv3x3_rows<Arch, S, 2>(g, in, packed, out, ep, y_begin, y_end, rows);
        if (g.dilation == 4) return detail::dwconv3x3_rows<Arch, S, 4>(g, in, packed, out, ep, y_begin, y_end, rows);
    }
    detail::dwconv3x3_generic(g, in, packed, out, ep, y_begin, y_end, rows);
}

template <class Arch>
void dwconv3x3s1(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
                 int y_begin, int y_end, RowWindow rows) noexcept {
    dwconv3x3<Arch, 1>(g, in, packed, out, ep, y_begin, y_end, rows);
}

template <class Arch>
void dwconv3x3s2(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
                 int y_begin, int y_end, RowWindow rows) noexcept {
    dwconv3x3<Arch, 2>(g, in, packed, out, ep, y_begin, y_end, rows);
}

/// Registry of the depthwise family for Arch (one entry per stride).
using DwconvFn = void (*)(const ConvGeometry&, const float*, const float*, float*, const Epilogue&, int, int,
                          RowWindow) noexcept;
struct DwconvKernel {
    const char* name;
    DwconvFn fn;
    int stride;
};
template <class Arch>
inline constexpr std::array dwconv_kernels{DwconvKernel{"dwconv3x3s1", &dwconv3x3s1<Arch>, 1},
                                           DwconvKernel{"dwconv3x3s2", &dwconv3x3s2<Arch>, 2}};

}  // namespace mnet::kernels::simd
