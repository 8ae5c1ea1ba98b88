// .tflite → DeepLabv3-MobileNetV2 (Google's deeplabv3_mnv2_*_pascal files). The graph
// is not a chain (the ASPP head branches and joins), so instead of walking one running
// tensor this importer matches by dataflow: every node of mnet's DeepLabV3 graph
// (models/deeplab_v3.hpp) expects ops of given codes reading given tensors, and the
// op of the file that reads exactly those tensors (through QUANTIZE/DEQUANTIZE of
// activations, which a float engine skips) fills it. After the logits the file may
// only resize (RESIZE_BILINEAR with the model's flags) and take ARG_MAX: those are
// the caller's post-processing (runtime/segmentation.hpp). Weights are dequantized
// to float as for the classifiers; every shape, option and activation is checked.
#pragma once

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "mnet/io/detail/tflite_dequantize.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/models/model.hpp"

namespace mnet::io::tflite_detail {

/// True when a file holds ops only a segmentation graph has.
inline bool is_segmentation(const TfliteFile& file) {
    for (const TfliteOp& op : file.ops())
        if (op.code == tflite_codes::resize_bilinear || op.code == tflite_codes::concatenation ||
            op.code == tflite_codes::arg_max)
            return true;
    return false;
}

/// Matches a DeepLab file's ops to mnet's graph by the tensors they read.
class DataflowMatcher {
public:
    explicit DataflowMatcher(const TfliteFile& file) : file_(file), used_(file.ops().size(), false) {
        namespace c = tflite_codes;
        canon_.resize(file.tensors().size());
        for (std::size_t t = 0; t < canon_.size(); ++t) canon_[t] = static_cast<int>(t);
        for (const TfliteOp& op : file.ops())  // activation re-quantizations are the same tensor to a float engine
            if ((op.code == c::quantize || op.code == c::dequantize) && op.inputs.size() == 1 && op.outputs.size() == 1 &&
                op.inputs[0] >= 0 && !file.tensor(op.inputs[0]).is_constant()) {
                canon_[static_cast<std::size_t>(op.outputs[0])] = canon(op.inputs[0]);
                used_[static_cast<std::size_t>(op.index)] = true;
            }
    }

    /// The tensor a float engine sees for `t` (through activation QUANTIZE/DEQUANTIZE).
    int canon(int t) const { return canon_[static_cast<std::size_t>(t)]; }

    /// The unused op of `code` whose data inputs are `reads` (in order; nullptr if none);
    /// marks it used.
    const TfliteOp* take(int code, const std::vector<int>& reads) {
        for (const TfliteOp& op : file_.ops()) {
            if (used_[static_cast<std::size_t>(op.index)] || op.code != code || op.inputs.size() < reads.size()) continue;
            bool match = op.outputs.size() == 1;
            for (std::size_t k = 0; match && k < reads.size(); ++k)
                match = op.inputs[k] >= 0 && canon(op.inputs[k]) == reads[k];
            if (match) {
                used_[static_cast<std::size_t>(op.index)] = true;
                return &op;
            }
        }
        return nullptr;
    }

    /// Ops no node took.
    std::vector<const TfliteOp*> unused() const {
        std::vector<const TfliteOp*> out;
        for (const TfliteOp& op : file_.ops())
            if (!used_[static_cast<std::size_t>(op.index)] && !dequantizes_constant(file_, op)) out.push_back(&op);
        return out;
    }

private:
    const TfliteFile& file_;
    std::vector<bool> used_;
    std::vector<int> canon_;
};

/// One op a DeepLab node expects.
struct Step {
    int code;
    int kernel = 1, stride = 1, dilation = 1;
    tflite_schema::ActivationFunctionType act = tflite_schema::ActivationFunctionType::NONE;
    std::string what;
};

/// The steps of node `node`: the op codes and options the file must have for it.
inline std::vector<Step> deeplab_steps(const Node& node) {
    namespace c = tflite_codes;
    using A = tflite_schema::ActivationFunctionType;
    std::vector<Step> steps;
    std::visit(
        [&](const auto& l) {
            using L = std::decay_t<decltype(l)>;
            if constexpr (std::is_same_v<L, InvertedResidual<Stride<1>>> || std::is_same_v<L, InvertedResidual<Stride<2>>>) {
                if (l.has_expand()) steps.push_back({c::conv_2d, 1, 1, 1, A::RELU6, node.name + " expand"});
                steps.push_back({c::depthwise_conv_2d, 3, L::stride, l.depthwise().dilation(), A::RELU6, node.name + " depthwise"});
                steps.push_back({c::conv_2d, 1, 1, 1, A::NONE, node.name + " project"});
                if (l.has_residual()) steps.push_back({c::add, 1, 1, 1, A::NONE, node.name + " residual"});
            } else if constexpr (std::is_same_v<L, Stem>) {
                steps.push_back({c::conv_2d, 3, 2, 1, A::RELU6, node.name});
            } else if constexpr (std::is_same_v<L, PointwiseConv<ReLU>>) {
                steps.push_back({c::conv_2d, 1, 1, 1, A::RELU, node.name});
            } else if constexpr (std::is_same_v<L, PointwiseConv<Linear>>) {
                steps.push_back({c::conv_2d, 1, 1, 1, A::NONE, node.name});
            } else if constexpr (std::is_same_v<L, GlobalAvgPool>) {
                steps.push_back({c::average_pool_2d, 1, 1, 1, A::NONE, node.name});
            } else if constexpr (std::is_same_v<L, ResizeBilinear>) {
                steps.push_back({c::resize_bilinear, 1, 1, 1, A::NONE, node.name});
            } else if constexpr (std::is_same_v<L, Concat>) {
                steps.push_back({c::concatenation, 1, 1, 1, A::NONE, node.name});
            } else {
                mnet::detail::fail(ErrorKind::unsupported, {node.name, ": not a layer of DeepLabv3"});
            }
        },
        node.layer);
    return steps;
}

/// α, classes and output stride from the file's tensors.
inline ModelInfo infer_deeplab_info(const TfliteFile& file) {
    namespace c = tflite_codes;
    ModelInfo info;
    info.arch = Arch::deeplab_v3;
    info.resolution = static_cast<int>(file.input().shape[1]);  // check_image_input ran
    info.padding = Padding::tf_same;
    info.preprocess = Preprocess::deeplab;
    info.source = file.name();
    const TfliteOp* first = nullptr;
    const TfliteOp* last_conv = nullptr;
    int strided = 0;
    for (const TfliteOp& op : file.ops()) {
        if (op.code == c::conv_2d && !first) first = &op;
        if (op.code == c::conv_2d) last_conv = &op;
        if (op.code == c::depthwise_conv_2d) strided += conv_options(op).stride_h == 2;
    }
    if (!first || !last_conv) file.fail(ErrorKind::unsupported, {"not a DeepLabv3 graph: no CONV_2D"});
    const TfliteTensor& stem = constant_operand(file, *first, 1, "weight");
    const TfliteTensor& logits = constant_operand(file, *last_conv, 1, "weight");
    if (stem.shape.size() != 4 || stem.shape[0] < 1 || stem.shape[0] > 4096 || logits.shape.size() != 4 ||
        logits.shape[0] < 1 || logits.shape[0] > 256)
        file.fail(ErrorKind::shape, {"not a DeepLabv3-MobileNetV2 graph: stem weight ", tflite_shape_string(stem.shape),
                                     ", logits weight ", tflite_shape_string(logits.shape)});
    info.width = static_cast<float>(stem.shape[0]) / 32.0f;
    info.num_classes = static_cast<int>(logits.shape[0]);
    info.output_stride = 2 << strided;  // the stem's stride 2, then each strided depthwise
    if (info.output_stride != 8 && info.output_stride != 16)
        file.fail(ErrorKind::unsupported, {"DeepLabv3 with output stride ", info.output_stride, " (expected 8 or 16)"});
    return info;
}

/// Fills `slot` from conv op `op` (options checked against `step`).
inline void fill_deeplab_slot(const TfliteFile& f, const TfliteOp& op, const Step& step, WeightSlot& slot) {
    const ConvOptions opts = conv_options(op);
    if (opts.stride_h != step.stride || opts.stride_w != step.stride)
        f.fail(ErrorKind::unsupported, {where(op), ": stride ", opts.stride_h, "x", opts.stride_w, ", expected ",
                                        step.stride, "x", step.stride, " for ", step.what});
    if (opts.dilation_h != step.dilation || opts.dilation_w != step.dilation)
        f.fail(ErrorKind::unsupported, {where(op), ": dilation ", opts.dilation_h, "x", opts.dilation_w, ", expected ",
                                        step.dilation, "x", step.dilation, " for ", step.what});
    if (!opts.same_padding && step.kernel != 1)
        f.fail(ErrorKind::unsupported, {where(op), ": padding VALID, expected SAME for ", step.what});
    if (opts.activation != step.act)
        f.fail(ErrorKind::unsupported, {where(op), ": fused activation ", activation_name(opts.activation), ", expected ",
                                        activation_name(step.act), " for ", step.what});
    const TfliteTensor& weight = constant_operand(f, op, 1, "weight");
    const std::vector<std::int64_t> want = tflite_weight_shape(slot, op.code);
    if (weight.shape != want)
        f.fail(ErrorKind::shape, {where(op), ", weight ", tensor_label(weight), ": expected shape ",
                                  tflite_shape_string(want), " for ", step.what, ", found ",
                                  tflite_shape_string(weight.shape)});
    std::vector<float> bias(slot.out_channels(), 0.0f);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const TfliteTensor& b = constant_operand(f, op, 2, "bias");
        if (b.shape != std::vector<std::int64_t>{static_cast<std::int64_t>(slot.out_channels())})
            f.fail(ErrorKind::shape, {where(op), ", bias ", tensor_label(b), ": expected ", slot.out_channels(),
                                      " values for ", step.what, ", found shape ", tflite_shape_string(b.shape)});
        bias = dequantize(f, b);
    }
    slot.assign(to_slot_layout(slot, dequantize(f, weight)), bias);
}

/// Builds a DeepLabV3 model from one file.
inline Model build_deeplab(const std::vector<TfliteFile>& files) {
    namespace c = tflite_codes;
    if (files.size() != 1)
        files.back().fail(ErrorKind::unsupported, {"a segmentation graph loads from one file, got ", files.size()});
    const TfliteFile& f = files.front();
    ModelInfo info = infer_deeplab_info(f);
    const std::uint64_t needed = weight_count(info), stored = stored_values(files);
    if (needed > stored)
        f.fail(ErrorKind::shape, {to_string(info.arch), " width ", info.width, " needs ", needed,
                                  " weights, the file holds only ", stored, " constant values"});
    Graph graph = build_graph(info);
    std::vector<WeightSlot> slots = graph.weight_slots();
    std::size_t slot_index = 0;
    DataflowMatcher match(f);
    const std::vector<Shape> shapes = graph.tensor_shapes(graph.input_shape());
    std::vector<int> tensor{match.canon(f.input().index)};  // mnet tensor id → file tensor
    for (std::size_t i = 0; i < graph.nodes().size(); ++i) {
        const Node& node = graph.nodes()[i];
        std::vector<int> reads;
        for (int r : node.inputs) reads.push_back(tensor[static_cast<std::size_t>(r)]);
        const int block_input = reads[0];
        int current = reads[0];
        for (const Step& step : deeplab_steps(node)) {
            std::vector<int> want{current};
            if (step.code == c::add) want = {block_input, current};
            if (step.code == c::concatenation) want = reads;
            const TfliteOp* op = match.take(step.code, want);
            if (!op && step.code == c::add) op = match.take(step.code, {current, block_input});
            if (!op && step.code == c::average_pool_2d) op = match.take(c::mean, want);
            if (!op)
                f.fail(ErrorKind::unsupported, {"no ", c::op_name(step.code), " reading the tensors of ", step.what,
                                                " (not a DeepLabv3-MobileNetV2 graph mnet recognises)"});
            if (step.code == c::conv_2d || step.code == c::depthwise_conv_2d) {
                fill_deeplab_slot(f, *op, step, slots.at(slot_index++));
            } else if (step.code == c::resize_bilinear) {
                const auto* o = op->raw->builtin_options_as_ResizeBilinearOptions();
                const ResizeFlags want_flags = info.upsample();
                if (!o || o->align_corners() != want_flags.align_corners || o->half_pixel_centers() != want_flags.half_pixel_centers)
                    f.fail(ErrorKind::unsupported, {where(*op), ": expected align_corners = true for ", step.what});
            } else if (step.code == c::concatenation) {
                const auto* o = op->raw->builtin_options_as_ConcatenationOptions();
                if (!o || !(o->axis() == 3 || o->axis() == -1) ||
                    o->fused_activation_function() != tflite_schema::ActivationFunctionType::NONE)
                    f.fail(ErrorKind::unsupported, {where(*op), ": expected a concatenation along channels for ", step.what});
            } else if (step.code != c::add) {  // the pool: global over the feature map
                const auto* p = op->raw->builtin_options_as_Pool2DOptions();
                const Shape in = shapes[static_cast<std::size_t>(node.inputs[0])];
                if (op->code == c::average_pool_2d && (!p || p->filter_height() != in.h || p->filter_width() != in.w))
                    f.fail(ErrorKind::unsupported, {where(*op), ": expected a global ", in.h, "x", in.w, " average pool"});
            }
            current = match.canon(op->outputs[0]);
        }
        tensor.push_back(current);
        const TfliteTensor& out = f.tensor(current);
        const Shape s = shapes[i + 1];
        if (out.shape != std::vector<std::int64_t>{1, s.h, s.w, s.c})
            f.fail(ErrorKind::shape, {node.name, ": output ", tensor_label(out), " has shape ",
                                      tflite_shape_string(out.shape), ", expected [1,", s.h, ",", s.w, ",", s.c, "]"});
    }
    // What may follow the logits: resizing them (the model's flags) and ARG_MAX.
    int logits = tensor.back();
    for (const TfliteOp* op : match.unused()) {
        const bool reads_logits = !op->inputs.empty() && op->inputs[0] >= 0 && match.canon(op->inputs[0]) == logits;
        if (reads_logits && op->code == c::resize_bilinear) {
            const auto* o = op->raw->builtin_options_as_ResizeBilinearOptions();
            if (!o || !o->align_corners() || o->half_pixel_centers())
                f.fail(ErrorKind::unsupported, {where(*op), ": the logits' upsampling must align corners"});
            logits = match.canon(op->outputs.at(0));
        } else if (reads_logits && op->code == c::arg_max) {
            logits = -1;
        } else {
            f.fail(ErrorKind::unsupported, {where(*op), ": not part of DeepLabv3-MobileNetV2 (after the logits only "
                                                        "RESIZE_BILINEAR and ARG_MAX may follow)"});
        }
    }
    if (slot_index != slots.size())
        f.fail(ErrorKind::unsupported, {"the file fills ", slot_index, " of ", slots.size(), " weight slots"});
    return Model(std::move(info), std::move(graph));
}

}  // namespace mnet::io::tflite_detail
