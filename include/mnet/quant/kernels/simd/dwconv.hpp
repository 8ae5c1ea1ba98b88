// DEPTHWISE_CONV_2D (depth multiplier 1, any kernel up to 25 taps, stride, dilation, padding) on int32
// lanes over channels, bit-identical to ref::depthwise_conv2d and with its signature (plus an output row
// range for threads): acc = Σ_taps inside (w + filter_offset)(x + input_offset), + bias, requantized.
// Channels go in chunks of 4 registers (64 on AVX-512, 32 on AVX2) whose weights and requantization
// constants are widened once per call onto the stack; each output pixel keeps 4 int32 accumulators in
// registers, products by vpmaddwd on int16 halves (|x + io|, |W'| ≤ 255 here). Interior pixels start
// from bias + io·ΣW'; border pixels skip the padding taps (the input zero point contributes 0), as
// the reference does. Other depth multipliers and kernels of more than 25 taps: the scalar loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"
#include "mnet/quant/kernels/simd/requantize.hpp"

namespace mnet::quant::simd {

/// Most taps (kh·kw) the SIMD depthwise kernels take on the stack; larger kernels run the scalar loop.
inline constexpr int dwconv_max_taps = 25;
/// Fewest output pixels per call for which the VNNI depthwise runs (below, the per-call layout of its
/// constants outweighs it: measured on Zen 5, 7x7 and 14x14 layers).
inline constexpr int dwconv_vnni_min_pixels = 256;

namespace detail {

/// The reference loop restricted to output rows [row_begin, row_end): the scalar twin, and the
/// fallback for depth multipliers other than 1 or kernels larger than dwconv_max_taps.
template <class T, class W>
void dwconv_scalar(const ref::ConvParams& p, ref::Nhwc in, const T* input, ref::Nhwc f, const W* filter,
                   const std::int32_t* bias, ref::Nhwc out, T* output, int row_begin, int row_end, int ic_begin = 0,
                   int ic_end = -1) noexcept {
    const int m = p.depth_multiplier;
    if (ic_end < 0) ic_end = in.c;
    for (int b = 0; b < out.n; ++b)
        for (int oy = row_begin; oy < row_end; ++oy)
            for (int ox = 0; ox < out.w; ++ox) {
                const int y0 = oy * p.stride_h - p.pad_top, x0 = ox * p.stride_w - p.pad_left;
                for (int ic = ic_begin; ic < ic_end; ++ic)
                    for (int j = 0; j < m; ++j) {
                        const int oc = ic * m + j;
                        std::uint32_t acc = 0;
                        for (int ky = 0; ky < f.h; ++ky) {
                            const int iy = y0 + p.dilation_h * ky;
                            if (iy < 0 || iy >= in.h) continue;
                            for (int kx = 0; kx < f.w; ++kx) {
                                const int ix = x0 + p.dilation_w * kx;
                                if (ix < 0 || ix >= in.w) continue;
                                const std::int32_t x = std::int32_t{input[in.at(b, iy, ix, ic)]} + p.input_offset;
                                const std::int32_t w = std::int32_t{filter[f.at(0, ky, kx, oc)]} + p.filter_offset;
                                acc += static_cast<std::uint32_t>(w) * static_cast<std::uint32_t>(x);
                            }
                        }
                        output[out.at(b, oy, ox, oc)] = ref::detail::requantize_accumulator<T>(acc, bias, oc, p);
                    }
            }
}

#if MNET_QSIMD_AVX2
/// One register of L int32 lanes: the AVX2 (L = 8) and AVX-512 (L = 16) operations the kernel needs.
template <int L>
struct Lanes;

template <>
struct Lanes<8> {
    using reg = __m256i;
    static reg zero() noexcept { return _mm256_setzero_si256(); }
    static reg set1(std::int32_t v) noexcept { return _mm256_set1_epi32(v); }
    static reg load32(const std::int32_t* p) noexcept { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
    /// `count` (≤ 8) activations widened to int32, zero past count.
    template <class T>
    static reg load_bytes(const T* p, int count) noexcept {
        __m128i b;
        if (count >= 8) {
            b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
        } else {
            std::int64_t tmp = 0;
            std::memcpy(&tmp, p, static_cast<std::size_t>(count));
            b = _mm_cvtsi64_si128(tmp);
        }
        if constexpr (std::is_signed_v<T>) return _mm256_cvtepi8_epi32(b);
        else return _mm256_cvtepu8_epi32(b);
    }
    static reg add(reg a, reg b) noexcept { return _mm256_add_epi32(a, b); }
    /// x·w for x in int16 range (any high half) and w with a zero high half: vpmaddwd, cheaper than vpmulld.
    static reg mul(reg a, reg b) noexcept { return _mm256_madd_epi16(a, b); }
    /// Requantizes and stores the first `count` channels of a chunk of 4 registers (one packed store).
    template <class T>
    MNET_QSIMD_INLINE static void store_chunk(T* out, const reg (&acc)[4], const RequantView& rq, int count) noexcept {
        reg y[4];
        unroll<4>([&](auto v) MNET_QSIMD_INLINE {
            y[v] = v * 8 < count ? requantize8(acc[v], rq, static_cast<std::size_t>(v * 8), false) : zero();
        });
        store_bytes(out, pack32<T>(y[0], y[1], y[2], y[3], _mm256_set1_epi8(static_cast<char>(rq.clamp_min)),
                                   _mm256_set1_epi8(static_cast<char>(rq.clamp_max))),
                    count);
    }
};
#endif

#if MNET_QSIMD_AVX512BW
template <>
struct Lanes<16> {
    using reg = __m512i;
    static reg zero() noexcept { return _mm512_setzero_si512(); }
    static reg set1(std::int32_t v) noexcept { return _mm512_set1_epi32(v); }
    static reg load32(const std::int32_t* p) noexcept { return _mm512_load_si512(p); }
    template <class T>
    static reg load_bytes(const T* p, int count) noexcept {
        const auto mask = static_cast<__mmask16>(count >= 16 ? 0xFFFF : (1u << count) - 1);
        const __m128i b = _mm_maskz_loadu_epi8(mask, p);
        if constexpr (std::is_signed_v<T>) return _mm512_maskz_cvtepi8_epi32(__mmask16(0xFFFF), b);  // maskz: GCC bug 105593
        else return _mm512_maskz_cvtepu8_epi32(__mmask16(0xFFFF), b);
    }
    static reg add(reg a, reg b) noexcept { return _mm512_add_epi32(a, b); }
    /// x·w for x in int16 range (any high half) and w with a zero high half: vpmaddwd, cheaper than vpmulld.
    static reg mul(reg a, reg b) noexcept { return _mm512_maskz_madd_epi16(__mmask16(0xFFFF), a, b); }
    /// Requantizes and stores the first `count` channels of a chunk of 4 registers (one packed store).
    template <class T>
    MNET_QSIMD_INLINE static void store_chunk(T* out, const reg (&acc)[4], const RequantView& rq, int count) noexcept {
        reg y[4];
        unroll<4>([&](auto v) MNET_QSIMD_INLINE {
            y[v] = v * 16 < count ? requantize16(acc[v], rq, static_cast<std::size_t>(v * 16), false) : zero();
        });
        store64(out, y[0], y[1], y[2], y[3], count, _mm512_set1_epi8(static_cast<char>(rq.clamp_min)),
                _mm512_set1_epi8(static_cast<char>(rq.clamp_max)));
    }
};
#endif

#if MNET_QSIMD_AVX2
/// One chunk of 4·L channels, widened onto the stack: weights per tap, bias (border pixels) and
/// bias + io·ΣW' (interior pixels), requantization constants, tap offsets.
template <int L>
struct DwChunk {
    static constexpr int channels = 4 * L;                        ///< channels per chunk
    alignas(64) std::int32_t wts[dwconv_max_taps][channels];      ///< W' per tap
    alignas(64) std::int32_t b0[channels];                        ///< bias
    alignas(64) std::int32_t b1[channels];                        ///< bias + io·Σ_taps W'
    alignas(64) std::int32_t mult[channels], lsh[channels], rsh[channels], rmask[channels];  ///< requantization
    alignas(64) std::int64_t pairs[pair_constants_size(channels)];  ///< merged-rounding constants
    std::ptrdiff_t offsets[dwconv_max_taps];                      ///< tap t from the top-left tap, in elements
    RequantView rq;                                               ///< views `mult`… with the op's scalars
};

/// Every output pixel of rows [row_begin, row_end) for the chunk at channel c0: NVC registers, the
/// last one full or masked to the chunk's `cw` channels.
template <int L, int NVC, bool Full, class T>
void dwconv_pixels(const DwChunk<L>& ch, const ref::ConvParams& p, ref::Nhwc in, const T* input, ref::Nhwc f,
                   ref::Nhwc out, T* output, int c0, int cw, int row_begin, int row_end) noexcept {
    using V = Lanes<L>;
    const int taps = f.h * f.w;
    const typename V::reg io = V::set1(p.input_offset);
    auto load = [&](const T* xp, auto v) MNET_QSIMD_INLINE {
        return V::template load_bytes<T>(xp + v * L, (Full || v + 1 < NVC) ? L : cw - v * L);
    };
    for (int b = 0; b < out.n; ++b)
        for (int oy = row_begin; oy < row_end; ++oy) {
            const int y0 = oy * p.stride_h - p.pad_top;
            const bool rows_inside = y0 >= 0 && y0 + (f.h - 1) * p.dilation_h < in.h;
            for (int ox = 0; ox < out.w; ++ox) {
                const int x0 = ox * p.stride_w - p.pad_left;
                typename V::reg acc[4];
                if (rows_inside && x0 >= 0 && x0 + (f.w - 1) * p.dilation_w < in.w) {
                    const T* corner = input + in.at(b, y0, x0, c0);
                    unroll<NVC>([&](auto v) MNET_QSIMD_INLINE { acc[v] = V::load32(ch.b1 + v * L); });
                    for (int t = 0; t < taps; ++t) {
                        const T* xp = corner + ch.offsets[t];
                        const std::int32_t* wt = ch.wts[t];
                        unroll<NVC>([&](auto v) MNET_QSIMD_INLINE {
                            acc[v] = V::add(acc[v], V::mul(load(xp, v), V::load32(wt + v * L)));
                        });
                    }
                } else {
                    unroll<NVC>([&](auto v) MNET_QSIMD_INLINE { acc[v] = V::load32(ch.b0 + v * L); });
                    for (int ky = 0; ky < f.h; ++ky) {
                        const int iy = y0 + p.dilation_h * ky;
                        if (iy < 0 || iy >= in.h) continue;
                        for (int kx = 0; kx < f.w; ++kx) {
                            const int ix = x0 + p.dilation_w * kx;
                            if (ix < 0 || ix >= in.w) continue;
                            const T* xp = input + in.at(b, iy, ix, c0);
                            const std::int32_t* wt = ch.wts[ky * f.w + kx];
                            unroll<NVC>([&](auto v) MNET_QSIMD_INLINE {
                                acc[v] = V::add(acc[v], V::mul(V::add(load(xp, v), io), V::load32(wt + v * L)));
                            });
                        }
                    }
                }
                unroll<4 - NVC>([&](auto v) MNET_QSIMD_INLINE { acc[NVC + v] = V::zero(); });
                V::template store_chunk<T>(output + out.at(b, oy, ox, c0), acc, ch.rq, cw);
            }
        }
}

template <int L, class T, class W>
void dwconv_lanes(const ref::ConvParams& p, ref::Nhwc in, const T* input, ref::Nhwc f, const W* filter,
                  const std::int32_t* bias, ref::Nhwc out, T* output, int row_begin, int row_end) noexcept {
    constexpr int CH = DwChunk<L>::channels;
    const int taps = f.h * f.w, C = out.c;
    DwChunk<L> ch;
    for (int t = 0; t < taps; ++t)
        ch.offsets[t] = static_cast<std::ptrdiff_t>(in.at(0, (t / f.w) * p.dilation_h, (t % f.w) * p.dilation_w, 0));
    ch.rq = RequantView{ch.mult, ch.lsh, ch.rsh, ch.rmask, p.output_offset, p.clamp.min, p.clamp.max};
    for (int c0 = 0; c0 < C; c0 += CH) {
        const int cw = std::min(CH, C - c0);
        // Contiguous loops (the filter is [taps][C]): the compiler vectorizes them, and they run once per
        // chunk, which matters when the image is as small as 7x7.
        for (int j = 0; j < CH; ++j) {
            const bool live = j < cw;
            const QuantizedMultiplier m =
                live ? p.multipliers[p.multipliers.size() == 1 ? 0 : static_cast<std::size_t>(c0 + j)] : QuantizedMultiplier{};
            ch.mult[j] = m.multiplier;
            ch.lsh[j] = std::max(m.shift, 0);
            ch.rsh[j] = std::max(-m.shift, 0);
            ch.rmask[j] = static_cast<std::int32_t>((std::int64_t{1} << ch.rsh[j]) - 1);
            ch.b0[j] = live && bias ? bias[c0 + j] : 0;
        }
        std::uint32_t sum[CH] = {};
        std::int64_t lo = 0, hi = 0;
        for (int t = 0; t < taps; ++t) {
            const W* src = filter + static_cast<std::size_t>(t) * static_cast<std::size_t>(C) + static_cast<std::size_t>(c0);
            for (int j = 0; j < cw; ++j) {
                const std::int64_t w = std::int64_t{src[j]} + p.filter_offset;
                lo = std::min(lo, w);
                hi = std::max(hi, w);
                ch.wts[t][j] = static_cast<std::int32_t>(w & 0xFFFF);  // int16 in the low half (see Lanes::mul)
                sum[j] += static_cast<std::uint32_t>(w);
            }
            for (int j = cw; j < CH; ++j) ch.wts[t][j] = 0;
        }
        if (lo < -32768 || hi > 32767) {  // W' beyond int16 (not from a TFLite file): this chunk in scalar
            dwconv_scalar(p, in, input, f, filter, bias, out, output, row_begin, row_end, c0, c0 + cw);
            continue;
        }
        // Interior pixels (every tap inside) start from bias + io·Σ_taps W' and skip the offset adds.
        for (int j = 0; j < CH; ++j)
            ch.b1[j] = static_cast<std::int32_t>(static_cast<std::uint32_t>(ch.b0[j]) + static_cast<std::uint32_t>(p.input_offset) * sum[j]);
        const RequantFlags flags = requant_flags(ch.mult, ch.lsh, ch.rsh, CH, p);
        ch.rq.left_shifts = flags.left_shifts;
        ch.rq.saturation = flags.saturation;
        ch.rq.floor_at_zero = flags.floor_at_zero;
        ch.rq.dword_shift = flags.dword_shift;
        pair_constants(ch.mult, ch.rsh, CH, ch.pairs);
        ch.rq.pairs = ch.pairs;
        const int nv = (cw + L - 1) / L;
        const bool full = cw == nv * L;
        auto run = [&]<int NVC>(std::integral_constant<int, NVC>) {
            if (full) dwconv_pixels<L, NVC, true>(ch, p, in, input, f, out, output, c0, cw, row_begin, row_end);
            else dwconv_pixels<L, NVC, false>(ch, p, in, input, f, out, output, c0, cw, row_begin, row_end);
        };
        switch (nv) {
            case 1: run(std::integral_constant<int, 1>{}); break;
            case 2: run(std::integral_constant<int, 2>{}); break;
            case 3: run(std::integral_constant<int, 3>{}); break;
            default: run(std::integral_constant<int, 4>{}); break;
        }
    }
}
#endif

#if MNET_QSIMD_AVX512VNNI
/// 3x3, dilation 1, on vpdpbusd: the three rows of one input column go into the bytes of a dword (the
/// fourth is 0), so one vpdpbusd multiplies a column by its three taps for 16 channels, and a column built
/// once serves every output pixel that reads it (3 at stride 1). Activations enter as unsigned bytes u
/// (x, or x ^ 0x80 = x + 128 for int8) against signed weights q = W' − d: Σ W'(x + io) = Σ q·u + d·Σ u
/// + (io − 128·[int8])·Σ W', the last term constant per channel; padding taps read the byte whose x is
/// −io, so they contribute 0 as the reference's skipped taps do and every pixel runs the same code.
/// Unpacking bytes then words within 128-bit lanes leaves channels 16l + 4v … 16l + 4v + 3 in lane l of
/// vector v; weights and requantization constants are stored in that order, and the packs of store64
/// bring the bytes back to channel order.
struct DwVnniChunk {
    static constexpr int channels = 64;  ///< channels per chunk
    static constexpr int block = 32;     ///< output pixels per column buffer
    alignas(64) std::uint8_t wq[3][4][64];  ///< per kx, per vector: bytes q(ky = 0, 1, 2), 0
    alignas(64) std::uint8_t dv[4][64];     ///< bytes d, d, d, 0
    alignas(64) std::int32_t cterm[channels];                                          ///< bias + (io − 128·[int8])·ΣW'
    alignas(64) std::int32_t mult[channels], lsh[channels], rsh[channels], rmask[channels];  ///< requantization
    alignas(64) std::int64_t pairs[pair_constants_size(channels)];                    ///< merged-rounding constants
    bool has_d = false;                                                                ///< some d ≠ 0
    bool left_shifts = false;                                                          ///< some channel shifts left
    bool saturation = false;                                                           ///< some multiplier is INT32_MIN
    bool floor_at_zero = false;                                                        ///< see RequantView::floor_at_zero
    /// C ≤ 32: channels 32 + j repeat channel j, so one pass computes two output rows (the lower 32 bytes
    /// of every vector from one, the upper from the next) instead of leaving half of each vector empty.
    bool paired = false;

    /// The requantization view of this chunk with `p`'s output offset and clamp (built where it is used,
    /// so a chunk can be copied or moved, as in a std::vector).
    RequantView view(const ref::ConvParams& p) const noexcept {
        RequantView rq{mult, lsh, rsh, rmask, p.output_offset, p.clamp.min, p.clamp.max};
        rq.left_shifts = left_shifts;
        rq.saturation = saturation;
        rq.pairs = pairs;
        rq.floor_at_zero = floor_at_zero;
        return rq;
    }
};

/// The lane position of channel j of a chunk (see DwVnniChunk).
constexpr int dw_vnni_pos(int j) noexcept { return (j % 16 / 4) * 16 + (j / 16) * 4 + j % 4; }

/// Prepares chunk c0 (cw channels; `paired`: cw ≤ 32, each channel twice, see DwVnniChunk::paired);
/// false when a channel's W' spans more than a signed byte plus d.
template <class T, class W>
bool dw_vnni_prepare(DwVnniChunk& ch, const ref::ConvParams& p, const W* filter, const std::int32_t* bias, int C, int c0,
                     int cw, bool paired = false) noexcept {
    std::memset(ch.wq, 0, sizeof ch.wq);
    std::memset(ch.dv, 0, sizeof ch.dv);
    ch.has_d = false;
    ch.paired = paired;
    const std::int32_t io_term = p.input_offset - (std::is_signed_v<T> ? 128 : 0);
    for (int j = 0; j < DwVnniChunk::channels; ++j) {
        const int pos = dw_vnni_pos(j), v = pos / 16, byte = (pos % 16) * 4;
        const int jc = paired ? j % 32 : j;
        if (jc >= cw) {
            ch.cterm[pos] = ch.mult[pos] = ch.lsh[pos] = ch.rsh[pos] = ch.rmask[pos] = 0;
            continue;
        }
        const int c = c0 + jc;
        std::int64_t w[9], lo = 0, hi = 0;
        std::uint32_t sum = 0;
        for (int t = 0; t < 9; ++t) {
            w[t] = std::int64_t{filter[static_cast<std::size_t>(t) * static_cast<std::size_t>(C) + static_cast<std::size_t>(c)]} + p.filter_offset;
            lo = t == 0 ? w[t] : std::min(lo, w[t]);
            hi = t == 0 ? w[t] : std::max(hi, w[t]);
            sum += static_cast<std::uint32_t>(w[t]);
        }
        const std::int64_t d = hi > 127 ? hi - 127 : (lo < -128 ? lo + 128 : 0);
        if (d > 127 || d < -128 || lo - d < -128 || hi - d > 127) return false;
        ch.has_d = ch.has_d || d != 0;
        for (int t = 0; t < 9; ++t)
            ch.wq[t % 3][v][byte + t / 3] = static_cast<std::uint8_t>(static_cast<std::int8_t>(w[t] - d));
        for (int r = 0; r < 3; ++r) ch.dv[v][byte + r] = static_cast<std::uint8_t>(static_cast<std::int8_t>(d));
        ch.cterm[pos] = static_cast<std::int32_t>(static_cast<std::uint32_t>(bias ? bias[c] : 0) +
                                                  static_cast<std::uint32_t>(io_term) * sum);
        const QuantizedMultiplier m = p.multipliers[p.multipliers.size() == 1 ? 0 : static_cast<std::size_t>(c)];
        ch.mult[pos] = m.multiplier;
        ch.lsh[pos] = std::max(m.shift, 0);
        ch.rsh[pos] = std::max(-m.shift, 0);
        ch.rmask[pos] = static_cast<std::int32_t>((std::int64_t{1} << ch.rsh[pos]) - 1);
    }
    pair_constants(ch.mult, ch.rsh, DwVnniChunk::channels, ch.pairs);
    // Positions of absent channels hold zero constants, which set no flag (see floor_at_zero_exact).
    const RequantFlags flags = requant_flags(ch.mult, ch.lsh, ch.rsh, DwVnniChunk::channels, p);
    ch.left_shifts = flags.left_shifts;
    ch.saturation = flags.saturation;
    ch.floor_at_zero = flags.floor_at_zero;
    return true;
}

/// Output rows [row_begin, row_end) of one prepared chunk whose requantization takes mode M; Paired
/// (ch.paired): two rows per pass, the second one's input and output in the vectors' upper 32 bytes.
template <bool HasD, RequantMode M, bool Paired, class T>
void dw_vnni_rows(const DwVnniChunk& ch, const ref::ConvParams& p, ref::Nhwc in, const T* input, ref::Nhwc out,
                  T* output, int c0, int cw, int row_begin, int row_end) noexcept {
    constexpr int B = DwVnniChunk::block;
    const auto mask = static_cast<__mmask64>(cw >= 64 ? ~__mmask64{0} : (__mmask64{1} << cw) - 1);
    const auto mask32 = static_cast<__mmask32>(mask);  // Paired: cw ≤ 32
    const __m512i flip = _mm512_set1_epi8(std::is_signed_v<T> ? static_cast<char>(0x80) : 0);
    const __m512i pad = _mm512_xor_si512(_mm512_set1_epi8(static_cast<char>(-p.input_offset)), flip);
    const __m256i pad_bytes = _mm256_set1_epi8(static_cast<char>(-p.input_offset));
    const __m512i zero = _mm512_setzero_si512();
    const RequantView rq = ch.view(p);
    const __m512i lo = _mm512_set1_epi8(static_cast<char>(rq.clamp_min)), hi = _mm512_set1_epi8(static_cast<char>(rq.clamp_max));
    __m512i wq[3][4];
    unroll<3>([&](auto kx) MNET_QSIMD_INLINE { unroll<4>([&](auto v) MNET_QSIMD_INLINE { wq[kx][v] = _mm512_load_si512(ch.wq[kx][v]); }); });
    alignas(64) std::uint8_t cols[(B - 1) * 2 + 3][4][64];
    for (int b = 0; b < out.n; ++b)
        for (int oy = row_begin; oy < row_end; oy += Paired ? 2 : 1) {
            const bool second = Paired && oy + 1 < row_end;  // the pass's upper half is an output row
            const T* rows[3];
            const T* rows2[3];  // Paired: the input rows of output row oy + 1 (null: padding or no such row)
            for (int r = 0; r < 3; ++r) {
                const int iy = oy * p.stride_h - p.pad_top + r, iy2 = iy + p.stride_h;
                rows[r] = iy >= 0 && iy < in.h ? input + in.at(b, iy, 0, c0) : nullptr;
                rows2[r] = second && iy2 >= 0 && iy2 < in.h ? input + in.at(b, iy2, 0, c0) : nullptr;
            }
            for (int ox0 = 0; ox0 < out.w; ox0 += B) {
                const int nb = std::min(B, out.w - ox0);
                const int ix0 = ox0 * p.stride_w - p.pad_left, ncols = (nb - 1) * p.stride_w + 3;
                for (int j = 0; j < ncols; ++j) {
                    const int ix = ix0 + j;
                    const bool inside = ix >= 0 && ix < in.w;
                    __m512i r3[3];
                    const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(ix) * in.c;
                    for (int r = 0; r < 3; ++r) {
                        if constexpr (Paired) {
                            const __m256i a = inside && rows[r] ? _mm256_maskz_loadu_epi8(mask32, rows[r] + at) : pad_bytes;
                            const __m256i c = inside && rows2[r] ? _mm256_maskz_loadu_epi8(mask32, rows2[r] + at) : pad_bytes;
                            // Two broadcasts, not a cast and an insert: GCC 12 warns on their undefined operand (bug 105593).
                            r3[r] = _mm512_xor_si512(_mm512_mask_broadcast_i64x4(_mm512_maskz_broadcast_i64x4(__mmask8(0x0F), a), __mmask8(0xF0), c), flip);
                        } else {
                            r3[r] = inside && rows[r] ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, rows[r] + at), flip) : pad;
                        }
                    }
                    const __m512i l01 = _mm512_unpacklo_epi8(r3[0], r3[1]), h01 = _mm512_unpackhi_epi8(r3[0], r3[1]);
                    const __m512i l2 = _mm512_unpacklo_epi8(r3[2], zero), h2 = _mm512_unpackhi_epi8(r3[2], zero);
                    _mm512_store_si512(cols[j][0], _mm512_unpacklo_epi16(l01, l2));
                    _mm512_store_si512(cols[j][1], _mm512_unpackhi_epi16(l01, l2));
                    _mm512_store_si512(cols[j][2], _mm512_unpacklo_epi16(h01, h2));
                    _mm512_store_si512(cols[j][3], _mm512_unpackhi_epi16(h01, h2));
                }
                for (int i = 0; i < nb; ++i) {
                    const int j0 = i * p.stride_w;
                    __m512i acc[4];
                    unroll<4>([&](auto v) MNET_QSIMD_INLINE { acc[v] = _mm512_load_si512(ch.cterm + 16 * v); });
                    unroll<3>([&](auto kx) MNET_QSIMD_INLINE {
                        unroll<4>([&](auto v) MNET_QSIMD_INLINE {
                            const __m512i col = _mm512_load_si512(cols[j0 + kx][v]);
                            dpbusd(acc[v], col, wq[kx][v]);
                            if constexpr (HasD) dpbusd(acc[v], col, _mm512_load_si512(ch.dv[v]));
                        });
                    });
                    __m512i y[4];
                    unroll<4>([&](auto v) MNET_QSIMD_INLINE { y[v] = requantize16_as<M>(acc[v], rq, static_cast<std::size_t>(16 * v), false); });
                    if constexpr (Paired) {
                        const __m512i bytes = pack64<T, false>(y[0], y[1], y[2], y[3], lo, hi);
                        _mm512_mask_storeu_epi8(output + out.at(b, oy, ox0 + i, c0), mask, bytes);  // mask: the lower cw ≤ 32 bytes
                        if (second)
                            _mm256_mask_storeu_epi8(output + out.at(b, oy + 1, ox0 + i, c0), mask32,
                                                    _mm512_maskz_extracti64x4_epi64(__mmask8(0xF), bytes, 1));
                    } else {
                        store64<T, false>(output + out.at(b, oy, ox0 + i, c0), y[0], y[1], y[2], y[3], cw, lo, hi);
                    }
                }
            }
        }
}

/// Whether every channel's W' spans at most a signed byte plus a signed byte d (what the VNNI kernel needs).
template <class W>
bool dw_vnni_fits(const ref::ConvParams& p, const W* filter, int C) noexcept {
    for (int c = 0; c < C; ++c) {
        std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
        for (int t = 0; t < 9; ++t) {
            const std::int64_t w = std::int64_t{filter[static_cast<std::size_t>(t) * static_cast<std::size_t>(C) + static_cast<std::size_t>(c)]};
            lo = std::min(lo, w);
            hi = std::max(hi, w);
        }
        lo += p.filter_offset;
        hi += p.filter_offset;
        const std::int64_t d = hi > 127 ? hi - 127 : (lo < -128 ? lo + 128 : 0);
        if (d > 127 || d < -128 || lo - d < -128) return false;
    }
    return true;
}

/// Output rows [row_begin, row_end) of one prepared chunk at channel c0.
template <class T>
void dw_vnni_chunk_rows(const DwVnniChunk& ch, const ref::ConvParams& p, ref::Nhwc in, const T* input, ref::Nhwc out,
                        T* output, int c0, int row_begin, int row_end) noexcept {
    const int cw = std::min(DwVnniChunk::channels, out.c - c0);
    const auto run = [&]<RequantMode M>(std::integral_constant<RequantMode, M>) {
        if (ch.paired) {
            if (ch.has_d) dw_vnni_rows<true, M, true>(ch, p, in, input, out, output, c0, cw, row_begin, row_end);
            else dw_vnni_rows<false, M, true>(ch, p, in, input, out, output, c0, cw, row_begin, row_end);
        } else if (ch.has_d) {
            dw_vnni_rows<true, M, false>(ch, p, in, input, out, output, c0, cw, row_begin, row_end);
        } else {
            dw_vnni_rows<false, M, false>(ch, p, in, input, out, output, c0, cw, row_begin, row_end);
        }
    };
    switch (requant_mode(ch.view(p))) {
        case RequantMode::floor_at_zero: run(std::integral_constant<RequantMode, RequantMode::floor_at_zero>{}); break;
        case RequantMode::merged: run(std::integral_constant<RequantMode, RequantMode::merged>{}); break;
        default: run(std::integral_constant<RequantMode, RequantMode::general>{}); break;
    }
}

/// The VNNI depthwise over every chunk, laid out on the stack; false (nothing written) when some chunk
/// does not fit it.
template <class T, class W>
bool dwconv_vnni(const ref::ConvParams& p, ref::Nhwc in, const T* input, const W* filter, const std::int32_t* bias,
                 ref::Nhwc out, T* output, int row_begin, int row_end) noexcept {
    const int C = out.c;
    if (!dw_vnni_fits(p, filter, C)) return false;  // all or nothing
    DwVnniChunk ch;
    for (int c0 = 0; c0 < C; c0 += DwVnniChunk::channels) {
        if (!dw_vnni_prepare<T>(ch, p, filter, bias, C, c0, std::min(DwVnniChunk::channels, C - c0))) return false;  // not reached
        dw_vnni_chunk_rows(ch, p, in, input, out, output, c0, row_begin, row_end);
    }
    return true;
}
#endif

/// Whether the VNNI column kernel can run `p` at all: depth multiplier 1, 3x3, dilation 1, and the padding
/// byte (x = −io) a T.
template <class T>
bool dw_vnni_geometry(const ref::ConvParams& p, ref::Nhwc filter_shape) noexcept {
    return p.depth_multiplier == 1 && filter_shape.h == 3 && filter_shape.w == 3 && p.dilation_h == 1 &&
           p.dilation_w == 1 && -p.input_offset >= std::numeric_limits<T>::min() &&
           -p.input_offset <= std::numeric_limits<T>::max();
}

}  // namespace detail

/// DEPTHWISE_CONV_2D on Isa, output rows [row_begin, row_end) of every batch: the arguments are those of
/// ref::depthwise_conv2d (T = uint8/int8; W = uint8/int8, or int16 with the zero point subtracted).
/// Never allocates or throws.
template <class Isa, class T, class W>
void depthwise_conv2d(const ref::ConvParams& p, ref::Nhwc in_shape, const T* input, ref::Nhwc filter_shape,
                      const W* filter, const std::int32_t* bias, ref::Nhwc out_shape, T* output, int row_begin,
                      int row_end) noexcept {
    // vpmaddwd takes x + io as int16: |io| stays ≤ 32767 − 255 (a zero point is within 0…255 or −128…127).
    [[maybe_unused]] const bool vector_ok = p.depth_multiplier == 1 && filter_shape.h * filter_shape.w <= dwconv_max_taps &&
                                            p.input_offset >= -32512 && p.input_offset <= 32512;
#if MNET_QSIMD_AVX512VNNI
    // vpdpbusd on columns. Its constants are laid out per call here, which costs more than it saves below
    // ~256 output pixels (7x7 and 14x14 layers); pack_depthwise lays them out once.
    if constexpr (std::is_same_v<Isa, avx512_vnni_isa>) {
        if (vector_ok && detail::dw_vnni_geometry<T>(p, filter_shape) &&
            (row_end - row_begin) * out_shape.w * out_shape.n >= dwconv_vnni_min_pixels &&
            detail::dwconv_vnni(p, in_shape, input, filter, bias, out_shape, output, row_begin, row_end))
            return;
    }
#endif
#if MNET_QSIMD_AVX512BW
    if constexpr (std::is_same_v<Isa, avx512bw_isa> || std::is_same_v<Isa, avx512_vnni_isa>) {
        if (vector_ok)
            return detail::dwconv_lanes<16>(p, in_shape, input, filter_shape, filter, bias, out_shape, output,
                                            row_begin, row_end);
    }
#endif
#if MNET_QSIMD_AVX2
    if constexpr (std::is_same_v<Isa, avx2_isa> || std::is_same_v<Isa, avx2_vnni_isa>) {
        if (vector_ok)
            return detail::dwconv_lanes<8>(p, in_shape, input, filter_shape, filter, bias, out_shape, output, row_begin,
                                           row_end);
    }
#endif
    detail::dwconv_scalar(p, in_shape, input, filter_shape, filter, bias, out_shape, output, row_begin, row_end);
}

/// A depthwise op's constants laid out once, at load, for the kernel this build runs (the VNNI column
/// kernel's 64-channel chunks; empty when it cannot take the op, which then runs as without packing).
struct PackedDepthwise {
#if MNET_QSIMD_AVX512VNNI
    std::vector<detail::DwVnniChunk> vnni;  ///< one chunk per 64 channels, or empty
#endif
    bool signed_input = false;  ///< packed for int8 activations
};

/// Packs a depthwise op of `p` (filter [1, kh, kw, C] as ref::depthwise_conv2d takes it, `bias` C values or
/// null) for activations of type T. Called once, at load.
template <class T, class W>
PackedDepthwise pack_depthwise([[maybe_unused]] const ref::ConvParams& p, [[maybe_unused]] ref::Nhwc filter_shape,
                               [[maybe_unused]] const W* filter, [[maybe_unused]] const std::int32_t* bias) {
    PackedDepthwise pk;
    pk.signed_input = std::is_signed_v<T>;
#if MNET_QSIMD_AVX512VNNI
    const int C = filter_shape.c;
    if (detail::dw_vnni_geometry<T>(p, filter_shape) && detail::dw_vnni_fits(p, filter, C)) {
        pk.vnni.resize(static_cast<std::size_t>((C + detail::DwVnniChunk::channels - 1) / detail::DwVnniChunk::channels));
        for (std::size_t i = 0; i < pk.vnni.size(); ++i) {
            const int c0 = static_cast<int>(i) * detail::DwVnniChunk::channels;
            // C ≤ 32 (the 112x112x32 layer of V1 and V2): one paired chunk computes two rows per pass.
            detail::dw_vnni_prepare<T>(pk.vnni[i], p, filter, bias, C, c0, std::min(detail::DwVnniChunk::channels, C - c0), C <= 32);
        }
    }
#endif
    return pk;
}

/// DEPTHWISE_CONV_2D with `packed` from pack_depthwise<T> of the same op: the packed kernel where there is
/// one (every size: nothing is laid out per call), else the unpacked entry point on the best variant.
template <class Isa, class T, class W>
void depthwise_conv2d([[maybe_unused]] const PackedDepthwise& packed, const ref::ConvParams& p, ref::Nhwc in_shape,
                      const T* input, ref::Nhwc filter_shape, const W* filter, const std::int32_t* bias, ref::Nhwc out_shape,
                      T* output, int row_begin, int row_end) noexcept {
#if MNET_QSIMD_AVX512VNNI
    if constexpr (std::is_same_v<Isa, avx512_vnni_isa>) {
        if (!packed.vnni.empty() && packed.signed_input == std::is_signed_v<T>) {
            for (std::size_t i = 0; i < packed.vnni.size(); ++i)
                detail::dw_vnni_chunk_rows(packed.vnni[i], p, in_shape, input, out_shape, output,
                                           static_cast<int>(i) * detail::DwVnniChunk::channels, row_begin, row_end);
            return;
        }
    }
#endif
    depthwise_conv2d<Isa>(p, in_shape, input, filter_shape, filter, bias, out_shape, output, row_begin, row_end);
}

/// All output rows: a drop-in for ref::depthwise_conv2d.
template <class Isa, class T, class W>
void depthwise_conv2d(const ref::ConvParams& p, ref::Nhwc in_shape, const T* input, ref::Nhwc filter_shape,
                      const W* filter, const std::int32_t* bias, ref::Nhwc out_shape, T* output) noexcept {
    depthwise_conv2d<Isa>(p, in_shape, input, filter_shape, filter, bias, out_shape, output, 0, out_shape.h);
}

}  // namespace mnet::quant::simd
