// Depthwise 3x3, stride 1 (dwconv3x3s1) and 2 (dwconv3x3s2), NHWC in/out, in_c == out_c,
// any dilation. Channel-vectorised: per output row (or pair of rows) and channel register
// the 9 taps and the bias sit in registers; the interior is walked in tiles of several
// pixels × (undilated rows on the image) two rows, with no bounds checks and each input
// column loaded once per tile, so a tile carries 8-12 independent FMA chains (dw_tile).
// Edge pixels clip their taps, and rows off the image get zero taps. Channel tails fall
// to narrower registers, then scalar.
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

/// Interior tile widths: a two-FMA core with 4-cycle FMA latency keeps 8+ independent
/// accumulators busy, so a tile holds `px` output pixels of `R` rows (R·px chains)
/// beside the 9 taps and one input column: 12 + 9 + 1 of 32 zmm, 6 + 9 + 1 of 16 ymm.
/// A narrower tile takes what is left of a row.
template <class Arch, int R>
struct dw_tile {
    static constexpr int px = R == 2 ? (is_avx512<Arch> ? 6 : 3) : (is_avx512<Arch> ? 8 : 6);
};

/// What every tile shares: the packed weights, their row stride and the clamp.
struct DwArgs {
    const float* packed;
    std::size_t prow;
    float lo, hi;
};

/// The 9 taps and bias of channel block c; taps of rows off the image are zero.
template <class Arch, int R>
MNET_SIMD_INLINE inline void dw_taps(const DwRow& r, const DwArgs& a, std::size_t c, typename vec<Arch>::type (&w)[9],
                                     typename vec<Arch>::type& bias) noexcept {
    using V = vec<Arch>;
    unroll<9>([&](auto t) MNET_SIMD_INLINE {
        const float* src = a.packed + (1 + t) * a.prow + c;
        if constexpr (R == 2)
            w[t] = V::load_aligned(src);  // a pair's rows are all on the image
        else
            w[t] = r.valid[t / 3] ? V::load_aligned(src) : V::zero();
    });
    bias = V::load_aligned(a.packed + c);
}

/// Clamp, residual, store of output pixel ox, channel block c.
template <class Arch>
MNET_SIMD_INLINE inline void dw_store(const DwRow& r, int ox, std::size_t c, typename vec<Arch>::type acc,
                                      typename vec<Arch>::type lo, typename vec<Arch>::type hi) noexcept {
    using V = vec<Arch>;
    const std::size_t o = static_cast<std::size_t>(ox) * r.out_step + c;
    acc = V::clamp(acc, lo, hi);
    if (r.residual) acc = acc + V::load(r.residual + o);
    V::store(r.out + o, acc);
}

/// Edge pixel ox of R rows, channels [c, c_end): taps clipped to the image columns (same
/// order as the reference). Channels left over (< one register) go to the next narrower arch.
template <class Arch, int S, int R>
inline void dw_edge(const DwRow* rows, const DwArgs& a, int ox, std::size_t c, std::size_t c_end) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    const DwRow& r0 = rows[0];
    const int ix0 = ox * S - r0.pad_left;
    const B lo = V::broadcast(a.lo), hi = V::broadcast(a.hi);  // here: the stores could alias a
    for (; c + V::size <= c_end; c += V::size) {
        B w[9], bias;
        dw_taps<Arch, R>(r0, a, c, w, bias);
        unroll<R>([&](auto r) MNET_SIMD_INLINE {
            B acc = bias;
            unroll<3>([&](auto ky) MNET_SIMD_INLINE {
                unroll<3>([&](auto kx) MNET_SIMD_INLINE {
                    const int ix = ix0 + kx;
                    if (ix >= 0 && ix < r0.in_w)
                        acc = V::fmadd(V::load(rows[r].in[ky] + static_cast<std::size_t>(ix) * r0.in_step + c),
                                       w[ky * 3 + kx], acc);
                });
            });
            dw_store<Arch>(rows[r], ox, c, acc, lo, hi);
        });
    }
    if constexpr (!std::is_same_v<Arch, scalar>)
        if (c < c_end) dw_edge<narrower_t<Arch>, S, R>(rows, a, ox, c, c_end);
}

/// N interior pixels from ox in each of R rows (R = 2: undilated rows whose six input
/// rows are all on the image, so one set of taps serves both), channels [c, c_end), the
/// channel loop inside so a tile streams through contiguous memory. Every input column
/// is loaded once per tile and feeds each (row, pixel) it is a tap of. Per pixel the
/// FMAs run in the reference's order (ky, then kx), so an output is bit-identical
/// whichever tile computes it.
template <class Arch, int S, int R, int N>
inline void dw_interior(const DwRow* rows, const DwArgs& a, int ox, std::size_t c, std::size_t c_end) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    constexpr int NC = (N - 1) * S + 3;  // input columns
    constexpr int NR = (R - 1) * S + 3;  // input rows: row r of the tile reads r·S … r·S + 2
    const DwRow& r0 = rows[0];
    const std::size_t base = static_cast<std::size_t>(ox * S - r0.pad_left) * r0.in_step;
    const B lo = V::broadcast(a.lo), hi = V::broadcast(a.hi);  // here: the stores could alias a
    for (; c + V::size <= c_end; c += V::size) {
        B w[9], bias;
        dw_taps<Arch, R>(r0, a, c, w, bias);
        B acc[R][N];
        unroll<R>([&](auto r) MNET_SIMD_INLINE { unroll<N>([&](auto p) MNET_SIMD_INLINE { acc[r][p] = bias; }); });
        unroll<NR>([&](auto k) MNET_SIMD_INLINE {
            constexpr int K = decltype(k)::value, rk = K < 3 ? 0 : 1;
            const float* src = rows[rk].in[K - rk * S] + base + c;
            unroll<NC>([&](auto j) MNET_SIMD_INLINE {
                constexpr int J = decltype(j)::value;
                const B x = V::load(src + static_cast<std::size_t>(J) * r0.in_step);
                unroll<R>([&](auto r) MNET_SIMD_INLINE {
                    constexpr int ky = K - decltype(r)::value * S;
                    if constexpr (ky >= 0 && ky < 3)
                        unroll<N>([&](auto p) MNET_SIMD_INLINE {
                            constexpr int kx = J - decltype(p)::value * S;
                            if constexpr (kx >= 0 && kx < 3) acc[r][p] = V::fmadd(x, w[ky * 3 + kx], acc[r][p]);
                        });
                });
            });
        });
        unroll<R>([&](auto r) MNET_SIMD_INLINE {
            unroll<N>([&](auto p) MNET_SIMD_INLINE { dw_store<Arch>(rows[r], ox + p, c, acc[r][p], lo, hi); });
        });
    }
    if constexpr (!std::is_same_v<Arch, scalar>)
        if (c < c_end) dw_interior<narrower_t<Arch>, S, R, N>(rows, a, ox, c, c_end);
}

/// Channels per pass along a row: a tile's loads stream through a group's 256 contiguous
/// bytes per pixel (no L1 set conflicts at power-of-two channel counts, as with one register
/// of channels at a time), while the row's input columns of the group stay in L1 for the
/// next tile.
inline constexpr std::size_t dwconv3x3_group = 64;

/// R output rows (one, or a pair as dw_interior describes), all channels in groups:
/// edge pixels, interior tiles of dw_tile's width, then one narrower tile for the rest.
template <class Arch, int S, int R>
inline void dwconv3x3_rows(const DwRow* rows, const DwArgs& a, std::size_t channels) noexcept {
    constexpr int P = dw_tile<Arch, R>::px;
    const DwRow& r0 = rows[0];
    for (std::size_t c0 = 0; c0 < channels; c0 += dwconv3x3_group) {
        const std::size_t c1 = std::min(channels, c0 + dwconv3x3_group);
        int ox = 0;
        for (; ox < r0.x_lo; ++ox) dw_edge<Arch, S, R>(rows, a, ox, c0, c1);
        for (; ox + P <= r0.x_hi; ox += P) dw_interior<Arch, S, R, P>(rows, a, ox, c0, c1);
        const int rest = r0.x_hi - ox;
        unroll<P - 1>([&](auto n) {
            if (rest == n + 1) dw_interior<Arch, S, R, decltype(n)::value + 1>(rows, a, ox, c0, c1);
        });
        for (ox = std::max(ox, r0.x_hi); ox < r0.out_w; ++ox) dw_edge<Arch, S, R>(rows, a, ox, c0, c1);
    }
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
    const detail::DwArgs args{packed, dwconv3x3_row(C), ep.min, ep.max};
    // Row oy's three input rows (an off-image one points at a valid row and gets zero taps)
    // and its place in the output.
    struct RowTaps {
        const float* in[3];
        bool valid[3];
        std::size_t out_at;
    };
    const auto taps = [&](int oy) {
        RowTaps t{};
        const int iy0 = oy * S - g.pad_top;
        int any = -1;
        for (int ky = 0; ky < 3; ++ky) {
            t.valid[ky] = iy0 + ky * d >= 0 && iy0 + ky * d < g.in_h;
            if (t.valid[ky] && any < 0) any = iy0 + ky * d;
        }
        if (any < 0) any = std::clamp(iy0, 0, g.in_h - 1);  // no input row at all: every tap is zero
        for (int ky = 0; ky < 3; ++ky)
            t.in[ky] = in + static_cast<std::size_t>(rows.in_row(t.valid[ky] ? iy0 + ky * d : any)) * in_row;
        t.out_at = static_cast<std::size_t>(oy - rows.out_first) * out_row;
        return t;
    };
    const auto all_valid = [](const RowTaps& t) { return t.valid[0] && t.valid[1] && t.valid[2]; };
    for (int oy = y_begin; oy < y_end;) {
        RowTaps t[2] = {taps(oy), {}};
        // Undilated rows on the image go in pairs: twice the accumulators per tile.
        int pair = 1;
        if (d == 1 && oy + 1 < y_end && all_valid(t[0])) {
            t[1] = taps(oy + 1);
            if (all_valid(t[1])) pair = 2;
        }
        for (int px = 0; px < phases; ++px) {
            detail::DwRow r[2]{};
            std::size_t in_offset = 0, out_offset = 0;
            detail::dwconv3x3_phase<S>(g, px, r[0], in_offset, out_offset);
            for (int i = 0; i < pair; ++i) {
                if (i > 0) r[i] = r[0];
                for (int ky = 0; ky < 3; ++ky) {
                    r[i].valid[ky] = t[i].valid[ky];
                    r[i].in[ky] = t[i].in[ky] + in_offset;
                }
                r[i].out = out + t[i].out_at + out_offset;
                r[i].residual = ep.residual ? ep.residual + t[i].out_at + out_offset : nullptr;
            }
            if (pair == 2)
                detail::dwconv3x3_rows<Arch, S, 2>(r, args, C);
            else
                detail::dwconv3x3_rows<Arch, S, 1>(r, args, C);
        }
        oy += pair;
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
