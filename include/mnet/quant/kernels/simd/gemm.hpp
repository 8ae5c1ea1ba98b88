// 1x1 CONV_2D and FULLY_CONNECTED as an integer GEMM: out[M×N] = requant(Σ_k W'[n][k]·(x[m][k] + io) + bias[n]),
// bit-identical to ref::conv2d (1x1, stride 1, no padding) and ref::fully_connected, W' = w + filter_offset.
// The input (M rows of K bytes, NHWC) is used as is; pack_gemm packs W' once as bytes q = W' − d (s8 for
// uint8 activations, u8 for int8 ones, so vpdpbusd's unsigned operand is always the right one) in panels
// of 64 columns (the last one 16·⌈r/16⌉ wide): for each group of 4 k, 64 columns × 4 bytes. Then
// Σ W'x = Σ qx + d·Σx: the row sum term is added per pixel, the column term bias + io·ΣW' is precomputed.
// Tiles: 6×64 (AVX512-VNNI, 24 zmm accumulators), 8×8 (AVX2 vpmaddwd) and 6×16 (256-bit vpdpbusd).
#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"
#include "mnet/quant/kernels/simd/requantize.hpp"

namespace mnet::quant::simd {

/// Weights of a 1x1 convolution or fully-connected op packed for gemm(), with every zero-point term.
struct PackedGemm {
    static constexpr int panel_columns = 64;  ///< columns per panel (the last may be narrower)
    int k = 0;                                ///< input channels
    int n = 0;                                ///< output channels
    int groups = 0;                           ///< ⌈k / 4⌉ groups of 4 bytes
    int padded_n = 0;                         ///< n rounded up to 16
    bool signed_input = false;                ///< int8 activations: q is stored unsigned
    bool fits_bytes = true;                   ///< false: W' spans more than 256 values; gemm runs `wide` in scalar
    std::int32_t row_factor = 0;              ///< d: the per-pixel term is d · Σ_k x
    std::vector<std::uint8_t> weights;        ///< the panels (q's bits)
    std::vector<std::int32_t> column_offset;  ///< bias + io·Σ_k W' per column (mod 2^32), padded_n values
    std::vector<std::int32_t> wide;           ///< W' as N×K int32, only when !fits_bytes
    RequantTable requant;                     ///< multipliers, shifts, output zero point, clamp

    /// Number of panels.
    int panels() const noexcept { return (n + panel_columns - 1) / panel_columns; }
    /// Columns of panel `p` (a multiple of 16).
    int panel_width(int p) const noexcept { return std::min(panel_columns, padded_n - panel_columns * p); }
    /// Byte offset of panel `p` (all earlier panels are full).
    std::size_t panel_offset(int p) const noexcept {
        return static_cast<std::size_t>(p) * static_cast<std::size_t>(groups) * panel_columns * 4;
    }
};

/// Packs `weights` ([n][k], the layout of a 1x1 conv filter [Cout,1,1,Cin] and of FULLY_CONNECTED; uint8,
/// int8, or int16 with the zero point already subtracted) with `p`'s offsets, multipliers and clamp, and
/// `bias` (n values or null), for activations of type T. Called once, at load; the result is read-only.
template <class T, class W>
PackedGemm pack_gemm(const ref::ConvParams& p, int k, int n, const W* weights, const std::int32_t* bias) {
    static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t>);
    PackedGemm g;
    g.k = k;
    g.n = n;
    g.groups = (k + 3) / 4;
    g.padded_n = (n + 15) / 16 * 16;
    g.signed_input = std::is_signed_v<T>;
    const auto at = [k](int o, int i) { return static_cast<std::size_t>(o) * static_cast<std::size_t>(k) + static_cast<std::size_t>(i); };
    std::int64_t lo = 0, hi = 0;
    g.column_offset.assign(static_cast<std::size_t>(g.padded_n), 0);
    for (int o = 0; o < n; ++o) {
        std::uint32_t sum = 0;
        for (int i = 0; i < k; ++i) {
            const std::int64_t w = std::int64_t{weights[at(o, i)]} + p.filter_offset;
            lo = (o == 0 && i == 0) ? w : std::min(lo, w);
            hi = (o == 0 && i == 0) ? w : std::max(hi, w);
            sum += static_cast<std::uint32_t>(w);
        }
        g.column_offset[static_cast<std::size_t>(o)] = static_cast<std::int32_t>(
            static_cast<std::uint32_t>(bias ? bias[o] : 0) + static_cast<std::uint32_t>(p.input_offset) * sum);
    }
    g.fits_bytes = hi - lo <= 255;
    // q must be u8 (int8 input) or s8 (uint8 input); d = 0 skips the row sums when W' already fits.
    if (g.signed_input) g.row_factor = static_cast<std::int32_t>(lo);
    else g.row_factor = (lo >= -128 && hi <= 127) ? 0 : static_cast<std::int32_t>(hi - 127);
    if (!g.fits_bytes) {
        g.row_factor = 0;
        g.wide.resize(at(n, 0));
        for (std::size_t i = 0; i < g.wide.size(); ++i)
            g.wide[i] = static_cast<std::int32_t>(std::int64_t{weights[i]} + p.filter_offset);
    } else {
        g.weights.assign(static_cast<std::size_t>(g.groups) * static_cast<std::size_t>(g.padded_n) * 4, 0);
        for (int o = 0; o < n; ++o) {
            const int panel = o / PackedGemm::panel_columns, j = o % PackedGemm::panel_columns;
            const auto pw = static_cast<std::size_t>(g.panel_width(panel));
            for (int i = 0; i < k; ++i) {
                const std::int64_t q = std::int64_t{weights[at(o, i)]} + p.filter_offset - g.row_factor;
                g.weights[g.panel_offset(panel) + (static_cast<std::size_t>(i / 4) * pw + static_cast<std::size_t>(j)) * 4 +
                          static_cast<std::size_t>(i % 4)] = static_cast<std::uint8_t>(q & 0xFF);
            }
        }
    }
    g.requant = make_requant_table(p, n, g.padded_n);
    return g;
}

namespace detail {

/// The row sums' instruction set: plain C++ or AVX2 (the AVX2 tiles call the AVX2 sums, so they are tested
/// on an AVX-512 machine too; the AVX-512 tiles sum 8 rows at once, row_terms8_avx512).
enum class SumIsa { scalar, avx2 };

/// Σ x over one row of k activations (mod 2^32). No copy through the stack for the tail: a store
/// followed by a wider load stalls store forwarding, and at K = 24 that stall cost as much as the tile.
template <class T, SumIsa I = SumIsa::scalar>
inline std::uint32_t row_sum(const T* x, int k) noexcept {
    std::uint32_t s = 0;
    int i = 0;
#if MNET_QSIMD_AVX2
    if constexpr (I != SumIsa::scalar) {
        const __m256i flip = _mm256_set1_epi8(std::is_signed_v<T> ? static_cast<char>(0x80) : 0);
        __m256i acc = _mm256_setzero_si256();
        for (; i + 32 <= k; i += 32) {
            const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), flip);
            acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, _mm256_setzero_si256()));
        }
        // 8 bytes at a time below 32, flipping only the 8 loaded ones.
        const __m128i flip8 = _mm_set_epi64x(0, std::is_signed_v<T> ? static_cast<std::int64_t>(0x8080808080808080ull) : 0);
        __m128i acc8 = _mm_setzero_si128();
        for (; i + 8 <= k; i += 8)
            acc8 = _mm_add_epi64(acc8, _mm_sad_epu8(_mm_xor_si128(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i)), flip8),
                                                    _mm_setzero_si128()));
        const __m128i h = _mm_add_epi64(_mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1)), acc8);
        s = static_cast<std::uint32_t>(_mm_cvtsi128_si64(_mm_add_epi64(h, _mm_unpackhi_epi64(h, h))));
        if constexpr (std::is_signed_v<T>) s -= 128u * static_cast<std::uint32_t>(i);
    }
#endif
    for (; i < k; ++i) s += static_cast<std::uint32_t>(std::int32_t{x[i]});
    return s;
}

/// d · Σ x for row m (0 when d = 0).
template <SumIsa I = SumIsa::scalar, class T>
inline std::uint32_t row_term(const PackedGemm& g, const T* input, int m) noexcept {
    if (g.row_factor == 0) return 0;
    return static_cast<std::uint32_t>(g.row_factor) *
           row_sum<T, I>(input + static_cast<std::size_t>(m) * static_cast<std::size_t>(g.k), g.k);
}

/// Plain loops over the packed bytes (or `wide`): the portable path, and the spec of the SIMD tiles.
template <class T>
void gemm_scalar(const PackedGemm& g, const T* input, T* output, int m_begin, int m_end) noexcept {
    const auto K = static_cast<std::size_t>(g.k), N = static_cast<std::size_t>(g.n);
    for (int m = m_begin; m < m_end; ++m) {
        const T* x = input + static_cast<std::size_t>(m) * K;
        const std::uint32_t rt = row_term(g, input, m);
        for (int o = 0; o < g.n; ++o) {
            std::uint32_t acc = rt + static_cast<std::uint32_t>(g.column_offset[static_cast<std::size_t>(o)]);
            if (g.fits_bytes) {
                const int panel = o / PackedGemm::panel_columns;
                const auto pw = static_cast<std::size_t>(g.panel_width(panel));
                const std::uint8_t* w = g.weights.data() + g.panel_offset(panel) +
                                        static_cast<std::size_t>(o % PackedGemm::panel_columns) * 4;
                for (std::size_t i = 0; i < K; ++i) {
                    const std::uint8_t b = w[(i / 4) * pw * 4 + i % 4];
                    const std::int32_t q = g.signed_input ? std::int32_t{b} : std::int32_t{static_cast<std::int8_t>(b)};
                    acc += static_cast<std::uint32_t>(q) * static_cast<std::uint32_t>(std::int32_t{x[i]});
                }
            } else {
                const std::int32_t* w = g.wide.data() + static_cast<std::size_t>(o) * K;
                for (std::size_t i = 0; i < K; ++i)
                    acc += static_cast<std::uint32_t>(w[i]) * static_cast<std::uint32_t>(std::int32_t{x[i]});
            }
            output[static_cast<std::size_t>(m) * N + static_cast<std::size_t>(o)] = g.requant.apply<T>(acc, o);
        }
    }
}

/// 4 activation bytes of row `x` from group `gi` (zero past k), as one int32. Not a variable-length
/// memcpy: that was a library call per row of every tile (the stem's K = 27).
template <class T>
inline std::int32_t load4(const T* x, int gi, int k) noexcept {
    const int i = 4 * gi;
#if MNET_QSIMD_AVX512BW
    const auto mask = static_cast<__mmask16>((1u << std::min(4, k - i)) - 1);
    return _mm_cvtsi128_si32(_mm_maskz_loadu_epi8(mask, x + i));
#else
    std::int32_t v = 0;
    std::memcpy(&v, x + i, static_cast<std::size_t>(std::min(4, k - i)));
    return v;
#endif
}

#if MNET_QSIMD_AVX512VNNI
/// Σ x of 8 whole rows of K = 8·Q bytes (Q = 2…4: the 112×112 and 56×56 layers' K = 16, 24 and 32),
/// which lie in Q consecutive vectors: one vpsadbw per vector gives the qwords q[0…8Q), and row r is
/// Σ_o q[Q·r + o], each term gathered for all 8 rows by one or two qword permutes. The general path
/// costs ~3× that per 8 rows at these K (a loop, loads and a 7-shuffle transpose), as much as the tile
/// itself at K = 32, N = 16.
template <int Q, class T>
MNET_QSIMD_INLINE inline __m512i row_sums8_contiguous(const T* x) noexcept {
    static_assert(Q >= 2 && Q <= 4);
    constexpr __mmask8 all8 = 0xFF;  // maskz forms: GCC 12 warns on the plain ones' undefined operand (bug 105593)
    const __m512i flip = _mm512_set1_epi8(std::is_signed_v<T> ? static_cast<char>(0x80) : 0);
    __m512i q[4];
    unroll<4>([&](auto j) MNET_QSIMD_INLINE {
        q[j] = j < Q ? _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(x + 64 * j), flip), _mm512_setzero_si512())
                     : _mm512_setzero_si512();
    });
    __m512i sums = _mm512_setzero_si512();
    unroll<Q>([&](auto o) MNET_QSIMD_INLINE {
        // Lane r takes q[Q·r + o]: from the pair (q0, q1) below index 16, from (q2, q3) above.
        const __m512i idx = _mm512_setr_epi64(o, Q + o, 2 * Q + o, 3 * Q + o, 4 * Q + o, 5 * Q + o, 6 * Q + o, 7 * Q + o);
        __m512i term = _mm512_maskz_permutex2var_epi64(all8, q[0], idx, q[1]);  // vpermt2q reads the low 4 index bits
        if constexpr (Q > 2) {
            constexpr unsigned high = [] {
                unsigned m = 0;
                for (int r = 0; r < 8; ++r) m |= (Q * r + decltype(o)::value >= 16 ? 1u : 0u) << r;
                return m;
            }();
            term = _mm512_mask_blend_epi64(static_cast<__mmask8>(high), term, _mm512_maskz_permutex2var_epi64(all8, q[2], idx, q[3]));
        }
        sums = _mm512_add_epi64(sums, term);
    });
    return sums;  // qword r = row r
}

/// d · Σ x of 8 rows at once, rows [m0, m0 + count) (count ≤ 8; rows past it alias the last one and are
/// not written). One row at a time, the horizontal sum of each row's vpsadbw was a chain of ~10 dependent
/// operations per row, as much as the whole tile at K = 16; here the 8 rows' qword sums are transposed
/// into one vector by 7 unpacks/shuffles and added there, or, for 8 whole rows at K = 16, 24, 32, summed
/// from their contiguous bytes (row_sums8_contiguous).
template <class T>
inline void row_terms8_avx512(const PackedGemm& g, const T* input, int m0, int count, std::uint32_t* rt) noexcept {
    const int k = g.k;
    constexpr __mmask8 all8 = 0xFF;  // maskz forms: GCC 12 warns on the plain ones' undefined operand (bug 105593)
    const auto finish = [&](__m512i sums, int bytes) MNET_QSIMD_INLINE {  // qword r = Σ flipped bytes of row r
        __m256i x = _mm512_maskz_cvtepi64_epi32(all8, sums);
        if constexpr (std::is_signed_v<T>) x = _mm256_sub_epi32(x, _mm256_set1_epi32(128 * bytes));
        x = _mm256_mullo_epi32(x, _mm256_set1_epi32(g.row_factor));
        _mm256_mask_storeu_epi32(rt, static_cast<__mmask8>((1u << count) - 1), x);
    };
    const T* first = input + static_cast<std::size_t>(m0) * static_cast<std::size_t>(k);
    if (count == 8 && k == 16) return finish(row_sums8_contiguous<2>(first), 16);
    if (count == 8 && k == 24) return finish(row_sums8_contiguous<3>(first), 24);
    if (count == 8 && k == 32) return finish(row_sums8_contiguous<4>(first), 32);
    const __m512i flip = _mm512_set1_epi8(std::is_signed_v<T> ? static_cast<char>(0x80) : 0);
    __m512i s[8];
    unroll<8>([&](auto r) MNET_QSIMD_INLINE {
        const T* x = input + static_cast<std::size_t>(m0 + std::min<int>(r, count - 1)) * static_cast<std::size_t>(k);
        s[r] = _mm512_setzero_si512();
        for (int i = 0; i < k; i += 64) {
            // Masked-off bytes load as 0 and flip to 128 like the rest: every lane of every load counts.
            const __m512i v = _mm512_maskz_loadu_epi8(k - i >= 64 ? ~__mmask64{0} : (~__mmask64{0}) >> (64 - (k - i)), x + i);
            s[r] = _mm512_add_epi64(s[r], _mm512_sad_epu8(_mm512_xor_si512(v, flip), _mm512_setzero_si512()));
        }
    });
    // Per 128-bit lane, [row 2j, row 2j + 1] partial sums; then the four lanes of each pair added.
    __m512i pairs[4];
    unroll<4>([&](auto j) MNET_QSIMD_INLINE {
        pairs[j] = _mm512_add_epi64(_mm512_maskz_unpacklo_epi64(all8, s[2 * j], s[2 * j + 1]),
                                    _mm512_maskz_unpackhi_epi64(all8, s[2 * j], s[2 * j + 1]));
    });
    const auto fold = [](__m512i a, __m512i b) MNET_QSIMD_INLINE {
        constexpr __mmask8 all = 0xFF;
        return _mm512_add_epi64(_mm512_maskz_shuffle_i64x2(all, a, b, 0x88), _mm512_maskz_shuffle_i64x2(all, a, b, 0xDD));
    };
    finish(fold(fold(pairs[0], pairs[1]), fold(pairs[2], pairs[3])), 64 * ((k + 63) / 64));  // qword r = row r
}

/// One MR × (NRV·16) tile over all of k; rows past the range alias the last one (computed, not stored).
template <class T, int MR, int NRV>
inline void gemm_tile_avx512(const PackedGemm& g, const T* input, int m0, int m_end, const std::uint32_t* rt, int panel,
                             T* output) noexcept {
    const int k = g.k, full = k / 4;
    constexpr int pw = NRV * 16;
    const std::uint8_t* w = g.weights.data() + g.panel_offset(panel);
    const T* rows[MR];
    unroll<MR>([&](auto i) MNET_QSIMD_INLINE { rows[i] = input + static_cast<std::size_t>(std::min<int>(m0 + i, m_end - 1)) * static_cast<std::size_t>(k); });
    // Accumulators start from the column term bias + io·ΣW'.
    const int col0 = panel * PackedGemm::panel_columns;
    __m512i acc[MR][NRV];
    unroll<NRV>([&](auto v) MNET_QSIMD_INLINE {
        const __m512i c = _mm512_loadu_si512(g.column_offset.data() + col0 + 16 * v);
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE { acc[i][v] = c; });
    });
    auto step = [&](int gi, auto load) MNET_QSIMD_INLINE {
        const std::uint8_t* wg = w + static_cast<std::size_t>(gi) * pw * 4;
        __m512i wv[NRV];
        unroll<NRV>([&](auto v) MNET_QSIMD_INLINE { wv[v] = _mm512_loadu_si512(wg + 64 * v); });
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
            const __m512i xb = _mm512_set1_epi32(load(i, gi));
            unroll<NRV>([&](auto v) MNET_QSIMD_INLINE {
                if constexpr (std::is_signed_v<T>) dpbusd(acc[i][v], wv[v], xb);
                else dpbusd(acc[i][v], xb, wv[v]);
            });
        });
    };
    for (int gi = 0; gi < full; ++gi)
        step(gi, [&](auto i, int j) MNET_QSIMD_INLINE {
            std::int32_t v;
            std::memcpy(&v, rows[i] + 4 * j, 4);
            return v;
        });
    // The last group's bytes (k % 4 of them) are read before the tail step: reading them inside it kept
    // g++ from holding the accumulators in registers (it stored all of them every k step).
    if (full < g.groups) {
        std::int32_t tail[MR];
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE { tail[i] = load4(rows[i], full, k); });
        step(full, [&](auto i, int) MNET_QSIMD_INLINE { return tail[i]; });
    }
    const int mr = std::min(MR, m_end - m0);
    const RequantView rq = g.requant.view();
    // Every accumulator is requantized (in place, a column block at a time, its constants loaded once)
    // before any row is stored: a store of bytes may alias anything, so g++ reloaded — and, short of
    // registers, spilled — every constant after each row's store, which cost more than the requantization.
    // No branch per vector: rt is 0 without row sums, and columns past n (zero constants) are not stored.
    unroll<NRV>([&](auto v) MNET_QSIMD_INLINE {
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
            const __m512i r = _mm512_set1_epi32(static_cast<std::int32_t>(rt[i]));
            acc[i][v] = requantize16_merged(_mm512_add_epi32(acc[i][v], r), rq, static_cast<std::size_t>(col0 + 16 * v), false);
        });
    });
    const __m512i lo = _mm512_set1_epi8(static_cast<char>(rq.clamp_min)), hi = _mm512_set1_epi8(static_cast<char>(rq.clamp_max));
    unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
        if (i >= mr) return;
        // constexpr: acc has NRV columns, and clang checks array bounds in a branch not taken
        const auto y = [&](auto v) MNET_QSIMD_INLINE {
            if constexpr (decltype(v)::value >= NRV) return _mm512_setzero_si512();
            else return acc[i][v];
        };
        store64(output + static_cast<std::size_t>(m0 + i) * static_cast<std::size_t>(g.n) + col0, y(std::integral_constant<int, 0>{}),
                y(std::integral_constant<int, 1>{}), y(std::integral_constant<int, 2>{}), y(std::integral_constant<int, 3>{}), g.n - col0,
                lo, hi);
    });
}

/// Every panel of panel width NRV·16, rows [m_begin, m_end) (whose row terms are rt[0…]), MR rows at a time.
template <class T, int MR, int NRV>
inline void gemm_panels_avx512(const PackedGemm& g, const T* input, T* output, int m_begin, int m_end, int p_begin,
                               int p_end, const std::uint32_t* rt) noexcept {
    for (int p = p_begin; p < p_end; ++p)
        for (int m0 = m_begin; m0 < m_end; m0 += MR) {
            // A last tile of one or two rows runs them one at a time: the MR-row tile would compute all MR
            // (its missing rows repeat the last one), 6x the work of a FULLY_CONNECTED's single row and 10 %
            // of a 7x7 layer's 49 rows.
            if (MR > 2 && m_end - m0 <= 2)
                for (int m = m0; m < m_end; ++m) gemm_tile_avx512<T, 1, NRV>(g, input, m, m + 1, rt + (m - m_begin), p, output);
            else
                gemm_tile_avx512<T, MR, NRV>(g, input, m0, m_end, rt + (m0 - m_begin), p, output);
        }
}

template <class T>
void gemm_avx512(const PackedGemm& g, const T* input, T* output, int m_begin, int m_end) noexcept {
    const int panels = g.panels();
    const int last = panels - 1;
    const int last_nrv = panels > 0 ? g.panel_width(last) / 16 : 4;
    const int full = last_nrv == 4 ? panels : last;
    // Blocks of rows whose row terms are summed once for all panels: 48 is a multiple of every tile's MR
    // (so only the range's last tile is partial) and its bytes stay in L1 while the panels pass over them.
    constexpr int block = 48;
    alignas(64) std::uint32_t rt[block];
    for (int b0 = m_begin; b0 < m_end; b0 += block) {
        const int b1 = std::min(b0 + block, m_end);
        if (g.row_factor == 0) std::fill_n(rt, block, 0u);
        else
            for (int m0 = b0; m0 < b1; m0 += 8) row_terms8_avx512(g, input, m0, std::min(8, b1 - m0), rt + (m0 - b0));
        gemm_panels_avx512<T, 6, 4>(g, input, output, b0, b1, 0, full, rt);
        if (full == panels) continue;
        switch (last_nrv) {
            case 1: gemm_panels_avx512<T, 12, 1>(g, input, output, b0, b1, last, panels, rt); break;
            case 2: gemm_panels_avx512<T, 12, 2>(g, input, output, b0, b1, last, panels, rt); break;
            default: gemm_panels_avx512<T, 8, 3>(g, input, output, b0, b1, last, panels, rt); break;
        }
    }
}
#endif

#if MNET_QSIMD_YMM_VNNI
/// acc += Σ4 u·s, 256 bits (the intrinsic, for the reason given at dpbusd).
MNET_QSIMD_INLINE inline void dpbusd256(__m256i& acc, __m256i u, __m256i s) noexcept {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    acc = _mm256_dpbusd_epi32(acc, u, s);
#else
    acc = _mm256_dpbusd_avx_epi32(acc, u, s);
#endif
}
#endif

#if MNET_QSIMD_AVX2
/// Requantizes an MR × (8·NV) tile of accumulators (columns col…, the column term already in) and stores
/// its rows that exist: all requantized before any store, for the reason given in gemm_tile_avx512 (padded
/// columns too: their constants are zeros, and they are not stored).
template <class T, int MR, int NV>
MNET_QSIMD_INLINE inline void store_tile_avx2(const PackedGemm& g, __m256i (&acc)[MR][NV], int m0, int m_end, const std::uint32_t* rt,
                                              int col, T* output) noexcept {
    static_assert(NV == 1 || NV == 2);
    const RequantView rq = g.requant.view();
    unroll<NV>([&](auto v) MNET_QSIMD_INLINE {
        const std::size_t c = static_cast<std::size_t>(col + 8 * v);
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
            const __m256i r = _mm256_set1_epi32(static_cast<std::int32_t>(rt[i]));
            acc[i][v] = requantize8(_mm256_add_epi32(acc[i][v], r), rq, c, false);
        });
    });
    const __m128i lo = _mm_set1_epi8(static_cast<char>(rq.clamp_min)), hi = _mm_set1_epi8(static_cast<char>(rq.clamp_max));
    const int mr = std::min(MR, m_end - m0);
    unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
        if (i >= mr) return;
        // NV = 1 packs the one vector twice and stores its 8 bytes.
        store_bytes(output + static_cast<std::size_t>(m0 + i) * static_cast<std::size_t>(g.n) + col,
                    pack16<T>(acc[i][0], acc[i][NV - 1], lo, hi), std::min(8 * NV, g.n - col));
    });
}

/// The accumulators of an MR × (8·NV) tile at column `col`, each starting from the column term bias + io·ΣW'.
template <int MR, int NV>
MNET_QSIMD_INLINE inline void start_tile_avx2(const PackedGemm& g, int col, __m256i (&acc)[MR][NV]) noexcept {
    unroll<NV>([&](auto v) MNET_QSIMD_INLINE {
        const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.column_offset.data() + col + 8 * v));
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE { acc[i][v] = c; });
    });
}

/// The weights of the columns from `col` (inside one panel) from group 0.
inline const std::uint8_t* tile_weights(const PackedGemm& g, int col) noexcept {
    return g.weights.data() + g.panel_offset(col / PackedGemm::panel_columns) + static_cast<std::size_t>(col % PackedGemm::panel_columns) * 4;
}

#if MNET_QSIMD_YMM_VNNI
/// One MR × 16 tile (two ymm of 8 columns) at column block `col` over all of k, on 256-bit vpdpbusd.
template <class T, int MR>
inline void gemm_tile_avx2_vnni(const PackedGemm& g, const T* input, int m0, int m_end, const std::uint32_t* rt, int col,
                                T* output) noexcept {
    const int k = g.k, full = k / 4;
    const auto pw = static_cast<std::size_t>(g.panel_width(col / PackedGemm::panel_columns));
    const std::uint8_t* w = tile_weights(g, col);
    const T* rows[MR];
    unroll<MR>([&](auto i) MNET_QSIMD_INLINE { rows[i] = input + static_cast<std::size_t>(std::min<int>(m0 + i, m_end - 1)) * static_cast<std::size_t>(k); });
    __m256i acc[MR][2];
    start_tile_avx2(g, col, acc);
    auto step = [&](int gi, auto load) MNET_QSIMD_INLINE {
        const std::uint8_t* wg = w + static_cast<std::size_t>(gi) * pw * 4;
        __m256i wv[2];
        unroll<2>([&](auto v) MNET_QSIMD_INLINE { wv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 32 * v)); });
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
            const __m256i xb = _mm256_set1_epi32(load(i, gi));
            unroll<2>([&](auto v) MNET_QSIMD_INLINE {
                if constexpr (std::is_signed_v<T>) dpbusd256(acc[i][v], wv[v], xb);
                else dpbusd256(acc[i][v], xb, wv[v]);
            });
        });
    };
    for (int gi = 0; gi < full; ++gi)
        step(gi, [&](auto i, int j) MNET_QSIMD_INLINE {
            std::int32_t v;
            std::memcpy(&v, rows[i] + 4 * j, 4);
            return v;
        });
    // The last group's bytes (k % 4 of them) are read before the tail step: reading them inside it kept
    // g++ from holding the accumulators in registers (it stored all of them every k step).
    if (full < g.groups) {
        std::int32_t tail[MR];
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE { tail[i] = load4(rows[i], full, k); });
        step(full, [&](auto i, int) MNET_QSIMD_INLINE { return tail[i]; });
    }
    store_tile_avx2<T, MR, 2>(g, acc, m0, m_end, rt, col, output);
}
#endif

/// acc + t, computed in acc's register: written with the intrinsic, g++ put each sum in a new register and
/// copied it back (one more instruction per accumulator and k step, in a kernel limited by instructions per
/// cycle). By value: with acc by reference, g++ also stored every accumulator to the stack at each k step.
MNET_QSIMD_INLINE inline __m256i add_in_place(__m256i acc, __m256i t) noexcept {
#if defined(__GNUC__) && !defined(__clang__)
    asm("vpaddd %1, %0, %0" : "+x"(acc) : "x"(t));
    return acc;
#else
    return _mm256_add_epi32(acc, t);
#endif
}

/// Largest k the vpmaddwd tiles take: their widened rows (8 × k int16, 32 KiB at most) live on the stack,
/// which must stay small for hosts' threads; beyond it (no MobileNet layer comes near: K ≤ 1280), gemm_scalar.
inline constexpr int madd_max_k = 2048;

/// Row x (k bytes) as int16 in the order the vpmaddwd tile reads, each group of 4 as x0, x2, x1, x3 (the
/// pairs its even and odd weight halves multiply), zeros past k up to `groups`·4. Widened once per row
/// instead of split again in every column tile: that split cost a quarter of the tile's operations.
template <class T>
inline void widen_row_avx2(const T* x, int k, int groups, std::int16_t* out) noexcept {
    const __m128i order = _mm_setr_epi8(0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15);
    const auto widen16 = [&](__m128i b) MNET_QSIMD_INLINE {
        const __m128i v = _mm_shuffle_epi8(b, order);
        return std::is_signed_v<T> ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
    };
    int i = 0;
    for (; i + 16 <= k; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), widen16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
    if (i < 4 * groups) {
        alignas(16) T tail[16] = {};
        std::memcpy(tail, x + i, static_cast<std::size_t>(k - i));
        alignas(32) std::int16_t wide[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(wide), widen16(_mm_load_si128(reinterpret_cast<const __m128i*>(tail))));
        std::memcpy(out + i, wide, static_cast<std::size_t>(4 * groups - i) * sizeof(std::int16_t));
    }
}

/// One MR × 8 tile at columns col…col+7 over all of k on vpmaddwd (exact: 16-bit products, no 16-bit
/// sums), rows widened by widen_row_avx2 (`xw`, row i at xw + i·stride). Eight columns, not sixteen:
/// with both halves' weights in registers g++ merged the two halves' broadcasts of each row and spilled
/// accumulators to make room (a store-to-load chain through memory every k step, half the speed).
template <class T, int MR>
inline void gemm_tile_avx2_madd(const PackedGemm& g, const std::int16_t* xw, std::size_t stride, int m0, int m_end,
                                const std::uint32_t* rt, int col, T* output) noexcept {
    const auto pw = static_cast<std::size_t>(g.panel_width(col / PackedGemm::panel_columns));
    const std::uint8_t* w = tile_weights(g, col);
    __m256i acc[MR][1];
    start_tile_avx2(g, col, acc);
    const __m256i low_bytes = _mm256_set1_epi16(0x00FF);
    for (int gi = 0; gi < g.groups; ++gi) {
        // q's bytes k0…k3 of a column → 16-bit (q0, q2) and (q1, q3); signed bytes for uint8 activations.
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + static_cast<std::size_t>(gi) * pw * 4));
        __m256i we, wo;
        if constexpr (std::is_signed_v<T>) {
            we = _mm256_and_si256(b, low_bytes);
            wo = _mm256_srli_epi16(b, 8);
        } else {
            we = _mm256_srai_epi16(_mm256_slli_epi16(b, 8), 8);
            wo = _mm256_srai_epi16(b, 8);
        }
        unroll<MR>([&](auto i) MNET_QSIMD_INLINE {
            const std::int16_t* x = xw + static_cast<std::size_t>(i) * stride + 4 * static_cast<std::size_t>(gi);
            std::int32_t e, o;
            std::memcpy(&e, x, 4);
            std::memcpy(&o, x + 2, 4);
            const __m256i t = _mm256_add_epi32(_mm256_madd_epi16(_mm256_set1_epi32(e), we), _mm256_madd_epi16(_mm256_set1_epi32(o), wo));
            acc[i][0] = add_in_place(acc[i][0], t);
        });
    }
    store_tile_avx2<T, MR, 1>(g, acc, m0, m_end, rt, col, output);
}

template <class T, bool Vnni>
void gemm_avx2(const PackedGemm& g, const T* input, T* output, int m_begin, int m_end) noexcept {
    constexpr int MR = Vnni ? 6 : 8;
    const auto K = static_cast<std::size_t>(g.k);
    for (int m0 = m_begin; m0 < m_end; m0 += MR) {
        std::uint32_t rt[MR];
        for (int i = 0; i < MR; ++i) rt[i] = m0 + i < m_end ? row_term<SumIsa::avx2>(g, input, m0 + i) : 0;
        if constexpr (Vnni) {
#if MNET_QSIMD_YMM_VNNI
            for (int col = 0; col < g.n; col += 16) gemm_tile_avx2_vnni<T, MR>(g, input, m0, m_end, rt, col, output);
#endif
        } else {
            // Rows past the range repeat the last one (computed, not stored).
            const auto stride = static_cast<std::size_t>((4 * g.groups + 15) / 16 * 16);
            alignas(32) std::int16_t xw[MR * madd_max_k];
            for (int i = 0; i < MR; ++i)
                widen_row_avx2(input + static_cast<std::size_t>(std::min(m0 + i, m_end - 1)) * K, g.k, g.groups, xw + static_cast<std::size_t>(i) * stride);
            for (int col = 0; col < g.n; col += 8) gemm_tile_avx2_madd<T, MR>(g, xw, stride, m0, m_end, rt, col, output);
        }
    }
}
#endif

}  // namespace detail

/// Rows [m_begin, m_end) of out[M×N] from in[M×K] (both row-major, T = uint8 or int8 as packed) on Isa.
/// Never allocates or throws; rows are independent, so threads may split the range.
template <class Isa, class T>
void gemm(const PackedGemm& g, const T* input, T* output, int m_begin, int m_end) noexcept {
    if (m_begin >= m_end) return;
    if (!g.fits_bytes || g.signed_input != std::is_signed_v<T>) {
        detail::gemm_scalar(g, input, output, m_begin, m_end);
        return;
    }
#if MNET_QSIMD_AVX512VNNI
    if constexpr (std::is_same_v<Isa, avx512_vnni_isa>) {
        // The tiles requantize by the merged rounding only; a multiplier of INT32_MIN (never from
        // QuantizeMultiplier, only from a hand-made table) takes the scalar path.
        if (g.requant.saturation) detail::gemm_scalar(g, input, output, m_begin, m_end);
        else detail::gemm_avx512(g, input, output, m_begin, m_end);
        return;
    }
#endif
#if MNET_QSIMD_YMM_VNNI
    if constexpr (std::is_same_v<Isa, avx2_vnni_isa>) {
        detail::gemm_avx2<T, true>(g, input, output, m_begin, m_end);
        return;
    }
#endif
#if MNET_QSIMD_AVX2
    if constexpr (std::is_same_v<Isa, avx2_isa>) {
        if (g.k > detail::madd_max_k) detail::gemm_scalar(g, input, output, m_begin, m_end);
        else detail::gemm_avx2<T, false>(g, input, output, m_begin, m_end);
        return;
    }
#endif
    detail::gemm_scalar(g, input, output, m_begin, m_end);
}

}  // namespace mnet::quant::simd
