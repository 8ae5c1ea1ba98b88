// 1x1 convolution as GEMM on NHWC: C[M×N] = clamp(A[M×K]·B + bias) (+ residual).
// A is the activation (pixels × Cin, K contiguous) and is never packed; B is packed
// once by gemm_pack into panels NR = NRV registers wide: NR biases, then K rows of
// NR weights, zero padded past N. Tile gemm_<MR>x<NRV>v: MR rows × NRV registers
// (gemm_7x2v = 7×32 on AVX-512, gemm_6x2v = 6×16 on AVX2, gemm_5x4v = 5×16 on NEON).
// Twin: reference::gemm.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "mnet/kernels/conv_geometry.hpp"
#include "mnet/kernels/simd/arch.hpp"

namespace mnet::kernels::simd {

/// Panels of width nr covering n columns.
constexpr std::size_t gemm_panels(std::size_t n, std::size_t nr) noexcept { return (n + nr - 1) / nr; }

/// Floats of B packed in panels of width nr (bias row + k weight rows each).
constexpr std::size_t gemm_packed_floats(std::size_t k, std::size_t n, std::size_t nr) noexcept {
    return gemm_panels(n, nr) * (k + 1) * nr;
}

/// Packs W given as N×K row-major (torchvision's [Cout][Cin] 1x1 weights, the
/// classifier's [N][K], the stem's OHWI) and the bias. `packed` must be aligned
/// to nr floats (AlignedBuffer's 64 bytes suffice for nr ≥ 16) for aligned loads.
inline void gemm_pack(std::size_t k, std::size_t n, std::size_t nr, const float* weight_nk, const float* bias,
                      float* packed) noexcept {
    for (std::size_t n0 = 0; n0 < n; n0 += nr, packed += (k + 1) * nr) {
        const std::size_t cols = std::min(nr, n - n0);
        for (std::size_t j = 0; j < nr; ++j) packed[j] = j < cols ? bias[n0 + j] : 0.0f;
        for (std::size_t kk = 0; kk < k; ++kk)
            for (std::size_t j = 0; j < nr; ++j)
                packed[(kk + 1) * nr + j] = j < cols ? weight_nk[(n0 + j) * k + kk] : 0.0f;
    }
}

namespace detail {

/// Epilogue of one output row of a tile: clamp, + residual, store `cols` floats.
/// A partial register goes through a stack copy, so nothing past `cols` is read or written.
/// Forced inline: once the tile grew an output stride, g++ 12 stopped inlining it (+1.5 %
/// instructions per inference, callgrind).
template <class Arch, int NRV>
MNET_SIMD_INLINE inline void store_row(const typename vec<Arch>::type (&acc)[NRV], float* out, const float* residual,
                                       std::size_t cols, const typename vec<Arch>::type& lo,
                                       const typename vec<Arch>::type& hi) noexcept {
    using V = vec<Arch>;
    constexpr std::size_t L = V::size;
    unroll<NRV>([&](auto v) {
        constexpr std::size_t off = decltype(v)::value * L;
        auto x = V::clamp(acc[v], lo, hi);
        if (off + L <= cols) {
            if (residual) x = x + V::load(residual + off);
            V::store(out + off, x);
        } else if (off < cols) {
            alignas(64) float tmp[L];
            V::store(tmp, x);
            for (std::size_t j = 0; j < cols - off; ++j) out[off + j] = residual ? tmp[j] + residual[off + j] : tmp[j];
        }
    });
}

/// One MR×(NV registers) tile over the full K of one panel NR floats wide (NV
/// registers cover it, or its first columns on a narrow last panel). Rows past `mr`
/// alias row mr-1 (computed, never stored), so the M tail needs no second kernel.
template <class Arch, int MR, int NV, std::size_t NR>
inline void gemm_tile(std::size_t mr, std::size_t k, const float* a, std::size_t lda, const float* panel, float* c,
                      std::size_t ldc, const float* residual, std::size_t cols, const typename vec<Arch>::type& lo,
                      const typename vec<Arch>::type& hi) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    constexpr std::size_t L = V::size;
    static_assert(NV * L <= NR, "tile wider than its panel");
    const float* rows[MR];
    unroll<MR>([&](auto i) { rows[i] = a + std::min<std::size_t>(i, mr - 1) * lda; });
    B acc[MR][NV];
    unroll<NV>([&](auto v) {
        const B b = V::load_aligned(panel + v * L);
        unroll<MR>([&](auto i) { acc[i][v] = b; });
    });
    const float* w = panel + NR;
    for (std::size_t kk = 0; kk < k; ++kk, w += NR) {
        B b[NV];
        unroll<NV>([&](auto v) { b[v] = V::load_aligned(w + v * L); });
        unroll<MR>([&](auto i) {
            const B x = V::broadcast(rows[i][kk]);
            unroll<NV>([&](auto v) { acc[i][v] = V::fmadd(x, b[v], acc[i][v]); });
        });
    }
    unroll<MR>([&](auto i) {
        if (static_cast<std::size_t>(i) < mr) {
            // A copy, so acc's address never escapes: GCC 12 (aarch64) otherwise stores
            // every accumulator to the stack on each k step.
            B row[NV];
            unroll<NV>([&](auto v) { row[v] = acc[i][v]; });
            store_row<Arch, NV>(row, c + i * ldc, residual ? residual + i * ldc : nullptr, cols, lo, hi);
        }
    });
}

}  // namespace detail

/// Bytes of packed panels kept hot while A strips stream past them: when all of
/// B fits, the loop is M-outer (A read once); otherwise blocks of panels are
/// resident in turn and A is re-read per block (PERF-NOTES §2, "K and loop order").
inline constexpr std::size_t gemm_panel_block_bytes = std::size_t{256} * 1024;

/// Rows [m_begin, m_end) × panels [panel_begin, panel_end) of C (lda = k, ldc = n, or
/// ep.out_stride when set).
/// Disjoint ranges touch disjoint outputs, so threads may split either.
template <class Arch, int MR, int NRV>
void gemm(std::size_t /*m*/, std::size_t k, std::size_t n, const float* a, const float* packed, float* c,
          const Epilogue& ep, std::size_t m_begin, std::size_t m_end, std::size_t panel_begin,
          std::size_t panel_end) noexcept {
    using V = vec<Arch>;
    constexpr std::size_t NR = NRV * V::size;
    const auto lo = V::broadcast(ep.min), hi = V::broadcast(ep.max);
    const std::size_t panel_floats = (k + 1) * NR;
    const std::size_t ldc = ep.out_stride ? ep.out_stride : n;
    const std::size_t block = std::max<std::size_t>(1, gemm_panel_block_bytes / (panel_floats * sizeof(float)));
    for (std::size_t pb = panel_begin; pb < panel_end; pb += block) {
        const std::size_t pe = std::min(panel_end, pb + block);
        for (std::size_t m0 = m_begin; m0 < m_end; m0 += MR) {
            const std::size_t mr = std::min<std::size_t>(MR, m_end - m0);
            for (std::size_t p = pb; p < pe; ++p) {
                const std::size_t n0 = p * NR, cols = std::min(NR, n - n0);
                const float* residual = ep.residual ? ep.residual + m0 * n + n0 : nullptr;
                const float* panel = packed + p * panel_floats;
                // A last panel that one register fewer covers (Cout = 16 under 32-wide
                // panels) skips the FMAs on its zero padding.
                if constexpr (NRV > 1)
                    if (cols <= (NRV - 1) * V::size) {
                        detail::gemm_tile<Arch, MR, NRV - 1, NR>(mr, k, a + m0 * k, k, panel, c + m0 * ldc + n0,
                                                                 ldc, residual, cols, lo, hi);
                        continue;
                    }
                detail::gemm_tile<Arch, MR, NRV, NR>(mr, k, a + m0 * k, k, panel, c + m0 * ldc + n0, ldc, residual,
                                                     cols, lo, hi);
            }
        }
    }
}

/// One registry entry: a tile of the gemm family for one arch.
using GemmFn = void (*)(std::size_t, std::size_t, std::size_t, const float*, const float*, float*, const Epilogue&,
                        std::size_t, std::size_t, std::size_t, std::size_t) noexcept;
struct GemmKernel {
    const char* name;
    GemmFn fn;
    int mr;
    int nrv;
    std::size_t nr;  ///< panel width in floats: the packing this entry needs
};

template <class Arch, int MR, int NRV>
constexpr GemmKernel gemm_entry(const char* name) noexcept {
    return {name, &gemm<Arch, MR, NRV>, MR, NRV, NRV * lanes<Arch>};
}

/// The tile layers use. Register budget: MR·NRV accumulators + NRV weights + 1
/// broadcast ≤ 32 zmm / 16 ymm or xmm. 7 rows because every MobileNet pixel count
/// at 224 is a multiple of 7 (no M tail); 2 registers because every Cout is a
/// multiple of 16 and most of 32. Fastest of the registry on Zen4 (bench_kernels).
/// NEON (4 floats, 32 registers): 5×4 registers = 5×16 floats. GCC keeps each row's A
/// value in its own register (fmla by element), so the budget is MR·NRV + NRV + MR:
/// 20 + 4 + 5 = 29 (6×4 needs 34 and spills; 7×3, 31, has 21 FMAs per 10 loaded
/// registers against 5×4's 20 per 9, and 12-wide panels suit fewer Couts). 16 columns,
/// the AVX2 panel width, because every Cout is a multiple of 8 and most of 16.
template <class Arch>
struct gemm_tile {
    static constexpr int mr = is_avx512<Arch> ? 7 : is_neon64<Arch> ? 5 : lanes<Arch> > 1 ? 6 : 4;
    static constexpr int nrv = is_neon64<Arch> ? 4 : lanes<Arch> > 1 ? 2 : 4;
    static constexpr std::size_t nr = nrv * lanes<Arch>;
};

/// Every gemm tile built for Arch, for tests and benchmarks; the first is gemm_tile.
/// (Layers call gemm<Arch, gemm_tile…> directly, so only that one is instantiated there.)
template <class Arch>
inline constexpr auto gemm_kernels = [] {
    if constexpr (is_avx512<Arch>)
        return std::array{gemm_entry<Arch, 7, 2>("gemm_7x2v"), gemm_entry<Arch, 14, 2>("gemm_14x2v"),
                          gemm_entry<Arch, 8, 3>("gemm_8x3v"), gemm_entry<Arch, 6, 4>("gemm_6x4v")};
    else if constexpr (is_neon64<Arch>)
        return std::array{gemm_entry<Arch, 5, 4>("gemm_5x4v"), gemm_entry<Arch, 7, 3>("gemm_7x3v"),
                          gemm_entry<Arch, 6, 2>("gemm_6x2v")};
    else if constexpr (lanes<Arch> > 1)
        return std::array{gemm_entry<Arch, 6, 2>("gemm_6x2v"), gemm_entry<Arch, 4, 3>("gemm_4x3v")};
    else
        return std::array{gemm_entry<Arch, 4, 4>("gemm_4x4v")};
}();

}  // namespace mnet::kernels::simd
