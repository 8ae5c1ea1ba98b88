// .tflite → DeepLabv3-MobileNetV2 (Google's deeplabv3_mnv2_*_pascal files). The graph
// is not a chain (the ASPP head branches and joins), so instead of walking one running
// tensor this importer matches by dataflow: every node of mnet's DeepLabV3 graph
// (models/deeplab_v3.hpp) lists its steps (Layer::append_ops), and the op of the file
// computing that step (tflite.hpp's step_codes) and reading exactly those tensors
// (through QUANTIZE/DEQUANTIZE of activations, which a float engine skips) fills it.
// After the logits the file may only resize them to the input (RESIZE_BILINEAR with
// the model's flags, possibly through a resize to their own size first, as Google's
// files do) and take ARG_MAX over channels, and its output must be the end
// of that chain: those are the caller's post-processing (runtime/segmentation.hpp).
// Weights are dequantized to float as for the classifiers; every shape, option,
// activation and constant size is checked.
#pragma once

#include <cstdint>
#include <string>
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

/// A RESIZE_BILINEAR op of `step`: the step's flags, and a constant size equal to the
/// height and width of `out` (mnet takes the size from the graph, so a size computed at
/// run time or another one would be silently ignored).
inline void check_resize(const TfliteFile& f, const TfliteOp& op, const OpStep& step, Shape out) {
    const auto* o = op.raw->builtin_options_as_ResizeBilinearOptions();
    if (!o || o->align_corners() != step.resize.align_corners || o->half_pixel_centers() != step.resize.half_pixel_centers)
        f.fail(ErrorKind::unsupported, {where(op), ": expected align_corners = ", step.resize.align_corners ? "true" : "false",
                                        ", half_pixel_centers = ", step.resize.half_pixel_centers ? "true" : "false",
                                        " for ", step.what});
    const std::vector<std::int32_t> size = int32_operand(f, op, 1, "size", 2);
    if (size[0] != out.h || size[1] != out.w)
        f.fail(ErrorKind::unsupported, {where(op), ": resizes to ", size[0], "x", size[1], ", expected ", out.h, "x",
                                        out.w, " for ", step.what});
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
        const Shape out_shape = shapes[i + 1];
        int block_input = reads[0];
        int current = reads[0];
        for (const OpStep& step : graph.ops(i)) {
            if (step.feeds_add) block_input = current;
            std::vector<int> want{current};
            if (step.kind == OpStep::Kind::add) want = {block_input, current};
            if (step.kind == OpStep::Kind::concat) want = reads;
            const TfliteOp* op = nullptr;
            for (int code : step_codes(step.kind)) {
                if (!op) op = match.take(code, want);
                if (!op && step.kind == OpStep::Kind::add) op = match.take(code, {current, block_input});
            }
            if (!op)
                f.fail(ErrorKind::unsupported, {"no ", step_ops(step.kind), " reading the tensors of ", step.what,
                                                " (not a DeepLabv3-MobileNetV2 graph mnet recognises)"});
            if (has_weights(step.kind)) {
                if (slot_index == slots.size())
                    f.fail(ErrorKind::unsupported, {where(*op), ": more weighted ops than the graph's ", slots.size()});
                fill_slot(f, *op, step, slots[slot_index++]);
            } else if (step.kind == OpStep::Kind::resize) {
                check_resize(f, *op, step, out_shape);
            } else if (step.kind == OpStep::Kind::concat) {
                const auto* o = op->raw->builtin_options_as_ConcatenationOptions();
                if (!o || !(o->axis() == 3 || o->axis() == -1) ||
                    o->fused_activation_function() != tflite_schema::ActivationFunctionType::NONE)
                    f.fail(ErrorKind::unsupported, {where(*op), ": expected a concatenation along channels for ", step.what});
            } else if (step.kind == OpStep::Kind::pool) {
                check_global_pool(f, *op, shapes[static_cast<std::size_t>(node.inputs[0])], step);
            } else {
                check_activation(f, *op, conv_options(*op), step);
            }
            current = match.canon(op->outputs[0]);
        }
        tensor.push_back(current);
        const TfliteTensor& out = f.tensor(current);
        if (out.shape != std::vector<std::int64_t>{1, out_shape.h, out_shape.w, out_shape.c})
            f.fail(ErrorKind::shape, {node.name, ": output ", tensor_label(out), " has shape ",
                                      tflite_shape_string(out.shape), ", expected [1,", out_shape.h, ",", out_shape.w,
                                      ",", out_shape.c, "]"});
    }
    // What may follow the logits: resizing them to the input (the model's flags), then
    // ARG_MAX over channels; the file's output is the end of that chain.
    int logits = tensor.back();  // the end of the chain so far
    bool arg_max = false;        // nothing may follow the ARG_MAX
    const Shape input = graph.input_shape();
    Shape upsampled = shapes.back();  // where the resizes so far have brought the logits
    for (const TfliteOp* op : match.unused()) {
        const bool reads_logits = !arg_max && !op->inputs.empty() && op->inputs[0] >= 0 &&
                                  match.canon(op->inputs[0]) == logits;
        if (reads_logits && op->code == c::resize_bilinear && op->outputs.size() == 1) {
            const auto* o = op->raw->builtin_options_as_ResizeBilinearOptions();
            if (!o || !o->align_corners() || o->half_pixel_centers())
                f.fail(ErrorKind::unsupported, {where(*op), ": the logits' upsampling must align corners"});
            // Google's files resize to the logits' own size (an identity), then to the input.
            const std::vector<std::int32_t> size = int32_operand(f, *op, 1, "size", 2);
            const bool unchanged = size[0] == upsampled.h && size[1] == upsampled.w;
            if (!unchanged && !(size[0] == input.h && size[1] == input.w))
                f.fail(ErrorKind::unsupported, {where(*op), ": the logits' upsampling resizes to ", size[0], "x", size[1],
                                                ", expected ", input.h, "x", input.w, " (the input) or ", upsampled.h,
                                                "x", upsampled.w, " (unchanged)"});
            upsampled = {size[0], size[1], upsampled.c};
            logits = match.canon(op->outputs[0]);
        } else if (reads_logits && op->code == c::arg_max && op->outputs.size() == 1) {
            const std::int32_t axis = int32_operand(f, *op, 1, "axis", 1)[0];
            if (axis != 3 && axis != -1)
                f.fail(ErrorKind::unsupported, {where(*op), ": ARG_MAX along axis ", axis, ", expected 3 (channels)"});
            logits = match.canon(op->outputs[0]);
            arg_max = true;
        } else {
            f.fail(ErrorKind::unsupported, {where(*op), ": not part of DeepLabv3-MobileNetV2 (after the logits only "
                                                        "RESIZE_BILINEAR and ARG_MAX may follow)"});
        }
    }
    if (match.canon(f.output().index) != logits)
        f.fail(ErrorKind::unsupported, {"the model output ", tensor_label(f.output()), " is not computed from the logits",
                                        " (by RESIZE_BILINEAR, then ARG_MAX over channels): ",
                                        tensor_label(f.tensor(logits)), " is"});
    if (slot_index != slots.size())
        f.fail(ErrorKind::unsupported, {"the file fills ", slot_index, " of ", slots.size(), " weight slots"});
    return Model(std::move(info), std::move(graph));
}

}  // namespace mnet::io::tflite_detail
