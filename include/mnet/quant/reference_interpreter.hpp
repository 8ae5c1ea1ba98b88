// mnet::quant::ReferenceInterpreter: runs a quantized .tflite file in integers with
// the scalar reference kernels (kernels/*.hpp), op by op in file order, over typed
// tensors indexed as in the file — general dataflow, so branches, concatenations and
// residual adds work. It is the executable specification of mnet's integer path:
// bit-exact with TensorFlow Lite's reference kernels (BUILTIN_REF), slow, simple.
// Construction checks every op as TFLite's Prepare would (types, shapes, constant
// weights, int32 bias, multipliers in range) and throws mnet::Error naming the file,
// op, tensor and field; run() then never throws.
// Ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MEAN,
// RESHAPE, SQUEEZE, QUANTIZE (integer ↔ integer), SOFTMAX, RESIZE_BILINEAR,
// CONCATENATION, ARG_MAX; activations uint8 (per-tensor) or int8 (per-channel weights).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/detail/op_context.hpp"
#include "mnet/quant/detail/prepare_conv.hpp"
#include "mnet/quant/detail/prepare_ops.hpp"
#include "mnet/quant/tensor.hpp"

namespace mnet::quant {

/// Largest total size of a graph's activation tensors the reference interpreter allocates (512 MiB,
/// below the fuzzers' 1 GiB allocation limit).
inline constexpr std::uint64_t max_activation_bytes = std::uint64_t{1} << 29;

/// A quantized .tflite graph prepared for integer execution with the reference kernels.
/// Holds its own copy of the weights: the TfliteFile may be destroyed afterwards.
class ReferenceInterpreter {
public:
    /// Prepares every op of `file` (throws mnet::Error on anything TFLite would refuse
    /// or mnet does not support).
    explicit ReferenceInterpreter(const io::TfliteFile& file) : name_(file.name()) {
        tensors_.reserve(file.tensors().size());
        // Activations are allocated whole (no arena reuse here), so a hostile shape must not ask for more
        // than this; the 513×513 DeepLab holds 52.9 MB of them, V2 1.0-224 7.0 MB.
        std::uint64_t activation_bytes = 0;
        for (const io::TfliteTensor& rec : file.tensors())
            if (!rec.is_constant()) activation_bytes += rec.numel * io::tflite_codes::element_size(rec.type);
        if (activation_bytes > max_activation_bytes)
            file.fail(ErrorKind::unsupported, {"its activation tensors need ", activation_bytes,
                                               " bytes, more than the reference interpreter's limit of ",
                                               max_activation_bytes});
        for (const io::TfliteTensor& rec : file.tensors()) tensors_.push_back(make_tensor(file, rec));
        input_ = file.input().index;
        output_ = file.output().index;
        const Tensor& in = tensors_[static_cast<std::size_t>(input_)];
        if (in.constant) file.fail(ErrorKind::format, {"the graph input is a constant tensor"});
        if (in.type != io::tflite_codes::uint8 && in.type != io::tflite_codes::int8)
            file.fail(ErrorKind::unsupported, {"graph input tensor ", input_, " is ",
                                               io::tflite_codes::type_name(in.type), ", expected UINT8 or INT8"});
        // Dataflow in file order: an op may read constants, the input and earlier outputs only.
        std::vector<bool> ready(tensors_.size(), false);
        for (const Tensor& t : tensors_) ready[static_cast<std::size_t>(t.index)] = t.constant;
        ready[static_cast<std::size_t>(input_)] = true;
        for (const io::TfliteOp& op : file.ops()) {
            detail::OpContext ctx{file, op, tensors_};
            for (const int i : op.inputs)
                if (i >= 0 && !ready[static_cast<std::size_t>(i)])
                    ctx.fail(ErrorKind::format, {"reads ", detail::OpContext::name(tensors_[static_cast<std::size_t>(i)]),
                                                 " before any op writes it"});
            for (const int o : op.outputs) {
                if (ready[static_cast<std::size_t>(o)])
                    ctx.fail(ErrorKind::format, {"writes ", detail::OpContext::name(tensors_[static_cast<std::size_t>(o)]),
                                                 ", which is a constant, the input or already written"});
            }
            steps_.push_back(prepare(ctx));
            for (const int o : op.outputs) ready[static_cast<std::size_t>(o)] = true;
        }
        if (!ready[static_cast<std::size_t>(output_)])
            file.fail(ErrorKind::format, {"no op writes the graph output tensor ", output_});
    }

    ReferenceInterpreter(const ReferenceInterpreter&) = delete;             ///< Steps point into the tensors.
    ReferenceInterpreter& operator=(const ReferenceInterpreter&) = delete;  ///< Steps point into the tensors.
    ReferenceInterpreter(ReferenceInterpreter&&) noexcept = default;        ///< Tensor storage moves with its owners.
    ReferenceInterpreter& operator=(ReferenceInterpreter&&) noexcept = default;  ///< As the move constructor.

    /// Runs the graph on the input tensor's raw values (uint8 or int8 bytes, exactly its
    /// element count). Throws Error(shape) on a size mismatch, nothing else.
    void run(std::span<const std::uint8_t> input) {
        Tensor& in = tensors_[static_cast<std::size_t>(input_)];
        if (input.size() != in.bytes)
            mnet::detail::fail(ErrorKind::shape, {name_, ": input of ", input.size(), " bytes, the graph input ",
                                                  detail::OpContext::shape_string(in.shape), " ",
                                                  io::tflite_codes::type_name(in.type), " takes ", in.bytes});
        if (!input.empty()) std::memcpy(in.storage.data(), input.data(), input.size());
        for (const detail::Step& step : steps_) step();
    }

    /// Every tensor, indexed as in the file (values valid after run()).
    const std::vector<Tensor>& tensors() const noexcept { return tensors_; }
    /// One tensor by its file index.
    const Tensor& tensor(int index) const { return tensors_.at(static_cast<std::size_t>(index)); }
    /// The graph input.
    const Tensor& input() const noexcept { return tensors_[static_cast<std::size_t>(input_)]; }
    /// The graph output.
    const Tensor& output() const noexcept { return tensors_[static_cast<std::size_t>(output_)]; }
    /// Number of prepared ops.
    std::size_t op_count() const noexcept { return steps_.size(); }

private:
    static Tensor make_tensor(const io::TfliteFile& file, const io::TfliteTensor& rec) {
        Tensor t;
        t.index = rec.index;
        t.name = rec.name;
        t.type = rec.type;
        for (const std::int64_t d : rec.shape) {
            if (d > (std::int64_t{1} << 30))
                file.fail(ErrorKind::unsupported, {"tensor ", rec.index, " has a dimension of ", d});
            t.shape.push_back(static_cast<int>(d));
        }
        if (!rec.quantization.scale.empty()) {
            t.scale = rec.quantization.scale[0];
            t.zero_point = rec.quantization.zero_point.empty() ? 0 : static_cast<std::int32_t>(rec.quantization.zero_point[0]);
        }
        const std::size_t element = io::tflite_codes::element_size(rec.type);
        t.constant = rec.is_constant();
        // Only the types the kernels compute with get storage; others are refused by the op that uses them.
        const bool computable = rec.type == io::tflite_codes::uint8 || rec.type == io::tflite_codes::int8 ||
                                rec.type == io::tflite_codes::int32 || rec.type == io::tflite_codes::int64;
        if (computable) {
            t.bytes = static_cast<std::size_t>(rec.numel) * element;
            t.storage.resize(t.bytes);
            if (t.constant) std::memcpy(t.storage.data(), rec.data.data(), t.bytes);
        }
        return t;
    }

    static detail::Step prepare(const detail::OpContext& ctx) {
        namespace codes = io::tflite_codes;
        // Every preparation checks its operands' types first, so storage exists for what it reads.
        switch (ctx.op.code) {
            case codes::conv_2d: return detail::prepare_conv(ctx, false);
            case codes::depthwise_conv_2d: return detail::prepare_conv(ctx, true);
            case codes::fully_connected: return detail::prepare_fully_connected(ctx);
            case codes::add: return detail::prepare_add(ctx);
            case codes::average_pool_2d: return detail::prepare_average_pool(ctx);
            case codes::mean: return detail::prepare_mean(ctx);
            case codes::reshape:
            case codes::squeeze: return detail::prepare_reshape(ctx);
            case codes::quantize: return detail::prepare_quantize(ctx);
            case codes::softmax: return detail::prepare_softmax(ctx);
            case codes::resize_bilinear: return detail::prepare_resize_bilinear(ctx);
            case codes::concatenation: return detail::prepare_concatenation(ctx);
            case codes::arg_max: return detail::prepare_arg_max(ctx);
            default: break;
        }
        if (ctx.op.code == codes::custom)
            ctx.fail(ErrorKind::unsupported, {"unsupported op CUSTOM '", ctx.op.custom_code, "'"});
        ctx.fail(ErrorKind::unsupported, {"unsupported op ", codes::op_name(ctx.op.code), " in integer execution"});
    }

    std::string name_;
    std::vector<Tensor> tensors_;
    std::vector<detail::Step> steps_;
    int input_ = 0;
    int output_ = 0;
};

}  // namespace mnet::quant
