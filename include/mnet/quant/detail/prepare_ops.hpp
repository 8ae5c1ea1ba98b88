// Preparing the reference interpreter's other ops: ADD, AVERAGE_POOL_2D, MEAN,
// RESHAPE/SQUEEZE, QUANTIZE, SOFTMAX, RESIZE_BILINEAR, CONCATENATION, ARG_MAX. Each
// checks what TFLite's Prepare checks (types, shapes, shared quantization where the
// kernel assumes it), derives its parameters once, and returns the step that runs it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "mnet/quant/detail/op_context.hpp"
#include "mnet/quant/kernels/arg_max.hpp"
#include "mnet/quant/kernels/elementwise.hpp"
#include "mnet/quant/kernels/pooling.hpp"
#include "mnet/quant/kernels/resize_bilinear.hpp"
#include "mnet/quant/kernels/simd/add.hpp"
#include "mnet/quant/kernels/simd/pool.hpp"
#include "mnet/quant/kernels/simd/quantize.hpp"
#include "mnet/quant/kernels/softmax.hpp"

namespace mnet::quant::detail {

inline constexpr int u8 = io::tflite_codes::uint8;  ///< shorthand
inline constexpr int i8 = io::tflite_codes::int8;   ///< shorthand

/// Most inputs of one CONCATENATION (DeepLab's has 2).
inline constexpr std::size_t max_concat_inputs = 16;

/// Calls f(T{}) with T = uint8_t or int8_t according to `type` (checked before).
template <class F>
auto with_type(int type, F&& f) {
    if (type == i8) return f(std::int8_t{});
    return f(std::uint8_t{});
}

/// ADD of two same-shape uint8 or int8 tensors.
inline Step prepare_add(const OpContext& ctx) {
    Tensor& a = *ctx.input(0, "input 1");
    Tensor& b = *ctx.input(1, "input 2");
    Tensor& y = ctx.output();
    ctx.expect_type(a, {u8, i8}, "input 1");
    ctx.expect_type(b, {a.type}, "input 2");
    ctx.expect_type(y, {a.type}, "output");
    for (const Tensor* t : {&a, &b, &y}) ctx.expect_quantized(*t, "operand");
    ctx.expect_shape(b, a.shape, "input 2");
    ctx.expect_shape(y, a.shape, "output");
    const auto* o = ctx.op.raw->builtin_options_as_AddOptions();
    auto p = ref::make_add_params(a.scale, a.zero_point, b.scale, b.zero_point, y.scale, y.zero_point,
                                  ctx.clamp(o ? static_cast<int>(o->fused_activation_function()) : 0, y));
    for (const QuantizedMultiplier* m : {&p.input1_multiplier, &p.input2_multiplier, &p.output_multiplier})
        if (m->shift > 0)  // TFLite's QuantizeMultiplierSmallerThanOneExp check
            ctx.fail(ErrorKind::format, {OpContext::name(y), ": ADD rescaling multiplier needs a left shift of ", m->shift,
                                         ", expected <= 0"});
    const std::size_t count = y.numel();
    return with_type(a.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int ai = a.id, bi = b.id;
        const int yi = y.id;
        // Elementwise: any split of the elements gives the same bits.
        return [=](const Frame& f) {
            const T* a_data = f.at<T>(ai);
            const T* b_data = f.at<T>(bi);
            T* y_data = f.at<T>(yi);
            f.par.split(count, [&](std::size_t begin, std::size_t end) {
                simd::add(p, end - begin, a_data + begin, b_data + begin, y_data + begin);
            });
        };
    });
}

/// AVERAGE_POOL_2D; input and output share scale and zero point, as TFLite requires.
inline Step prepare_average_pool(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {x.type}, "output");
    ctx.expect_rank(x, 4, "input");
    if (x.zero_point != y.zero_point || std::abs(x.scale - y.scale) > 1e-6f)
        ctx.fail(ErrorKind::unsupported, {"input and output quantization differ (", OpContext::real(x.scale), ", ",
                                          x.zero_point, " vs ", OpContext::real(y.scale), ", ", y.zero_point, ")"});
    const auto* o = ctx.op.raw->builtin_options_as_Pool2DOptions();
    if (!o) ctx.fail(ErrorKind::format, {"options table missing"});
    ref::PoolParams p;
    p.filter_h = o->filter_height();
    p.filter_w = o->filter_width();
    p.stride_h = o->stride_h();
    p.stride_w = o->stride_w();
    if (p.filter_h < 1 || p.filter_w < 1 || p.stride_h < 1 || p.stride_w < 1 || p.filter_h > 65536 ||
        p.filter_w > 65536 || p.stride_h > 65536 || p.stride_w > 65536)
        ctx.fail(ErrorKind::format, {"filter ", p.filter_h, "x", p.filter_w, " / stride ", p.stride_h, "x", p.stride_w,
                                     " out of range"});
    const bool same = o->padding() == io::tflite_schema::Padding::SAME;
    const ref::Nhwc in = nhwc(x);
    const int oh = out_size(same, in.h, p.filter_h, p.stride_h, 1), ow = out_size(same, in.w, p.filter_w, p.stride_w, 1);
    if (oh < 1 || ow < 1) ctx.fail(ErrorKind::shape, {"window larger than the input"});
    ctx.expect_shape(y, {in.n, oh, ow, in.c}, "output");
    p.pad_top = same ? pad_before(p.stride_h, 1, in.h, p.filter_h, oh) : 0;
    p.pad_left = same ? pad_before(p.stride_w, 1, in.w, p.filter_w, ow) : 0;
    p.clamp = ctx.clamp(static_cast<int>(o->fused_activation_function()), y);
    const ref::Nhwc out = nhwc(y);
    return with_type(x.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int xi = x.id;
        const int yi = y.id;
        return [=](const Frame& f) { simd::average_pool(p, in, f.at<T>(xi), out, f.at<T>(yi)); };
    });
}

/// Reads a constant int32 operand (axes, sizes) into a vector.
inline std::vector<int> constant_ints(const OpContext& ctx, const Tensor& t, const char* role) {
    ctx.expect_type(t, {io::tflite_codes::int32}, role);
    ctx.expect_constant(t, role);
    const std::int32_t* v = t.data<std::int32_t>();
    return {v, v + t.numel()};
}

/// MEAN over constant axes (TFLite QuantizedMeanOrSum).
inline Step prepare_mean(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    const std::vector<int> axes = constant_ints(ctx, *ctx.input(1, "axes"), "axes");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {x.type}, "output");
    ctx.expect_quantized(x, "input");
    ctx.expect_quantized(y, "output");
    const int rank = static_cast<int>(x.shape.size());
    std::vector<bool> reduce(x.shape.size(), false);
    for (int a : axes) {
        const int axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) ctx.fail(ErrorKind::format, {"axis ", a, " out of range for rank ", rank});
        reduce[static_cast<std::size_t>(axis)] = true;
    }
    std::size_t kept = 1;
    for (int d = 0; d < rank; ++d)
        if (!reduce[static_cast<std::size_t>(d)]) kept *= static_cast<std::size_t>(x.shape[static_cast<std::size_t>(d)]);
    if (y.numel() != kept) ctx.fail(ErrorKind::shape, {"output ", OpContext::name(y), " has ", y.numel(), " values, expected ", kept});
    const QuantizedMultiplier m =
        ctx.multiplier(static_cast<double>(x.scale) / static_cast<double>(y.scale), y, "input/output scale");
    const std::vector<int> dims = x.shape;
    const std::int32_t zx = x.zero_point, zy = y.zero_point;
    // Reduced axes in one block (a global pool: axes 1 and 2 of NHWC): [outer, reduced, inner] sums by rows.
    const auto first = std::find(reduce.begin(), reduce.end(), true);
    const auto last = std::find(reduce.rbegin(), reduce.rend(), true).base();
    const bool block = first != reduce.end() && std::find(first, last, false) == last;
    std::size_t outer = 1, reduced = 1, inner = 1;
    for (std::size_t d = 0; d < reduce.size(); ++d) {
        const auto extent = static_cast<std::size_t>(dims[d]);
        if (reduce[d]) reduced *= extent;
        else if (d < static_cast<std::size_t>(first - reduce.begin())) outer *= extent;
        else inner *= extent;
    }
    return with_type(x.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int xi = x.id;
        const int yi = y.id;
        if (block)
            return [=](const Frame& f) {
                simd::mean_contiguous(outer, reduced, inner, f.at<T>(xi), zx, m, zy, f.at<T>(yi));
            };
        return [=](const Frame& f) { ref::mean(dims, reduce, f.at<T>(xi), zx, m, zy, f.at<T>(yi)); };
    });
}

/// RESHAPE and SQUEEZE: the bytes unchanged, the shape from the output tensor.
inline Step prepare_reshape(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8, io::tflite_codes::int32, io::tflite_codes::int64}, "input");
    ctx.expect_type(y, {x.type}, "output");
    if (x.numel() != y.numel())
        ctx.fail(ErrorKind::shape, {"output ", OpContext::name(y), " has ", y.numel(), " values, input ", x.numel()});
    const int xi = x.id;
    const int yi = y.id;
    const std::size_t bytes = x.bytes;
    return [=](const Frame& f) {
        if (bytes && f.at<std::byte>(yi) != f.at<std::byte>(xi)) std::memcpy(f.at<std::byte>(yi), f.at<std::byte>(xi), bytes);
    };
}

/// QUANTIZE between uint8 and int8 (either direction, or the same type with new parameters).
inline Step prepare_quantize(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {u8, i8}, "output");
    ctx.expect_quantized(x, "input");
    ctx.expect_quantized(y, "output");
    ctx.expect_shape(y, x.shape, "output");
    const QuantizedMultiplier m =
        ctx.multiplier(static_cast<double>(x.scale) / static_cast<double>(y.scale), y, "requantization");
    const std::size_t count = x.numel();
    const std::int32_t zx = x.zero_point, zy = y.zero_point;
    return with_type(x.type, [&](auto in) -> Step {
        using In = decltype(in);
        return with_type(y.type, [&](auto out) -> Step {
            using Out = decltype(out);
            const int xi = x.id;
            const int yi = y.id;
            const std::optional<std::uint8_t> flip = simd::requantize_as_xor<In, Out>(m, zx, zy);
            // Elementwise: any split of the values gives the same bits.
            return [=](const Frame& f) {
                const In* x_data = f.at<In>(xi);
                Out* y_data = f.at<Out>(yi);
                f.par.split(count, [&](std::size_t begin, std::size_t end) {
                    if (flip) simd::xor_bytes(end - begin, x_data + begin, *flip, y_data + begin);
                    else simd::requantize(end - begin, x_data + begin, m, zx, zy, y_data + begin);
                });
            };
        });
    });
}

/// SOFTMAX over the last dimension, uint8 → uint8 or int8 → int8.
inline Step prepare_softmax(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {x.type}, "output");
    ctx.expect_quantized(x, "input");
    ctx.expect_shape(y, x.shape, "output");
    if (x.shape.empty() || x.shape.back() < 1) ctx.fail(ErrorKind::shape, {"input has no last dimension"});
    if (y.type == i8 && (y.zero_point != -128 || std::abs(y.scale - 1.f / 256) > 0.001f / 256))
        ctx.fail(ErrorKind::unsupported, {"int8 output must have scale 1/256 and zero point -128"});
    const auto* o = ctx.op.raw->builtin_options_as_SoftmaxOptions();
    const double beta = o ? static_cast<double>(o->beta()) : 1.0;
    const ref::SoftmaxParams p = ref::make_softmax_params(beta, x.scale);
    if (!(beta > 0) || !std::isfinite(beta) || p.input_multiplier.shift < 0 || p.input_multiplier.shift > max_left_shift)
        ctx.fail(ErrorKind::format, {OpContext::name(x), ": softmax beta·scale multiplier needs a shift of ",
                                     p.input_multiplier.shift, ", expected 0 to ", max_left_shift});
    const int depth = x.shape.back();
    const std::size_t rows = x.numel() / static_cast<std::size_t>(depth);
    return with_type(x.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int xi = x.id;
        const int yi = y.id;
        return [=](const Frame& f) { ref::softmax(p, rows, depth, f.at<T>(xi), f.at<T>(yi)); };
    });
}

/// RESIZE_BILINEAR to the constant size operand.
inline Step prepare_resize_bilinear(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    const std::vector<int> size = constant_ints(ctx, *ctx.input(1, "size"), "size");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {x.type}, "output");
    ctx.expect_rank(x, 4, "input");
    if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > 65536 || size[1] > 65536)
        ctx.fail(ErrorKind::format, {"size operand must hold two sizes from 1 to 65536"});
    ctx.expect_shape(y, {x.shape[0], size[0], size[1], x.shape[3]}, "output");
    if (x.shape[1] > 65536 || x.shape[2] > 65536) ctx.fail(ErrorKind::unsupported, {"input larger than 65536"});
    const auto* o = ctx.op.raw->builtin_options_as_ResizeBilinearOptions();
    ref::ResizeParams p;
    if (o) {
        p.align_corners = o->align_corners();
        p.half_pixel_centers = o->half_pixel_centers();
    }
    if (p.align_corners && p.half_pixel_centers)
        ctx.fail(ErrorKind::format, {"align_corners and half_pixel_centers are both set"});
    const ref::Nhwc in = nhwc(x), out = nhwc(y);
    return with_type(x.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int xi = x.id;
        const int yi = y.id;
        return [=](const Frame& f) { ref::resize_bilinear(p, in, f.at<T>(xi), out, f.at<T>(yi)); };
    });
}

/// CONCATENATION along one axis; uint8 inputs with other quantization are requantized,
/// int8 ones must share the output's (as TFLite's kernel requires).
inline Step prepare_concatenation(const OpContext& ctx) {
    Tensor& y = ctx.output();
    ctx.expect_type(y, {u8, i8}, "output");
    ctx.expect_quantized(y, "output");
    const auto* o = ctx.op.raw->builtin_options_as_ConcatenationOptions();
    if (!o) ctx.fail(ErrorKind::format, {"options table missing"});
    if (o->fused_activation_function() != io::tflite_schema::ActivationFunctionType::NONE)
        ctx.fail(ErrorKind::unsupported, {"a fused activation on CONCATENATION"});
    const int rank = static_cast<int>(y.shape.size());
    const int axis = o->axis() < 0 ? o->axis() + rank : o->axis();
    if (axis < 0 || axis >= rank) ctx.fail(ErrorKind::format, {"axis ", o->axis(), " out of range for rank ", rank});
    std::vector<const Tensor*> inputs;
    int total = 0;
    for (std::size_t i = 0; i < ctx.op.inputs.size(); ++i) {
        const Tensor& t = *ctx.input(i, "input");
        ctx.expect_type(t, {y.type}, "input");
        ctx.expect_quantized(t, "input");
        std::vector<int> want = y.shape;
        if (t.shape.size() != y.shape.size()) ctx.expect_shape(t, want, "input");
        want[static_cast<std::size_t>(axis)] = t.shape[static_cast<std::size_t>(axis)];
        ctx.expect_shape(t, want, "input");
        if (y.type == i8 && (t.scale != y.scale || t.zero_point != y.zero_point))
            ctx.fail(ErrorKind::unsupported, {"int8 input ", OpContext::name(t), " quantized unlike the output"});
        total += t.shape[static_cast<std::size_t>(axis)];
        inputs.push_back(&t);
    }
    if (inputs.size() > max_concat_inputs)
        ctx.fail(ErrorKind::unsupported, {inputs.size(), " inputs, at most ", max_concat_inputs});
    if (inputs.empty() || total != y.shape[static_cast<std::size_t>(axis)])
        ctx.fail(ErrorKind::shape, {"inputs add up to ", total, " along axis ", axis, ", output has ",
                                    y.shape[static_cast<std::size_t>(axis)]});
    std::size_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= static_cast<std::size_t>(y.shape[static_cast<std::size_t>(d)]);
    for (int d = axis + 1; d < rank; ++d) inner *= static_cast<std::size_t>(y.shape[static_cast<std::size_t>(d)]);
    const float scale = y.scale;
    const std::int32_t zero = y.zero_point;
    return with_type(y.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int yi = y.id;
        // The parts are bound per run on the stack: a prepared step is shared by every session.
        std::array<ref::ConcatInput<T>, max_concat_inputs> parts{};
        std::array<int, max_concat_inputs> ids{};
        const std::size_t count = inputs.size();
        for (std::size_t i = 0; i < count; ++i) {
            parts[i] = {nullptr, inputs[i]->shape[static_cast<std::size_t>(axis)], inputs[i]->scale, inputs[i]->zero_point};
            ids[i] = inputs[i]->id;
        }
        return [=](const Frame& f) {
            std::array<ref::ConcatInput<T>, max_concat_inputs> bound = parts;
            for (std::size_t i = 0; i < count; ++i) bound[i].data = f.at<T>(ids[i]);
            ref::concatenation<T>(std::span<const ref::ConcatInput<T>>(bound.data(), count), outer, inner, scale, zero,
                                  f.at<T>(yi));
        };
    });
}

/// ARG_MAX along a constant axis, int32 or int64 indices.
inline Step prepare_arg_max(const OpContext& ctx) {
    Tensor& x = *ctx.input(0, "input");
    const std::vector<int> axis_v = constant_ints(ctx, *ctx.input(1, "axis"), "axis");
    Tensor& y = ctx.output();
    ctx.expect_type(x, {u8, i8}, "input");
    ctx.expect_type(y, {io::tflite_codes::int32, io::tflite_codes::int64}, "output");
    const int rank = static_cast<int>(x.shape.size());
    if (axis_v.size() != 1) ctx.fail(ErrorKind::format, {"axis operand must hold one value"});
    const int axis = axis_v[0] < 0 ? axis_v[0] + rank : axis_v[0];
    if (axis < 0 || axis >= rank) ctx.fail(ErrorKind::format, {"axis ", axis_v[0], " out of range for rank ", rank});
    std::vector<int> want = x.shape;
    want.erase(want.begin() + axis);
    ctx.expect_shape(y, want, "output");
    if (x.shape[static_cast<std::size_t>(axis)] < 1) ctx.fail(ErrorKind::shape, {"empty axis"});
    std::size_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= static_cast<std::size_t>(x.shape[static_cast<std::size_t>(d)]);
    for (int d = axis + 1; d < rank; ++d) inner *= static_cast<std::size_t>(x.shape[static_cast<std::size_t>(d)]);
    const auto n = static_cast<std::size_t>(x.shape[static_cast<std::size_t>(axis)]);
    const bool wide = y.type == io::tflite_codes::int64;
    return with_type(x.type, [&](auto t) -> Step {
        using T = decltype(t);
        const int xi = x.id;
        const int yi = y.id;
        if (wide) return [=](const Frame& f) { ref::arg_max(outer, n, inner, f.at<T>(xi), f.at<std::int64_t>(yi)); };
        return [=](const Frame& f) { ref::arg_max(outer, n, inner, f.at<T>(xi), f.at<std::int32_t>(yi)); };
    });
}

}  // namespace mnet::quant::detail
