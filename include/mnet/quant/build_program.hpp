// Building a quant::Program from parsed .tflite files: every op checked as TFLite's
// Prepare would (types, shapes, constant weights, int32 bias, multipliers in range;
// mnet::Error naming the file, op, tensor and field), weights packed and multipliers
// derived once. Several files chain (an extractor, then its head): each file's input
// must match the previous output in type, size and quantization, and takes its slot.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/detail/op_context.hpp"
#include "mnet/quant/detail/prepare_conv.hpp"
#include "mnet/quant/detail/prepare_ops.hpp"
#include "mnet/quant/program.hpp"

namespace mnet::quant {

/// Largest total size of a graph's activation tensors mnet prepares (512 MiB, below the
/// fuzzers' 1 GiB allocation limit); the 513×513 DeepLab has 52.9 MB of them, V2 1.0-224 7.0 MB.
inline constexpr std::uint64_t max_activation_bytes = std::uint64_t{1} << 29;

namespace detail {

/// A file's tensor as the program keeps it: metadata, and the bytes of constants.
inline Tensor make_tensor(const io::TfliteFile& file, const io::TfliteTensor& rec, int id) {
    Tensor t;
    t.index = rec.index;
    t.id = id;
    t.name = rec.name;
    t.type = rec.type;
    for (const std::int64_t d : rec.shape) {
        if (d > (std::int64_t{1} << 30)) file.fail(ErrorKind::unsupported, {"tensor ", rec.index, " has a dimension of ", d});
        t.shape.push_back(static_cast<int>(d));
    }
    if (!rec.quantization.scale.empty()) {
        t.scale = rec.quantization.scale[0];
        t.zero_point = rec.quantization.zero_point.empty() ? 0 : static_cast<std::int32_t>(rec.quantization.zero_point[0]);
    }
    t.constant = rec.is_constant();
    // Only the types the kernels compute with have bytes; others are refused by the op that uses them.
    const bool computable = rec.type == io::tflite_codes::uint8 || rec.type == io::tflite_codes::int8 ||
                            rec.type == io::tflite_codes::int32 || rec.type == io::tflite_codes::int64;
    if (computable) {
        t.bytes = static_cast<std::size_t>(rec.numel) * io::tflite_codes::element_size(rec.type);
        if (t.constant) {
            t.storage.resize(t.bytes);
            std::memcpy(t.storage.data(), rec.data.data(), t.bytes);
        }
    }
    return t;
}

/// The step of one op (every preparation checks its operands' types first).
inline Step prepare(const OpContext& ctx) {
    namespace codes = io::tflite_codes;
    switch (ctx.op.code) {
        case codes::conv_2d: return prepare_conv(ctx, false);
        case codes::depthwise_conv_2d: return prepare_conv(ctx, true);
        case codes::fully_connected: return prepare_fully_connected(ctx);
        case codes::add: return prepare_add(ctx);
        case codes::average_pool_2d: return prepare_average_pool(ctx);
        case codes::mean: return prepare_mean(ctx);
        case codes::reshape:
        case codes::squeeze: return prepare_reshape(ctx);
        case codes::quantize: return prepare_quantize(ctx);
        case codes::softmax: return prepare_softmax(ctx);
        case codes::resize_bilinear: return prepare_resize_bilinear(ctx);
        case codes::concatenation: return prepare_concatenation(ctx);
        case codes::arg_max: return prepare_arg_max(ctx);
        default: break;
    }
    if (ctx.op.code == codes::custom) ctx.fail(ErrorKind::unsupported, {"unsupported op CUSTOM '", ctx.op.custom_code, "'"});
    ctx.fail(ErrorKind::unsupported, {"unsupported op ", codes::op_name(ctx.op.code), " in integer execution"});
}

/// The logits of a program: walk back from the output over final requantizations
/// (QUANTIZE: the int8 PTQ model hands out uint8 probabilities) to a SOFTMAX, whose input
/// they are, or to an ARG_MAX, whose input (before its RESIZE_BILINEAR, for segmentation)
/// they are; a graph with neither (a feature extractor) returns its output.
inline int find_logits(const Program& p) {
    auto producer = [&](int id) -> const ProgramOp* {
        for (const ProgramOp& op : p.ops)
            if (op.output == id) return &op;
        return nullptr;
    };
    int id = p.output;
    for (const ProgramOp* op = producer(id); op; op = producer(id)) {
        if (op->code == io::tflite_codes::quantize) {
            id = op->inputs.at(0);
            continue;
        }
        if (op->code == io::tflite_codes::softmax) return op->inputs.at(0);
        if (op->code == io::tflite_codes::arg_max) {
            id = op->inputs.at(0);
            const ProgramOp* resize = producer(id);
            return resize && resize->code == io::tflite_codes::resize_bilinear ? resize->inputs.at(0) : id;
        }
        break;
    }
    return p.output;
}

}  // namespace detail

/// Prepares `files` (one, or several chained in order) for integer execution.
/// Throws mnet::Error on anything TFLite would refuse or mnet does not run in integers.
inline Program build_program(std::span<const io::TfliteFile> files) {
    if (files.empty()) mnet::detail::fail(ErrorKind::argument, {"build_program: no file"});
    Program program;
    std::uint64_t activation_bytes = 0;
    for (const io::TfliteFile& file : files) {
        for (const io::TfliteTensor& rec : file.tensors())
            if (!rec.is_constant()) activation_bytes += rec.numel * io::tflite_codes::element_size(rec.type);
        if (activation_bytes > max_activation_bytes)
            file.fail(ErrorKind::unsupported, {"its activation tensors need ", activation_bytes,
                                               " bytes, more than the integer path's limit of ", max_activation_bytes});
        program.name += (program.name.empty() ? "" : " + ") + file.name();
    }
    std::size_t total = 0;
    for (const io::TfliteFile& file : files) total += file.tensors().size();
    program.tensors.reserve(total);  // constants' bytes must not move once steps point at them

    int previous_output = -1;
    for (std::size_t s = 0; s < files.size(); ++s) {
        const io::TfliteFile& file = files[s];
        // Each file's tensors indexed as in the file (what its ops and checks use); ids number on.
        std::vector<Tensor> local;
        local.reserve(file.tensors().size());
        const int base = static_cast<int>(program.tensors.size());
        for (const io::TfliteTensor& rec : file.tensors()) local.push_back(detail::make_tensor(file, rec, base + rec.index));
        const int input = file.input().index;
        Tensor& in = local[static_cast<std::size_t>(input)];
        if (in.constant) file.fail(ErrorKind::format, {"the graph input is a constant tensor"});
        if (in.type != io::tflite_codes::uint8 && in.type != io::tflite_codes::int8)
            file.fail(ErrorKind::unsupported, {"graph input tensor ", input, " is ", io::tflite_codes::type_name(in.type),
                                               ", expected UINT8 or INT8"});
        if (previous_output >= 0) {
            const Tensor& out = program.tensors[static_cast<std::size_t>(previous_output)];
            if (out.type != in.type || out.numel() != in.numel() || out.scale != in.scale || out.zero_point != in.zero_point)
                file.fail(ErrorKind::unsupported,
                          {"its input ", detail::OpContext::name(in), " (", io::tflite_codes::type_name(in.type), ", ",
                           in.numel(), " values, scale ", detail::OpContext::real(in.scale), ", zero point ", in.zero_point,
                           ") does not continue the previous file's output (", io::tflite_codes::type_name(out.type), ", ",
                           out.numel(), " values, scale ", detail::OpContext::real(out.scale), ", zero point ",
                           out.zero_point, ")"});
            in.id = previous_output;  // the seam: one tensor, one slot
        } else {
            program.input = in.id;
        }
        // Dataflow in file order: an op may read constants, the input and earlier outputs only.
        std::vector<bool> ready(local.size(), false);
        for (const Tensor& t : local) ready[static_cast<std::size_t>(t.index)] = t.constant;
        ready[static_cast<std::size_t>(input)] = true;
        for (const io::TfliteOp& op : file.ops()) {
            detail::OpContext ctx{file, op, local};
            for (const int i : op.inputs)
                if (i >= 0 && !ready[static_cast<std::size_t>(i)])
                    ctx.fail(ErrorKind::format,
                             {"reads ", detail::OpContext::name(local[static_cast<std::size_t>(i)]), " before any op writes it"});
            for (const int o : op.outputs)
                if (ready[static_cast<std::size_t>(o)])
                    ctx.fail(ErrorKind::format, {"writes ", detail::OpContext::name(local[static_cast<std::size_t>(o)]),
                                                 ", which is a constant, the input or already written"});
            ProgramOp prepared{detail::prepare(ctx), {}, 0, op.code, static_cast<int>(s), op.index};
            for (const int i : op.inputs)
                if (i >= 0) prepared.inputs.push_back(local[static_cast<std::size_t>(i)].id);
            prepared.output = ctx.output().id;
            program.ops.push_back(std::move(prepared));
            for (const int o : op.outputs) ready[static_cast<std::size_t>(o)] = true;
        }
        const int output = file.output().index;
        if (!ready[static_cast<std::size_t>(output)])
            file.fail(ErrorKind::format, {"no op writes the graph output tensor ", output});
        previous_output = local[static_cast<std::size_t>(output)].id;
        // Moving the tensors keeps their storage where the prepared steps point.
        for (Tensor& t : local) program.tensors.push_back(std::move(t));
    }
    program.output = previous_output;
    program.logits = detail::find_logits(program);
    return program;
}

}  // namespace mnet::quant
