// Preparing CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED for the reference
// interpreter: the checks TFLite's Prepare makes (types, shapes, a constant int32
// bias, int8 weights with zero point 0), the multipliers as TFLite derives them
// (uint8 and per-tensor: scale product in float; int8 conv: per channel in double),
// and the weights packed once as int16 with their zero point already subtracted.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "mnet/quant/detail/op_context.hpp"
#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/simd/dispatch.hpp"

namespace mnet::quant::detail {

/// What a prepared convolution keeps: its parameters and packed weights.
struct ConvState {
    ref::ConvParams params;                       ///< geometry, offsets, clamp (multipliers point into `multipliers`)
    std::vector<QuantizedMultiplier> multipliers; ///< one per output channel, or one
    std::vector<std::int16_t> weights;            ///< w − z_w, the file's layout
    const std::int32_t* bias = nullptr;           ///< the bias tensor's values, or null
    /// Per output channel: bias + input_offset · Σ w′ over all its taps (w′ = w − z_w, wrapping
    /// like the accumulator), i.e. the constant part of Σ w′(x − z_x) + bias wherever no tap
    /// falls in the padding (every 1x1 convolution and FULLY_CONNECTED, the interior of k×k
    /// ones): what GEMM-style kernels start their accumulators from, so they need Σ w′x only.
    /// Computed once at load; the reference kernels do not use it.
    std::vector<std::int32_t> zero_point_bias;
    /// The weights packed for the SIMD GEMM (simd::pack_gemm): FULLY_CONNECTED, and CONV_2D
    /// that is 1x1 with stride 1 or has K = kh·kw·Cin ≤ patch_gemm_max_k; empty otherwise.
    std::optional<simd::PackedGemm> gemm;
    /// DEPTHWISE_CONV_2D: the constants of the SIMD depthwise laid out once (simd::pack_depthwise).
    simd::PackedDepthwise depthwise;
};

/// ConvState::zero_point_bias of `channels` output channels whose weight k of channel c is
/// weights[c · channel_step + k · tap_step], `taps` taps each.
inline std::vector<std::int32_t> fold_zero_point(const ConvState& s, int channels, std::size_t taps,
                                                 std::size_t channel_step, std::size_t tap_step) {
    std::vector<std::int32_t> out(static_cast<std::size_t>(channels));
    for (std::size_t c = 0; c < out.size(); ++c) {
        std::uint32_t sum = 0;
        for (std::size_t k = 0; k < taps; ++k)
            sum += static_cast<std::uint32_t>(std::int32_t{s.weights[c * channel_step + k * tap_step]});
        const std::uint32_t bias = s.bias ? static_cast<std::uint32_t>(s.bias[c]) : 0u;
        out[c] = static_cast<std::int32_t>(bias + static_cast<std::uint32_t>(s.params.input_offset) * sum);
    }
    return out;
}

/// ConvState::zero_point_bias of a prepared op: `filter` as the kernels take it (CONV_2D
/// [Cout, KH, KW, Cin], DEPTHWISE_CONV_2D [1, KH, KW, C]; FULLY_CONNECTED [N, 1, 1, K]).
inline std::vector<std::int32_t> make_zero_point_bias(const ConvState& s, bool depthwise, ref::Nhwc filter) {
    const auto taps = static_cast<std::size_t>(filter.h) * static_cast<std::size_t>(filter.w);
    if (depthwise) return fold_zero_point(s, filter.c, taps, 1, static_cast<std::size_t>(filter.c));
    const std::size_t per_channel = taps * static_cast<std::size_t>(filter.c);
    return fold_zero_point(s, filter.n, per_channel, per_channel, 1);
}

/// Checks the bias operand (constant int32 of `channels` values) and returns its data.
inline const std::int32_t* checked_bias(const OpContext& ctx, const Tensor* bias, int channels) {
    if (!bias) return nullptr;
    ctx.expect_type(*bias, {io::tflite_codes::int32}, "bias");
    ctx.expect_constant(*bias, "bias");
    if (bias->numel() != static_cast<std::size_t>(channels))
        ctx.fail(ErrorKind::shape, {"bias ", OpContext::name(*bias), " has ", bias->numel(), " values, expected ", channels});
    return bias->data<std::int32_t>();
}

/// The multipliers of a weighted op: per channel in double for int8 convolutions
/// (`per_channel_double`), else the float scale product (GetQuantizedConvolutionMultipler);
/// per-channel int8 weights always use the double form.
inline std::vector<QuantizedMultiplier> conv_multipliers(const OpContext& ctx, const Tensor& x, const Tensor& w,
                                                         const Tensor& y, int channels, int axis,
                                                         bool per_channel_double) {
    const io::TfliteTensor& rec = ctx.record(w);
    const std::size_t n = rec.quantization.scale.size();
    if (n != 1 && !(n == static_cast<std::size_t>(channels) && rec.quantization.axis == axis))
        ctx.fail(ErrorKind::format, {"weights ", OpContext::name(w), ": ", n, " scales on dimension ",
                                     rec.quantization.axis, ", expected 1 or ", channels, " on dimension ", axis});
    std::vector<QuantizedMultiplier> out;
    const bool double_form = per_channel_double || n > 1;
    const std::size_t count = double_form ? static_cast<std::size_t>(channels) : 1;
    for (std::size_t c = 0; c < count; ++c) {
        const float ws = rec.quantization.scale[n == 1 ? 0 : c];
        const double real = double_form ? per_channel_real_multiplier(x.scale, ws, y.scale)
                                        : convolution_real_multiplier(x.scale, ws, y.scale);
        out.push_back(ctx.multiplier(real, y, "output"));
    }
    return out;
}

/// Weights as int16 with the zero point subtracted. uint8 weights are per-tensor;
/// int8 weights must have zero point 0 (TFLite's int8 kernels ignore it).
inline std::vector<std::int16_t> packed_weights(const OpContext& ctx, const Tensor& w) {
    std::vector<std::int16_t> out(w.numel());
    if (w.type == io::tflite_codes::uint8) {
        if (ctx.record(w).quantization.scale.size() != 1)
            ctx.fail(ErrorKind::unsupported, {"uint8 weights ", OpContext::name(w), " must be quantized per tensor"});
        const std::uint8_t* src = w.data<std::uint8_t>();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int16_t>(src[i] - w.zero_point);
    } else {
        for (const std::int64_t z : ctx.record(w).quantization.zero_point)
            if (z != 0)
                ctx.fail(ErrorKind::unsupported, {"int8 weights ", OpContext::name(w), " have zero point ", z, ", expected 0"});
        const std::int8_t* src = w.data<std::int8_t>();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = src[i];
    }
    return out;
}

/// Common checks of a weighted op's activation operands: same type (uint8 or int8),
/// weights of the same signedness, quantized.
inline void check_weighted_types(const OpContext& ctx, const Tensor& x, const Tensor& w, const Tensor& y) {
    ctx.expect_type(x, {io::tflite_codes::uint8, io::tflite_codes::int8}, "input");
    ctx.expect_type(w, {x.type}, "weights");
    ctx.expect_type(y, {x.type}, "output");
    ctx.expect_constant(w, "weights");
    ctx.expect_quantized(x, "input");
    ctx.expect_quantized(w, "weights");
    ctx.expect_quantized(y, "output");
}

/// Largest K = kh·kw·Cin of a k×k CONV_2D run as a GEMM over gathered patches (the stem's is 27).
inline constexpr int patch_gemm_max_k = 512;

/// Copies n bytes; up to 64 by one masked load and store (the stem's taps are 3 to 9 bytes, and a
/// libc memcpy call per tap cost more than the copy), which never touch memory past n.
template <class T>
inline void copy_small(T* dst, const T* src, std::size_t n) noexcept {
#if MNET_QSIMD_AVX512BW
    if (n <= 64) {
        const __mmask64 mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
        _mm512_mask_storeu_epi8(dst, mask, _mm512_maskz_loadu_epi8(mask, src));
        return;
    }
#endif
    std::memcpy(dst, src, n * sizeof(T));
}

/// Output pixels [pixel_begin, pixel_end) of a k×k CONV_2D as the GEMM `g` (K = kh·kw·Cin) over
/// patches gathered in chunks on the stack. A tap in the padding reads the input zero point, whose
/// x − z_x is 0: the same sum as the reference, which skips that tap.
template <class T>
void conv_by_patches(const simd::PackedGemm& g, const ref::ConvParams& p, ref::Nhwc in, ref::Nhwc filter,
                     ref::Nhwc out, const T* x, T* y, int pixel_begin, int pixel_end) noexcept {
    constexpr int buffer_bytes = 16384;  // ≥ 32 patches of the largest K, and within any thread's stack
    constexpr std::size_t wide = 16;     // a kernel row of at most 16 bytes is copied as 16 (see below)
    constexpr int max_rows = 16;         // kernel rows whose input rows are looked up once per output row
    alignas(64) T patches[buffer_bytes + wide];
    const int k = g.k;
    const int chunk = buffer_bytes / k;
    const T pad = static_cast<T>(-p.input_offset);
    const auto channels = static_cast<std::size_t>(in.c);
    const std::size_t run = channels * static_cast<std::size_t>(filter.w);  // bytes of a kernel row inside the input
    const std::size_t input_bytes = in.size();
    // Per output row, the offset of each kernel row's input row (none in the padding): looked up once per
    // row, not per pixel (the per-pixel index arithmetic cost more than the copies).
    constexpr std::size_t none = ~std::size_t{0};
    std::size_t rows[max_rows] = {};
    const bool fast_rows = filter.h <= max_rows && p.dilation_w == 1;
    if (pixel_begin >= pixel_end) return;
    int ox = pixel_begin % out.w, oy = (pixel_begin / out.w) % out.h, b = pixel_begin / (out.w * out.h);
    const auto find_rows = [&] {
        for (int ky = 0; fast_rows && ky < filter.h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            rows[ky] = iy >= 0 && iy < in.h ? in.at(b, iy, 0, 0) : none;
        }
    };
    find_rows();
    for (int first = pixel_begin; first < pixel_end; first += chunk) {
        const int count = std::min(chunk, pixel_end - first);
        for (int i = 0; i < count; ++i, ++ox) {
            if (ox == out.w) {
                ox = 0;
                if (++oy == out.h) {
                    oy = 0;
                    ++b;
                }
                find_rows();
            }
            T* patch = patches + static_cast<std::size_t>(i) * static_cast<std::size_t>(k);
            const int ix0 = ox * p.stride_w - p.pad_left;
            if (fast_rows && ix0 >= 0 && ix0 + filter.w <= in.w) {
                const std::size_t at = static_cast<std::size_t>(ix0) * channels;
                for (int ky = 0; ky < filter.h; ++ky, patch += run) {
                    if (rows[ky] == none) {
                        std::fill_n(patch, run, pad);
                    } else if (run <= wide && rows[ky] + at + wide <= input_bytes) {
                        // A short run (the stem's 9 bytes) as one plain 16-byte copy: the bytes past it land
                        // where the next run or patch (or the buffer's slack) is written after, so they never
                        // survive, and the read stays inside the input.
                        std::memcpy(patch, x + rows[ky] + at, wide);
                    } else {
                        copy_small(patch, x + rows[ky] + at, run);
                    }
                }
                continue;
            }
            for (int ky = 0; ky < filter.h; ++ky) {
                const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                for (int kx = 0; kx < filter.w; ++kx, patch += in.c) {
                    const int ix = ix0 + kx * p.dilation_w;
                    if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                        std::fill_n(patch, channels, pad);
                    else
                        copy_small(patch, x + in.at(b, iy, ix, 0), channels);
                }
            }
        }
        simd::conv1x1(g, patches, y + static_cast<std::size_t>(first) * static_cast<std::size_t>(out.c), 0, count);
    }
}

/// The step of a prepared CONV_2D or DEPTHWISE_CONV_2D: output rows split over the
/// threads. A band of rows [r0, r1) is the same kernel call on a shorter output whose
/// first row sits r0·stride rows further down (pad_top shrinks by as much), so every
/// output value is computed exactly as in one call: any thread count gives the same bits.
/// Convolutions run the SIMD GEMM (k×k ones over gathered patches), depthwise the SIMD
/// depthwise (both bit-identical to the reference kernels: tests/quant/test_simd_kernels.cpp;
/// whole models: the qlogits tests); a k×k CONV_2D with K over patch_gemm_max_k the reference.
template <class T>
Step conv_step(const std::shared_ptr<const ConvState>& state, bool depthwise, ref::Nhwc in, ref::Nhwc filter, ref::Nhwc out,
               int xi, int yi) {
    return [=](const Frame& f) {
        const T* x = f.at<T>(xi);
        T* y = f.at<T>(yi);
        const auto rows = static_cast<std::size_t>(out.n == 1 ? out.h : 1);  // batches > 1 run whole
        f.par.split(rows, [&](std::size_t r0, std::size_t r1) {
            ref::ConvParams p = state->params;
            ref::Nhwc band = out;
            T* y_band = y;
            if (out.n == 1) {
                p.pad_top -= static_cast<int>(r0) * p.stride_h;
                band.h = static_cast<int>(r1 - r0);
                y_band += out.at(0, static_cast<int>(r0), 0, 0);
            }
            const int pixel_begin = static_cast<int>(r0) * out.w;
            const int pixel_end = out.n == 1 ? static_cast<int>(r1) * out.w : out.n * out.h * out.w;
            if (state->gemm && filter.h * filter.w == 1) {  // a 1x1 convolution: rows of pixels of a GEMM
                simd::conv1x1(*state->gemm, x, y, pixel_begin, pixel_end);
            } else if (state->gemm) {
                conv_by_patches(*state->gemm, state->params, in, filter, out, x, y, pixel_begin, pixel_end);
            } else if (depthwise) {
                simd::depthwise_conv2d(state->depthwise, p, in, x, filter, state->weights.data(), state->bias, band, y_band, 0,
                                       band.h);
            } else {
                ref::conv2d(p, in, x, filter, state->weights.data(), state->bias, band, y_band);
            }
        });
    };
}

/// CONV_2D or DEPTHWISE_CONV_2D.
inline Step prepare_conv(const OpContext& ctx, bool depthwise) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& w = *ctx.input(1, "weights");
    const Tensor* b = ctx.input(2, "bias", true);
    Tensor& y = ctx.output();
    check_weighted_types(ctx, x, w, y);
    ctx.expect_rank(x, 4, "input");
    ctx.expect_rank(w, 4, "weights");
    ctx.expect_rank(y, 4, "output");

    int stride_h = 0, stride_w = 0, dil_h = 1, dil_w = 1, activation = 0, multiplier_option = 0;
    bool same = true;
    auto read = [&](const auto* o) {
        if (!o) ctx.fail(ErrorKind::format, {"options table missing"});
        stride_h = o->stride_h();
        stride_w = o->stride_w();
        dil_h = o->dilation_h_factor();
        dil_w = o->dilation_w_factor();
        activation = static_cast<int>(o->fused_activation_function());
        same = o->padding() == io::tflite_schema::Padding::SAME;
    };
    if (depthwise) {
        const auto* o = ctx.op.raw->builtin_options_as_DepthwiseConv2DOptions();
        read(o);
        multiplier_option = o->depth_multiplier();
    } else {
        read(ctx.op.raw->builtin_options_as_Conv2DOptions());
    }
    if (stride_h < 1 || stride_w < 1 || dil_h < 1 || dil_w < 1 || stride_h > 1024 || stride_w > 1024 || dil_h > 1024 ||
        dil_w > 1024)
        ctx.fail(ErrorKind::format, {"stride ", stride_h, "x", stride_w, " / dilation ", dil_h, "x", dil_w,
                                     " out of range (1 to 1024)"});

    const ref::Nhwc in = nhwc(x);
    const int channels = depthwise ? w.shape[3] : w.shape[0];
    const int kh = w.shape[1], kw = w.shape[2];
    if (kh < 1 || kw < 1 || kh > 65536 || kw > 65536)  // keeps (k − 1)·dilation + 1 inside int
        ctx.fail(ErrorKind::shape, {"weights ", OpContext::name(w), " kernel ", kh, "x", kw, " out of range (1 to 65536)"});
    int depth_multiplier = 1;
    if (depthwise) {
        if (w.shape[0] != 1 || in.c == 0 || channels % in.c != 0)
            ctx.fail(ErrorKind::shape, {"weights ", OpContext::name(w), " shape ", OpContext::shape_string(w.shape),
                                        " does not fit input channels ", in.c});
        depth_multiplier = channels / in.c;
        if (multiplier_option != 0 && multiplier_option != depth_multiplier)
            ctx.fail(ErrorKind::shape, {"depth_multiplier ", multiplier_option, " but weights give ", depth_multiplier});
    } else if (w.shape[3] != in.c) {
        ctx.fail(ErrorKind::shape, {"weights ", OpContext::name(w), " shape ", OpContext::shape_string(w.shape),
                                    " expect ", w.shape[3], " input channels, input has ", in.c});
    }
    const int oh = out_size(same, in.h, kh, stride_h, dil_h), ow = out_size(same, in.w, kw, stride_w, dil_w);
    ctx.expect_shape(y, {in.n, std::max(oh, 0), std::max(ow, 0), channels}, "output");

    auto state = std::make_shared<ConvState>();
    ref::ConvParams& p = state->params;
    p.stride_h = stride_h;
    p.stride_w = stride_w;
    p.dilation_h = dil_h;
    p.dilation_w = dil_w;
    p.pad_top = same ? pad_before(stride_h, dil_h, in.h, kh, oh) : 0;
    p.pad_left = same ? pad_before(stride_w, dil_w, in.w, kw, ow) : 0;
    p.depth_multiplier = depth_multiplier;
    p.input_offset = -x.zero_point;
    p.filter_offset = 0;  // subtracted at packing
    p.output_offset = y.zero_point;
    p.clamp = ctx.clamp(activation, y);
    const bool int8 = x.type == io::tflite_codes::int8;
    state->multipliers = conv_multipliers(ctx, x, w, y, channels, depthwise ? 3 : 0, int8);
    p.multipliers = state->multipliers;
    state->weights = packed_weights(ctx, w);
    state->bias = checked_bias(ctx, b, channels);
    const ref::Nhwc filter = depthwise ? ref::Nhwc{1, kh, kw, channels} : ref::Nhwc{channels, kh, kw, in.c};
    state->zero_point_bias = make_zero_point_bias(*state, depthwise, filter);
    const ref::Nhwc out = nhwc(y);
    const bool pointwise = kh == 1 && kw == 1 && stride_h == 1 && stride_w == 1 && p.pad_top == 0 && p.pad_left == 0 &&
                           oh == in.h && ow == in.w;
    if (!depthwise && (pointwise || static_cast<long>(kh) * kw * in.c <= patch_gemm_max_k)) {
        const int k = kh * kw * in.c;  // [Cout][kh][kw][Cin] is the GEMM's [n][k]
        state->gemm = int8 ? simd::pack_gemm<std::int8_t>(p, k, channels, state->weights.data(), state->bias)
                           : simd::pack_gemm<std::uint8_t>(p, k, channels, state->weights.data(), state->bias);
    }
    if (depthwise)
        state->depthwise = int8 ? simd::pack_depthwise<std::int8_t>(p, filter, state->weights.data(), state->bias)
                                : simd::pack_depthwise<std::uint8_t>(p, filter, state->weights.data(), state->bias);
    const int xi = x.id, yi = y.id;
    if (int8) return conv_step<std::int8_t>(state, depthwise, in, filter, out, xi, yi);
    return conv_step<std::uint8_t>(state, depthwise, in, filter, out, xi, yi);
}

/// The step of a prepared FULLY_CONNECTED on the SIMD GEMM: batches split over the threads.
template <class T>
Step fully_connected_step(const std::shared_ptr<const ConvState>& state, int batches, int xi, int yi) {
    return [=](const Frame& f) {
        const T* x = f.at<T>(xi);
        T* y = f.at<T>(yi);
        // One batch of a classifier is microseconds for the SIMD GEMM: batches split, columns do not.
        f.par.split(static_cast<std::size_t>(batches), [&](std::size_t b0, std::size_t b1) {
            simd::fully_connected(*state->gemm, x, y, static_cast<int>(b0), static_cast<int>(b1));
        });
    };
}

/// FULLY_CONNECTED: input flattened to [numel / K, K], weights [N, K], output [batches, N].
inline Step prepare_fully_connected(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& w = *ctx.input(1, "weights");
    const Tensor* b = ctx.input(2, "bias", true);
    Tensor& y = ctx.output();
    check_weighted_types(ctx, x, w, y);
    ctx.expect_rank(w, 2, "weights");
    const auto* o = ctx.op.raw->builtin_options_as_FullyConnectedOptions();
    if (o && o->weights_format() != 0) ctx.fail(ErrorKind::unsupported, {"shuffled weights format"});
    const int n = w.shape[0], k = w.shape[1];
    if (k == 0 || x.numel() % static_cast<std::size_t>(k) != 0)
        ctx.fail(ErrorKind::shape, {"input ", OpContext::name(x), " of ", x.numel(), " values is not a multiple of K = ", k});
    const int batches = static_cast<int>(x.numel() / static_cast<std::size_t>(k));
    if (y.numel() != static_cast<std::size_t>(batches) * static_cast<std::size_t>(n))
        ctx.fail(ErrorKind::shape, {"output ", OpContext::name(y), " has ", y.numel(), " values, expected ", batches, "x", n});

    auto state = std::make_shared<ConvState>();
    ref::ConvParams& p = state->params;
    p.input_offset = -x.zero_point;
    p.output_offset = y.zero_point;
    p.clamp = ctx.clamp(o ? static_cast<int>(o->fused_activation_function()) : 0, y);
    state->multipliers = conv_multipliers(ctx, x, w, y, n, 0, false);
    p.multipliers = state->multipliers;
    state->weights = packed_weights(ctx, w);
    state->bias = checked_bias(ctx, b, n);
    state->zero_point_bias = make_zero_point_bias(*state, false, ref::Nhwc{n, 1, 1, k});
    state->gemm = x.type == io::tflite_codes::int8
                      ? simd::pack_gemm<std::int8_t>(p, k, n, state->weights.data(), state->bias)
                      : simd::pack_gemm<std::uint8_t>(p, k, n, state->weights.data(), state->bias);
    const int xi = x.id, yi = y.id;
    if (x.type == io::tflite_codes::int8) return fully_connected_step<std::int8_t>(state, batches, xi, yi);
    return fully_connected_step<std::uint8_t>(state, batches, xi, yi);
}

}  // namespace mnet::quant::detail
