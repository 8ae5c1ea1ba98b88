// Depthwise 3x3, stride 1 (dwconv3x3s1) and 2 (dwconv3x3s2), NHWC in/out, in_c == out_c,
// any dilation. Channel-vectorised: per output row and channel register the 9 taps and
// the bias sit in registers; the interior is walked 4 pixels at a time with no bounds
// checks (each input column loaded once per tile), edge pixels clip their taps, and rows
// off the image get zero taps. Channel tails fall to narrower registers, then scalar.
// Dilation d splits a row's output columns into d phases (ox ≡ p mod d): each phase
// reads only input columns of one residue mod d, so it is an undilated row over pixels
// d·C floats apart, and the same code runs it (no instantiation per dilation).
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

/// One output row (or, dilated, one phase of it) as an undilated row: the three input
/// rows (an off-image row points at a valid one and gets zero taps), pixels `in_step` /
/// `out_step` floats apart, its own width and left padding, and the column range where
/// all three taps are inside.
struct DwRow {
    const float* in[3];
    bool valid[3];
    float* out;
    const float* residual;
    std::size_t in_step, out_step;
    int in_w, out_w, pad_left;
    int x_lo, x_hi;
};

/// Channels [c_begin, c_end) of one output row with registers of Arch; what is
/// left over (< one register) goes to the next narrower arch.
template <class Arch, int S>
inline void dwconv3x3_channels(const DwRow& r, std::size_t channels, const float* packed, std::size_t c_begin,
                               std::size_t c_end, float lo_s, float hi_s) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    constexpr std::size_t L = V::size;
    constexpr int P = 4;                  // output pixels per interior step
    constexpr int COLS = (P - 1) * S + 3;  // input columns they read
    const std::size_t prow = dwconv3x3_row(channels);
    const B lo = V::broadcast(lo_s), hi = V::broadcast(hi_s);
    std::size_t c = c_begin;
    for (; c + L <= c_end; c += L) {
        B w[9];
        unroll<9>([&](auto t) {
            w[t] = r.valid[t / 3] ? V::load_aligned(packed + (1 + t) * prow + c) : V::zero();
        });
        const B bias = V::load_aligned(packed + c);
        const auto store = [&](int ox, B acc) MNET_SIMD_INLINE {
            const std::size_t o = static_cast<std::size_t>(ox) * r.out_step + c;
            acc = V::clamp(acc, lo, hi);
            if (r.residual) acc = acc + V::load(r.residual + o);
            V::store(r.out + o, acc);
        };
        // Edge pixel: taps clipped to the image columns (same order as the reference).
        const auto edge = [&](int ox) MNET_SIMD_INLINE {
            const int ix0 = ox * S - r.pad_left;
            B acc = bias;
            unroll<3>([&](auto ky) {
                unroll<3>([&](auto kx) {
                    const int ix = ix0 + kx;
                    if (ix >= 0 && ix < r.in_w)
                        acc = V::fmadd(V::load(r.in[ky] + static_cast<std::size_t>(ix) * r.in_step + c), w[ky * 3 + kx],
                                       acc);
                });
            });
            store(ox, acc);
        };
        // N interior pixels from ox: each of the (N-1)·S+3 columns is loaded once per row.
        const auto interior = [&]<int N>(std::integral_constant<int, N>, int ox) MNET_SIMD_INLINE {
            constexpr int NC = (N - 1) * S + 3;
            const std::size_t base = static_cast<std::size_t>(ox * S - r.pad_left) * r.in_step + c;
            B acc[N];
            unroll<N>([&](auto p) { acc[p] = bias; });
            unroll<3>([&](auto ky) {
                unroll<NC>([&](auto j) {
                    const B x = V::load(r.in[ky] + base + static_cast<std::size_t>(j) * r.in_step);
                    unroll<N>([&](auto p) {
                        constexpr int kx = decltype(j)::value - decltype(p)::value * S;
                        if constexpr (kx >= 0 && kx < 3) acc[p] = V::fmadd(x, w[ky * 3 + kx], acc[p]);
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
        for (; ox < r.out_w; ++ox) edge(ox);
    }
    if constexpr (!std::is_same_v<Arch, scalar>)
        if (c < c_end) dwconv3x3_channels<narrower_t<Arch>, S>(r, channels, packed, c, c_end, lo_s, hi_s);
}

/// Sets r's columns to one phase of a dilated row: output columns px, px + d, … and the
/// input columns of residue (S·px − pad_left) mod d they read, as an undilated row.
template <int S>
inline void dwconv3x3_phase(const ConvGeometry& g, int px, DwRow& r, std::size_t& in_offset,
                            std::size_t& out_offset) noexcept {
    const int d = g.dilation;
    const std::size_t C = static_cast<std::size_t>(g.in_c);
    // Output ox = px + d·o reads ix = S·px − pad_left + d·(S·o + kx) = q + d·i, q ∈ [0, d).
    const int t = S * px - g.pad_left;
    const int q = ((t % d) + d) % d;
    r.pad_left = (q - t) / d;  // exact: t ≡ q (mod d)
    r.in_w = q < g.in_w ? (g.in_w - q + d - 1) / d : 0;
    r.out_w = (g.out_w - px + d - 1) / d;
    r.in_step = static_cast<std::size_t>(d) * C;
    r.out_step = static_cast<std::size_t>(d) * C;
    in_offset = static_cast<std::size_t>(q) * C;
    out_offset = static_cast<std::size_t>(px) * C;
    // Interior columns: o·S − pad ≥ 0 and o·S − pad + 2 ≤ in_w − 1.
    r.x_lo = std::min(r.out_w, (r.pad_left + S - 1) / S);
    const int last = r.in_w - 3 + r.pad_left;
    r.x_hi = std::max(r.x_lo, last >= 0 ? std::min(r.out_w, last / S + 1) : 0);
}

}  // namespace detail

/// Output rows [y_begin, y_end) of a 3x3 depthwise convolution with stride S and
/// dilation g.dilation. Padding comes from the geometry (pad_top/pad_left;
/// bottom/right follow from the output size), so tf_same and symmetric are the same
/// code. Rows are independent; `rows` places them in band buffers (a ring of input
/// rows, a window of outputs).
template <class Arch, int S>
void dwconv3x3(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
               int y_begin, int y_end, RowWindow rows = {}) noexcept {
    static_assert(S == 1 || S == 2, "dwconv3x3: stride 1 or 2");
    const int d = g.dilation;
    const std::size_t C = static_cast<std::size_t>(g.in_c);
    const std::size_t in_row = static_cast<std::size_t>(g.in_w) * C, out_row = static_cast<std::size_t>(g.out_w) * C;
    const int phases = std::min(d, g.out_w);
    for (int oy = y_begin; oy < y_end; ++oy) {
        const int iy0 = oy * S - g.pad_top;
        int any = -1;
        bool valid[3];
        for (int ky = 0; ky < 3; ++ky) {
            valid[ky] = iy0 + ky * d >= 0 && iy0 + ky * d < g.in_h;
            if (valid[ky] && any < 0) any = iy0 + ky * d;
        }
        if (any < 0) any = std::clamp(iy0, 0, g.in_h - 1);  // no input row at all: every tap is zero
        const float* row_in[3];
        for (int ky = 0; ky < 3; ++ky)
            row_in[ky] = in + static_cast<std::size_t>(rows.in_row(valid[ky] ? iy0 + ky * d : any)) * in_row;
        const std::size_t out_at = static_cast<std::size_t>(oy - rows.out_first) * out_row;
        for (int px = 0; px < phases; ++px) {
            detail::DwRow r{};
            std::size_t in_offset = 0, out_offset = 0;
            detail::dwconv3x3_phase<S>(g, px, r, in_offset, out_offset);
            for (int ky = 0; ky < 3; ++ky) {
                r.valid[ky] = valid[ky];
                r.in[ky] = row_in[ky] + in_offset;
            }
            r.out = out + out_at + out_offset;
            r.residual = ep.residual ? ep.residual + out_at + out_offset : nullptr;
            detail::dwconv3x3_channels<Arch, S>(r, C, packed, 0, C, ep.min, ep.max);
        }
    }
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
