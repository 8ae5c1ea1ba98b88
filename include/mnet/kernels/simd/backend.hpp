// What the layers call: one function per operation, each with its packing. With
// MNET_SIMD_ENABLED they run the first registry entry of each SIMD family for
// simd::default_arch (from the compiler flags) and pack for it; otherwise, and for
// shapes no SIMD kernel covers, the reference kernels with plain layouts. Either
// way a packed buffer holds weights and bias, 64-byte aligned (an AlignedBuffer).
// All translation units of one program must share the ISA flags: the packed
// layout follows the arch, as Eigen's does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "mnet/kernels/conv_geometry.hpp"
#include "mnet/kernels/reference/conv2d.hpp"
#include "mnet/kernels/reference/dwconv.hpp"
#include "mnet/kernels/reference/gemm.hpp"
#include "mnet/kernels/reference/pooling.hpp"
#include "mnet/kernels/reference/resize_bilinear.hpp"
#include "mnet/kernels/simd/config.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/conv3x3s2_c3.hpp"
#include "mnet/kernels/simd/dwconv3x3.hpp"
#include "mnet/kernels/simd/gemm.hpp"
#include "mnet/kernels/simd/head.hpp"
#endif

namespace mnet::kernels {

/// The arch the layers' kernels run on: "avx512bw", "fma3+avx2", "sse2", … or
/// "reference" (scalar build).
inline const char* backend_name() noexcept {
#if MNET_SIMD_ENABLED
    return simd::default_arch::name();
#else
    return "reference";
#endif
}

// ---- 1x1 convolution (GEMM). Weights arrive [N = Cout][K = Cin]. -------------------
#if MNET_SIMD_ENABLED
// The stem names its tile directly, so a TU only instantiates what it runs; the 1x1
// layers run the tile gemm_dispatch chose for this CPU (packing follows it).
using pointwise_tile = simd::gemm_tile<simd::default_arch>;

/// The 1x1 tile this process runs for K = `k` input channels (per CPU, see simd::gemm_tile_for).
inline const simd::GemmKernel& pointwise_kernel(std::size_t k) noexcept { return simd::gemm_dispatch<simd::default_arch>(k); }
#endif

inline std::size_t pointwise_packed_floats(std::size_t k, std::size_t n) noexcept {
#if MNET_SIMD_ENABLED
    return simd::gemm_packed_floats(k, n, pointwise_kernel(k).nr);
#else
    return k * n + n;  // B as [K][N], then the bias
#endif
}

inline void pointwise_pack(std::size_t k, std::size_t n, const float* weight_nk, const float* bias, float* packed) {
#if MNET_SIMD_ENABLED
    simd::gemm_pack(k, n, pointwise_kernel(k).nr, weight_nk, bias, packed);
#else
    for (std::size_t o = 0; o < n; ++o)
        for (std::size_t i = 0; i < k; ++i) packed[i * n + o] = weight_nk[o * k + i];
    std::copy(bias, bias + n, packed + k * n);
#endif
}

/// Work units of a K-deep pointwise layer: rows come in blocks of `pointwise_mr(k)`,
/// columns in `pointwise_panels(k, n)` panels; any split of either gives bit-identical results.
inline std::size_t pointwise_mr(std::size_t k) noexcept {
#if MNET_SIMD_ENABLED
    return static_cast<std::size_t>(pointwise_kernel(k).mr);
#else
    (void)k;
    return 1;
#endif
}
inline std::size_t pointwise_panels(std::size_t k, std::size_t n) noexcept {
#if MNET_SIMD_ENABLED
    return simd::gemm_panels(n, pointwise_kernel(k).nr);
#else
    (void)k;
    (void)n;
    return 1;  // the reference kernel always computes whole rows
#endif
}

/// Rows [m_begin, m_end) × panels [p_begin, p_end) of C[m×n] = epilogue(A[m×k]·W + bias).
inline void pointwise(std::size_t m, std::size_t k, std::size_t n, const float* a, const float* packed, float* c,
                      const Epilogue& ep, std::size_t m_begin, std::size_t m_end, std::size_t p_begin,
                      std::size_t p_end) noexcept {
#if MNET_SIMD_ENABLED
    pointwise_kernel(k).fn(m, k, n, a, packed, c, ep, m_begin, m_end, p_begin, p_end);
#else
    (void)m;
    if (p_begin >= p_end) return;
    Epilogue rows = ep;
    if (rows.residual) rows.residual += m_begin * n;
    reference::gemm(m_end - m_begin, k, n, a + m_begin * k, packed, packed + k * n,
                    c + m_begin * (ep.out_stride ? ep.out_stride : n), rows);
#endif
}

// ---- Depthwise k×k. Weights arrive [C][1][k][k]. ------------------------------------
constexpr bool depthwise_has_simd(int kernel, int stride) noexcept {
    return MNET_SIMD_ENABLED && kernel == 3 && (stride == 1 || stride == 2);
}

inline std::size_t depthwise_packed_floats(int kernel, int stride, std::size_t c) noexcept {
#if MNET_SIMD_ENABLED
    if (depthwise_has_simd(kernel, stride)) return simd::dwconv3x3_packed_floats(c);
#else
    (void)stride;
#endif
    return static_cast<std::size_t>(kernel * kernel) * c + c;  // HWC taps, then the bias
}

inline void depthwise_pack(int kernel, int stride, std::size_t c, const float* weight_ckk, const float* bias,
                           float* packed) {
#if MNET_SIMD_ENABLED
    if (depthwise_has_simd(kernel, stride)) return simd::dwconv3x3_pack(c, weight_ckk, bias, packed);
#else
    (void)stride;
#endif
    const std::size_t taps = static_cast<std::size_t>(kernel) * static_cast<std::size_t>(kernel);
    for (std::size_t ch = 0; ch < c; ++ch)
        for (std::size_t t = 0; t < taps; ++t) packed[t * c + ch] = weight_ckk[ch * taps + t];
    std::copy(bias, bias + c, packed + taps * c);
}

/// Output rows [y_begin, y_end) of a depthwise convolution (kernel and stride from g),
/// buffers laid out as `rows` says (whole image by default).
template <int K, int S>
void depthwise(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
               int y_begin, int y_end, RowWindow rows = {}) noexcept {
#if MNET_SIMD_ENABLED
    if constexpr (depthwise_has_simd(K, S)) {
        simd::dwconv3x3<simd::default_arch, S>(g, in, packed, out, ep, y_begin, y_end, rows);
        return;
    }
#endif
    const std::size_t taps = static_cast<std::size_t>(K * K) * static_cast<std::size_t>(g.in_c);
    reference::dwconv(g, in, packed, packed + taps, out, ep, y_begin, y_end, rows);
}

// ---- Dense k×k convolution (the stem). Weights arrive OIHW. -------------------------
constexpr bool conv_has_simd(int kernel, int stride, int in_c) noexcept {
    return MNET_SIMD_ENABLED && kernel == 3 && stride == 2 && in_c == 3;
}

inline std::size_t conv_packed_floats(int kernel, int stride, std::size_t in_c, std::size_t out_c) noexcept {
    const std::size_t k = static_cast<std::size_t>(kernel * kernel) * in_c;
#if MNET_SIMD_ENABLED
    if (conv_has_simd(kernel, stride, static_cast<int>(in_c))) return simd::gemm_packed_floats(k, out_c, pointwise_tile::nr);
#else
    (void)stride;
#endif
    return k * out_c + out_c;  // OHWI, then the bias
}

inline void conv_pack(int kernel, int stride, std::size_t in_c, std::size_t out_c, const float* weight_oihw,
                      const float* bias, float* packed) {
    const std::size_t kk = static_cast<std::size_t>(kernel), k = kk * kk * in_c;
    std::vector<float> ohwi(k * out_c);
    for (std::size_t o = 0; o < out_c; ++o)
        for (std::size_t i = 0; i < in_c; ++i)
            for (std::size_t t = 0; t < kk * kk; ++t) ohwi[o * k + t * in_c + i] = weight_oihw[(o * in_c + i) * kk * kk + t];
#if MNET_SIMD_ENABLED
    if (conv_has_simd(kernel, stride, static_cast<int>(in_c)))
        return simd::gemm_pack(k, out_c, pointwise_tile::nr, ohwi.data(), bias, packed);
#else
    (void)stride;
#endif
    std::copy(ohwi.begin(), ohwi.end(), packed);
    std::copy(bias, bias + out_c, packed + k * out_c);
}

/// Output rows [y_begin, y_end) of a dense convolution (kernel and stride from g).
inline void conv(const ConvGeometry& g, const float* in, const float* packed, float* out, const Epilogue& ep,
                 int y_begin, int y_end) noexcept {
#if MNET_SIMD_ENABLED
    if (conv_has_simd(g.kernel, g.stride, g.in_c))
        return simd::conv3x3s2_c3<simd::default_arch, pointwise_tile::mr, pointwise_tile::nrv>(g, in, packed, out, ep,
                                                                                              y_begin, y_end);
#endif
    const std::size_t k = static_cast<std::size_t>(g.kernel * g.kernel) * static_cast<std::size_t>(g.in_c);
    reference::conv2d(g, in, packed, packed + k * static_cast<std::size_t>(g.out_c), out, ep, y_begin, y_end);
}

// ---- Head: global average pool and the fully connected layer ([N][K] weights). ------
inline void global_avgpool(std::size_t pixels, std::size_t channels, const float* in, float* out) noexcept {
#if MNET_SIMD_ENABLED
    simd::global_avgpool<simd::default_arch>(pixels, channels, in, out);
#else
    reference::global_avgpool(pixels, channels, in, out);
#endif
}

inline std::size_t fc_packed_floats(std::size_t k, std::size_t n) noexcept {
#if MNET_SIMD_ENABLED
    return simd::gemm_packed_floats(k, n, simd::fc_nr<simd::default_arch>);
#else
    return n * k + n;  // [N][K], then the bias
#endif
}

inline void fc_pack(std::size_t k, std::size_t n, const float* weight_nk, const float* bias, float* packed) {
#if MNET_SIMD_ENABLED
    simd::gemm_pack(k, n, simd::fc_nr<simd::default_arch>, weight_nk, bias, packed);
#else
    std::copy(weight_nk, weight_nk + n * k, packed);
    std::copy(bias, bias + n, packed + n * k);
#endif
}

/// Work units of the FC layer (output panels; single outputs in the scalar build).
inline std::size_t fc_panels(std::size_t n) noexcept {
#if MNET_SIMD_ENABLED
    return simd::gemm_panels(n, simd::fc_nr<simd::default_arch>);
#else
    return n;
#endif
}

/// Output panels [p_begin, p_end) of out[N] = W·in + bias.
inline void fully_connected(std::size_t k, std::size_t n, const float* in, const float* packed, float* out,
                            std::size_t p_begin, std::size_t p_end) noexcept {
#if MNET_SIMD_ENABLED
    simd::fully_connected<simd::default_arch>(k, n, in, packed, out, p_begin, p_end);
#else
    reference::fully_connected(k, p_end - p_begin, in, packed + p_begin * k, packed + n * k + p_begin, out + p_begin);
#endif
}

inline void fully_connected(std::size_t k, std::size_t n, const float* in, const float* packed, float* out) noexcept {
    fully_connected(k, n, in, packed, out, 0, fc_panels(n));
}

// ---- Bilinear resize and arg-max (segmentation heads). -------------------------------
// The reference kernels are the production ones here: their channel loops vectorise as
// they are and the arg-max is branch-free; the float tensor they would save is not.

/// Output rows [y_begin, y_end) of a bilinear resize (TFLite's flags in g); output
/// pixels `out_pixel_stride` floats apart (0: g.channels), for a channel slice.
inline void resize_bilinear(const ResizeGeometry& g, const float* in, float* out, int y_begin, int y_end,
                            std::size_t out_pixel_stride = 0) noexcept {
    reference::resize_bilinear(g, in, out, y_begin, y_end, out_pixel_stride);
}

/// out[p] = index of the first largest channel of pixel p (TFLite's ARG_MAX), p < pixels.
template <class Index>
inline void argmax_channels(std::size_t pixels, std::size_t channels, const float* in, Index* out) noexcept {
    reference::argmax_channels(pixels, channels, in, out);
}

/// Rows [y_begin, y_end) of argmax_channels(resize_bilinear(in)) without the resized tensor.
template <class Index>
inline void resize_bilinear_argmax(const ResizeGeometry& g, const float* in, Index* mask, int y_begin,
                                   int y_end) noexcept {
    reference::resize_bilinear_argmax(g, in, mask, y_begin, y_end);
}

}  // namespace mnet::kernels
