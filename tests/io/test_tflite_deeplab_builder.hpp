// Builds small synthetic DeepLabv3-MobileNetV2 .tflite files (α 0.25, the smallest
// width whose 8-channel stem says it; any input size; a few classes), laid out as
// Google's deeplabv3_mnv2_*_pascal files are: the backbone and ASPP head op by op,
// then RESIZE_BILINEAR of the logits to the input and ARG_MAX over channels. The ops
// come from mnet's own DeepLabV3 graph (Graph::ops: each layer's steps), uint8
// weights with per-tensor scales, float biases; weights of the same shape share one
// buffer (as converters that deduplicate constants write them), which keeps the file
// small enough for a fuzz seed. For fuzz seeds and bad-file tests: one corruption at a time.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mnet/io/detail/tflite_schema_generated.hpp"
#include "mnet/models/model.hpp"

namespace mnet::test {

struct SyntheticDeepLabOptions {
    int resolution = 33;     ///< input height = width
    int classes = 3;         ///< logits channels
    int output_stride = 16;  ///< 16 or 8
    // One corruption at a time (all default: a valid model).
    int concat_axis = 3;               ///< the ASPP CONCATENATION's axis
    bool resize_size_runtime = false;  ///< the image-pooling resize's size tensor holds no data
    int resize_size_extra = 0;         ///< added to the image-pooling resize's constant height
    bool drop_arg_max = false;         ///< no ARG_MAX op; the graph output still names its tensor
    int arg_max_axis = 3;              ///< ARG_MAX's constant axis
    bool softmax_after_logits = false; ///< a SOFTMAX of the logits beside the resize
    bool add_relu = false;             ///< the first residual ADD fuses RELU
};

/// The file's bytes (the model it holds loads with mnet::io::load_tflite_memory).
inline std::vector<std::uint8_t> make_synthetic_deeplab(const SyntheticDeepLabOptions& opt) {
    namespace fb = mnet::io::tflite_schema;
    DeepLabV3::Config config;
    config.width = 0.25f;
    config.resolution = opt.resolution;
    config.num_classes = opt.classes;
    config.output_stride = opt.output_stride;
    Graph graph = DeepLabV3::build(config);
    const std::vector<WeightSlot> slots = graph.weight_slots();
    const std::vector<Shape> shapes = graph.tensor_shapes(graph.input_shape());

    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(fbb)};  // buffer 0: no data
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
    std::vector<int> code_of(256, -1);
    auto opcode = [&](int code) {
        if (code_of[static_cast<std::size_t>(code)] < 0) {
            code_of[static_cast<std::size_t>(code)] = static_cast<int>(codes.size());
            codes.push_back(fb::CreateOperatorCode(fbb, static_cast<std::int8_t>(code), 0, 1, code));
        }
        return static_cast<std::uint32_t>(code_of[static_cast<std::size_t>(code)]);
    };
    auto buffer = [&](const void* data, std::size_t size) {
        fbb.ForceVectorAlignment(size, 1, 16);
        const auto v = fbb.CreateVector(static_cast<const std::uint8_t*>(data), size);
        buffers.push_back(fb::CreateBuffer(fbb, v));
        return static_cast<std::uint32_t>(buffers.size() - 1);
    };
    auto tensor = [&](const std::string& name, std::vector<std::int32_t> shape, int type, std::uint32_t buf = 0,
                      flatbuffers::Offset<fb::QuantizationParameters> q = 0) {
        tensors.push_back(fb::CreateTensorDirect(fbb, &shape, static_cast<std::int8_t>(type), buf, name.c_str(), q));
        return static_cast<int>(tensors.size() - 1);
    };
    auto op = [&](int code, std::vector<std::int32_t> in, std::vector<std::int32_t> out,
                  fb::BuiltinOptions type = fb::BuiltinOptions::NONE, flatbuffers::Offset<void> options = 0) {
        ops.push_back(fb::CreateOperatorDirect(fbb, opcode(code), &in, &out, type, options));
    };
    auto activation = [](ActivationKind a) {
        return a == ActivationKind::relu6  ? fb::ActivationFunctionType::RELU6
               : a == ActivationKind::relu ? fb::ActivationFunctionType::RELU
                                           : fb::ActivationFunctionType::NONE;
    };
    auto feature = [&](const std::string& name, Shape s) { return tensor(name, {1, s.h, s.w, s.c}, 0); };
    auto int32s = [&](const std::string& name, std::vector<std::int32_t> v) {
        return tensor(name, {static_cast<std::int32_t>(v.size())}, 2, buffer(v.data(), v.size() * 4));
    };

    std::mt19937 rng(4321);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> small(-0.1f, 0.1f);
    const int r = opt.resolution;
    std::vector<int> tensor_of{tensor("input", {1, r, r, 3}, 0)};  // mnet tensor id → file tensor
    std::size_t slot_index = 0;
    std::map<std::vector<std::int32_t>, std::uint32_t> weight_buffers;  // by shape
    bool first_add = true, first_resize = true;
    for (std::size_t i = 0; i < graph.nodes().size(); ++i) {
        const Node& node = graph.nodes()[i];
        std::vector<std::int32_t> reads;
        for (int t : node.inputs) reads.push_back(tensor_of[static_cast<std::size_t>(t)]);
        Shape cur = shapes[static_cast<std::size_t>(node.inputs[0])];
        int current = reads[0], block_input = reads[0];
        for (const OpStep& step : graph.ops(i)) {
            if (step.feeds_add) block_input = current;
            std::string name = step.what;
            for (char& ch : name) ch = ch == ' ' ? '/' : ch;
            int out = -1;
            switch (step.kind) {
                case OpStep::Kind::conv:
                case OpStep::Kind::depthwise:
                case OpStep::Kind::logits: {
                    const WeightSlot& slot = slots.at(slot_index++);
                    const bool dw = slot.depthwise;
                    const int k = step.kernel;
                    cur = {axis_padding(cur.h, k, step.stride, Padding::tf_same, step.dilation).out,
                           axis_padding(cur.w, k, step.stride, Padding::tf_same, step.dilation).out, slot.oihw[0]};
                    const std::vector<float> scale{0.5f / 128.0f / static_cast<float>(slot.oihw[1] * k * k)};
                    const std::vector<std::int64_t> zero{128};
                    const auto quant = fb::CreateQuantizationParametersDirect(fbb, &scale, &zero, 0);
                    const std::vector<std::int32_t> shape =
                        dw ? std::vector<std::int32_t>{1, k, k, slot.oihw[0]}
                           : std::vector<std::int32_t>{slot.oihw[0], k, k, slot.oihw[1]};
                    auto [at, fresh] = weight_buffers.try_emplace(shape, 0);
                    if (fresh) {
                        std::vector<std::uint8_t> q(slot.weight_count());
                        for (std::uint8_t& v : q) v = static_cast<std::uint8_t>(byte(rng));
                        at->second = buffer(q.data(), q.size());
                    }
                    const int weight = tensor(name + "/weights", shape, 3, at->second, quant);
                    std::vector<float> b(slot.out_channels());
                    for (float& v : b) v = small(rng);
                    const int bias = tensor(name + "/bias", {slot.oihw[0]}, 0, buffer(b.data(), b.size() * 4));
                    out = feature(name, cur);
                    const auto act = activation(step.activation);
                    if (dw)
                        op(4, {current, weight, bias}, {out}, fb::BuiltinOptions::DepthwiseConv2DOptions,
                           fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding::SAME, step.stride, step.stride, 1, act,
                                                            step.dilation, step.dilation)
                               .Union());
                    else
                        op(3, {current, weight, bias}, {out}, fb::BuiltinOptions::Conv2DOptions,
                           fb::CreateConv2DOptions(fbb, fb::Padding::SAME, step.stride, step.stride, act,
                                                   step.dilation, step.dilation)
                               .Union());
                    break;
                }
                case OpStep::Kind::add: {
                    out = feature(name, cur);
                    const auto act = first_add && opt.add_relu ? fb::ActivationFunctionType::RELU
                                                               : fb::ActivationFunctionType::NONE;
                    op(0, {block_input, current}, {out}, fb::BuiltinOptions::AddOptions,
                       fb::CreateAddOptions(fbb, act).Union());
                    first_add = false;
                    break;
                }
                case OpStep::Kind::pool:
                    out = feature(name, {1, 1, cur.c});
                    op(1, {current}, {out}, fb::BuiltinOptions::Pool2DOptions,
                       fb::CreatePool2DOptions(fbb, fb::Padding::VALID, 1, 1, cur.w, cur.h).Union());
                    cur = {1, 1, cur.c};
                    break;
                case OpStep::Kind::resize: {
                    cur = shapes[i + 1];
                    const int size = first_resize && opt.resize_size_runtime
                                         ? tensor(name + "/size", {2}, 2)
                                         : int32s(name + "/size", {cur.h + (first_resize ? opt.resize_size_extra : 0), cur.w});
                    out = feature(name, cur);
                    op(23, {current, size}, {out}, fb::BuiltinOptions::ResizeBilinearOptions,
                       fb::CreateResizeBilinearOptions(fbb, step.resize.align_corners, step.resize.half_pixel_centers)
                           .Union());
                    first_resize = false;
                    break;
                }
                case OpStep::Kind::concat:
                    cur = shapes[i + 1];
                    out = feature(name, cur);
                    op(2, reads, {out}, fb::BuiltinOptions::ConcatenationOptions,
                       fb::CreateConcatenationOptions(fbb, opt.concat_axis).Union());
                    break;
            }
            current = out;
        }
        tensor_of.push_back(current);
    }
    // The logits to the input size, corners aligned, then the arg-max over channels.
    const int logits = tensor_of.back();
    const int upsampled = tensor("ResizeBilinear_2", {1, r, r, opt.classes}, 0);
    op(23, {logits, int32s("ResizeBilinear_2/size", {r, r})}, {upsampled}, fb::BuiltinOptions::ResizeBilinearOptions,
       fb::CreateResizeBilinearOptions(fbb, true, false).Union());
    if (opt.softmax_after_logits)
        op(25, {logits}, {tensor("softmax", {1, shapes.back().h, shapes.back().w, opt.classes}, 0)},
           fb::BuiltinOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(fbb, 1.0f).Union());
    const int mask = tensor("ArgMax", {1, r, r}, 4);
    if (!opt.drop_arg_max)
        op(56, {upsampled, int32s("ArgMax/axis", {opt.arg_max_axis})}, {mask}, fb::BuiltinOptions::ArgMaxOptions,
           fb::CreateArgMaxOptions(fbb, 4).Union());

    const std::vector<std::int32_t> graph_inputs{tensor_of.front()}, graph_outputs{mask};
    const auto subgraph = fb::CreateSubGraphDirect(fbb, &tensors, &graph_inputs, &graph_outputs, &ops, "main");
    const std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs{subgraph};
    const auto model = fb::CreateModelDirect(fbb, 3, &codes, &subgraphs, "mnet synthetic DeepLab", &buffers);
    fb::FinishModelBuffer(fbb, model);
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace mnet::test
