// The integer SIMD kernels the compiler flags allow, chosen at build time like the float ones:
// `best_gemm_isa` / `best_dwconv_isa` (AVX512-VNNI → 256-bit VNNI → AVX2 → scalar), entry points that use
// them (conv1x1, fully_connected, depthwise_conv2d), and registries of every compiled variant for the
// tests (each against ref::) and benchmarks. With MNET_SIMD=OFF only the scalar variants exist.
#pragma once

#include <array>
#include <cstdint>

#include "mnet/quant/kernels/simd/dwconv.hpp"
#include "mnet/quant/kernels/simd/gemm.hpp"
#include "mnet/quant/kernels/simd/isa.hpp"

namespace mnet::quant::simd {

#if MNET_QSIMD_AVX512VNNI
using best_gemm_isa = avx512_vnni_isa;  ///< the GEMM variant the entry points run
#elif MNET_QSIMD_YMM_VNNI
using best_gemm_isa = avx2_vnni_isa;  ///< the GEMM variant the entry points run
#elif MNET_QSIMD_AVX2
using best_gemm_isa = avx2_isa;  ///< the GEMM variant the entry points run
#else
using best_gemm_isa = scalar_isa;  ///< the GEMM variant the entry points run
#endif

#if MNET_QSIMD_AVX512VNNI
using best_dwconv_isa = avx512_vnni_isa;  ///< the depthwise variant the entry points run
#elif MNET_QSIMD_AVX512BW
using best_dwconv_isa = avx512bw_isa;  ///< the depthwise variant the entry points run
#elif MNET_QSIMD_AVX2
using best_dwconv_isa = avx2_isa;  ///< the depthwise variant the entry points run
#else
using best_dwconv_isa = scalar_isa;  ///< the depthwise variant the entry points run
#endif

/// 1x1 CONV_2D (stride 1, no padding) over pixels [pixel_begin, pixel_end) of an NHWC input whose
/// N·H·W pixels each hold g.k channels; the output has g.n channels per pixel.
template <class T>
void conv1x1(const PackedGemm& g, const T* input, T* output, int pixel_begin, int pixel_end) noexcept {
    gemm<best_gemm_isa>(g, input, output, pixel_begin, pixel_end);
}

/// FULLY_CONNECTED: rows [batch_begin, batch_end) of input [batches, K] → output [batches, N].
template <class T>
void fully_connected(const PackedGemm& g, const T* input, T* output, int batch_begin, int batch_end) noexcept {
    gemm<best_gemm_isa>(g, input, output, batch_begin, batch_end);
}

/// DEPTHWISE_CONV_2D on the best variant, output rows [row_begin, row_end) (arguments of ref::depthwise_conv2d).
template <class T, class W>
void depthwise_conv2d(const ref::ConvParams& p, ref::Nhwc in_shape, const T* input, ref::Nhwc filter_shape,
                      const W* filter, const std::int32_t* bias, ref::Nhwc out_shape, T* output, int row_begin,
                      int row_end) noexcept {
    depthwise_conv2d<best_dwconv_isa>(p, in_shape, input, filter_shape, filter, bias, out_shape, output, row_begin,
                                      row_end);
}

/// DEPTHWISE_CONV_2D with its constants packed at load (pack_depthwise<T> of the same op), on the best variant.
template <class T, class W>
void depthwise_conv2d(const PackedDepthwise& packed, const ref::ConvParams& p, ref::Nhwc in_shape, const T* input,
                      ref::Nhwc filter_shape, const W* filter, const std::int32_t* bias, ref::Nhwc out_shape, T* output,
                      int row_begin, int row_end) noexcept {
    depthwise_conv2d<best_dwconv_isa>(packed, p, in_shape, input, filter_shape, filter, bias, out_shape, output,
                                      row_begin, row_end);
}

/// A compiled GEMM variant: its name and its uint8 and int8 entry points.
struct GemmKernel {
    const char* name;                                                                       ///< ISA name
    void (*u8)(const PackedGemm&, const std::uint8_t*, std::uint8_t*, int, int) noexcept;  ///< uint8 activations
    void (*s8)(const PackedGemm&, const std::int8_t*, std::int8_t*, int, int) noexcept;    ///< int8 activations
};

/// A compiled depthwise variant (int16 weights with the zero point subtracted, as the interpreter packs them).
struct DwconvKernel {
    const char* name;  ///< ISA name
    /// uint8 activations
    void (*u8)(const ref::ConvParams&, ref::Nhwc, const std::uint8_t*, ref::Nhwc, const std::int16_t*,
               const std::int32_t*, ref::Nhwc, std::uint8_t*, int, int) noexcept;
    /// int8 activations
    void (*s8)(const ref::ConvParams&, ref::Nhwc, const std::int8_t*, ref::Nhwc, const std::int16_t*,
               const std::int32_t*, ref::Nhwc, std::int8_t*, int, int) noexcept;
};

namespace detail {
template <class Isa>
constexpr GemmKernel gemm_entry() noexcept {
    return {Isa::name(), &gemm<Isa, std::uint8_t>, &gemm<Isa, std::int8_t>};
}
template <class Isa>
constexpr DwconvKernel dwconv_entry() noexcept {
    return {Isa::name(), &depthwise_conv2d<Isa, std::uint8_t, std::int16_t>,
            &depthwise_conv2d<Isa, std::int8_t, std::int16_t>};
}
}  // namespace detail

/// Every GEMM variant of this build, best first; the scalar one is always last.
inline constexpr auto gemm_kernels = std::to_array<GemmKernel>({
#if MNET_QSIMD_AVX512VNNI
    detail::gemm_entry<avx512_vnni_isa>(),
#endif
#if MNET_QSIMD_YMM_VNNI
    detail::gemm_entry<avx2_vnni_isa>(),
#endif
#if MNET_QSIMD_AVX2
    detail::gemm_entry<avx2_isa>(),
#endif
    detail::gemm_entry<scalar_isa>(),
});

/// Every depthwise variant of this build, best first; the scalar one is always last.
inline constexpr auto dwconv_kernels = std::to_array<DwconvKernel>({
#if MNET_QSIMD_AVX512VNNI
    detail::dwconv_entry<avx512_vnni_isa>(),
#endif
#if MNET_QSIMD_AVX512BW
    detail::dwconv_entry<avx512bw_isa>(),
#endif
#if MNET_QSIMD_AVX2
    detail::dwconv_entry<avx2_isa>(),
#endif
    detail::dwconv_entry<scalar_isa>(),
});

}  // namespace mnet::quant::simd
