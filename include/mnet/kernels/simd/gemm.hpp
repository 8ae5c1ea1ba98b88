// 1x1 convolution as GEMM on NHWC: C[M×N] = clamp(A[M×K]·B + bias) (+ residual).
// A is the activation (pixels × Cin, K contiguous) and is never packed; B is packed
// once by gemm_pack into panels NR = NRV registers wide: NR biases, then K rows of
// NR weights, zero padded past N. Tile gemm_<MR>x<NRV>v: MR rows × NRV registers
// (gemm_7x2v = 7×32 on AVX-512, gemm_6x2v = 6×16 on AVX2, gemm_5x4v = 5×16 on NEON);
// the layers' tile is chosen per CPU at run time (gemm_dispatch). Twin: reference::gemm.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <string_view>

#include "mnet/kernels/conv_geometry.hpp"
#include "mnet/kernels/cpu_id.hpp"
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
/// Weights larger than L2 (V1's 1024×1024 = 4 MB, the V2 head's 320×1280) are thus
/// read once per inference, one panel for all rows. Software prefetch of the next
/// panel (tried on Zen5, bench/README.md) did not pay: the hardware prefetchers
/// already stream a panel's contiguous 64–130 KB.
inline constexpr std::size_t gemm_panel_block_bytes = std::size_t{256} * 1024;

namespace detail {

/// The tile for a panel whose first `cols` columns are real: the fewest registers
/// that cover them (a 16-wide last panel under 48- or 64-wide panels runs one register).
template <class Arch, int MR, int NV, std::size_t NR>
MNET_SIMD_INLINE inline void gemm_tile_cols(std::size_t mr, std::size_t k, const float* a, const float* panel, float* c,
                                            std::size_t ldc, const float* residual, std::size_t cols,
                                            const typename vec<Arch>::type& lo,
                                            const typename vec<Arch>::type& hi) noexcept {
    if constexpr (NV > 1)
        if (cols <= (NV - 1) * vec<Arch>::size)
            return gemm_tile_cols<Arch, MR, NV - 1, NR>(mr, k, a, panel, c, ldc, residual, cols, lo, hi);
    gemm_tile<Arch, MR, NV, NR>(mr, k, a, k, panel, c, ldc, residual, cols, lo, hi);
}

}  // namespace detail

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
                detail::gemm_tile_cols<Arch, MR, NRV, NR>(mr, k, a + m0 * k, packed + p * panel_floats,
                                                          c + m0 * ldc + n0, ldc, residual, cols, lo, hi);
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

/// The default tile: the stem's, and the 1x1 layers' unless gemm_dispatch picks
/// another for the running CPU. Register budget: MR·NRV accumulators + NRV weights + 1
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

/// Every gemm tile built for Arch, for the dispatcher, tests and benchmarks; the
/// first is gemm_tile (the default, and the stem's).
template <class Arch>
inline constexpr auto gemm_kernels = [] {
    if constexpr (is_avx512<Arch>)
        return std::array{gemm_entry<Arch, 7, 2>("gemm_7x2v"), gemm_entry<Arch, 14, 2>("gemm_14x2v"),
                          gemm_entry<Arch, 7, 3>("gemm_7x3v"), gemm_entry<Arch, 8, 3>("gemm_8x3v"),
                          gemm_entry<Arch, 6, 4>("gemm_6x4v")};
    else if constexpr (is_neon64<Arch>)
        return std::array{gemm_entry<Arch, 5, 4>("gemm_5x4v"), gemm_entry<Arch, 7, 3>("gemm_7x3v"),
                          gemm_entry<Arch, 6, 2>("gemm_6x2v")};
    else if constexpr (lanes<Arch> > 1)
        return std::array{gemm_entry<Arch, 6, 2>("gemm_6x2v"), gemm_entry<Arch, 4, 3>("gemm_4x3v")};
    else
        return std::array{gemm_entry<Arch, 4, 4>("gemm_4x4v")};
}();

/// Below this depth the dispatcher keeps the default tile: a bigger tile's longer
/// epilogue (24 accumulators clamped and stored per K steps) does not amortise
/// (gemm_8x3v at K = 16 runs at a third of gemm_7x2v's rate on Zen5, bench_kernels).
inline constexpr std::size_t gemm_deep_k = 64;

/// The 1x1 tile for a K-deep layer on `cpu`: the dispatcher's rule, a pure function so
/// tests can ask it about CPUs they do not run on.
/// - AVX-512 on Intel (two 512-bit FMA ports, at most two loads a cycle, B streamed
///   from a 2 MiB L2 on Skylake-SP … Sapphire Rapids), K ≥ gemm_deep_k: gemm_8x3v,
///   24 accumulators and 0.46 loads per FMA against gemm_7x2v's 0.64, as oneDNN's
///   Intel-tuned 1x1 kernel keeps 24–27 zmm accumulators (PERF-NOTES §2). Not measured
///   on Intel yet: $MNET_GEMM_TILE times the others there.
/// - AMD Zen4 and Zen5, every other CPU, shallow K and other ISAs: the registry's first
///   entry (gemm_7x2v on AVX-512: the fastest on Zen4 and on Zen5 for every MobileNet shape).
template <class Arch>
constexpr const char* gemm_tile_for(const CpuId& cpu, std::size_t k) noexcept {
    if constexpr (is_avx512<Arch>)
        if (cpu.vendor == CpuVendor::intel && k >= gemm_deep_k) return "gemm_8x3v";
    return gemm_kernels<Arch>[0].name;
}

/// The registry entry named `name`, or nullptr.
template <class Arch>
constexpr const GemmKernel* gemm_kernel_named(std::string_view name) noexcept {
    for (const GemmKernel& k : gemm_kernels<Arch>)
        if (name == k.name) return &k;
    return nullptr;
}

/// The tile the layers run for a K-deep GEMM, fixed per process and K: $MNET_GEMM_TILE
/// when it names an entry of gemm_kernels<Arch> (to time every tile on a new CPU without
/// rebuilding), else gemm_tile_for(cpu_id(), k). Packing and running both ask here
/// with the same K, so they agree.
template <class Arch>
const GemmKernel& gemm_dispatch(std::size_t k) noexcept {
    struct Choice {
        const GemmKernel* forced;
        const GemmKernel* shallow;
        const GemmKernel* deep;
    };
    static const Choice choice = [] {
        const char* env = std::getenv("MNET_GEMM_TILE");  // NOLINT(concurrency-mt-unsafe): read once
        const CpuId cpu = cpu_id();
        const GemmKernel* first = &gemm_kernels<Arch>[0];
        const GemmKernel* shallow = gemm_kernel_named<Arch>(gemm_tile_for<Arch>(cpu, 1));
        const GemmKernel* deep = gemm_kernel_named<Arch>(gemm_tile_for<Arch>(cpu, gemm_deep_k));
        return Choice{env ? gemm_kernel_named<Arch>(env) : nullptr, shallow ? shallow : first, deep ? deep : first};
    }();
    if (choice.forced) return *choice.forced;
    return k >= gemm_deep_k ? *choice.deep : *choice.shallow;
}

}  // namespace mnet::kernels::simd
