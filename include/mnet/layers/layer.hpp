// The one interface every layer satisfies (the concept mnet::Layer): plan (output
// shape, element type and scratch for given input shapes), forward (one NodeArgs:
// inputs, output, scratch, plan, thread split), weight slots, describe
// (complexity rows) and the ops a model file computes it with (OpStep). The graph,
// the memory plan, the Session, stats and the loaders only ever talk to a layer
// through it, so adding a layer is its header plus one line in models/graph.hpp's
// AnyLayer.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/core/parallel.hpp"
#include "mnet/core/resize_flags.hpp"
#include "mnet/core/tensor.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer_info.hpp"

namespace mnet {

/// What a layer is planned for: its input shapes and the session's options.
struct PlanArgs {
    std::span<const Shape> inputs;  ///< one shape per input tensor, in the node's order
    Padding padding = Padding::tf_same;  ///< the model's padding rule
    int threads = 1;                ///< threads the session runs with
    bool fuse_blocks = true;        ///< SessionOptions::fuse_blocks
    std::size_t band_bytes = std::size_t{64} * 1024;  ///< SessionOptions::band_bytes

    /// The only input of a one-input layer; Error(shape) naming `layer` otherwise.
    Shape single(const char* layer) const {
        if (inputs.size() != 1) detail::fail(ErrorKind::shape, {layer, ": expected 1 input, got ", inputs.size()});
        return inputs[0];
    }
};

/// What a layer needs for one input size.
struct LayerPlan {
    Shape output;                  ///< shape of its output tensor
    DType dtype = DType::f32;      ///< element type of its output
    std::size_t scratch_bytes = 0; ///< scratch its forward uses (band buffers, expanded tensors)
    int band_rows = 0;             ///< rows per band of a fused inverted residual, else 0
    /// forward honours TensorView::pixel_stride of its output, so it can write straight
    /// into a channel slice of a concatenation.
    bool strided_output = false;
    /// The output is the inputs joined along channels: the planner may place each input
    /// in its slice (the concatenation then costs nothing).
    bool concatenates = false;
};

/// Everything one forward call gets.
struct NodeArgs {
    std::span<const ConstTensorView> inputs;  ///< the tensors the node reads
    TensorView output;                        ///< where it writes
    std::byte* scratch = nullptr;             ///< LayerPlan::scratch_bytes, 64-byte aligned
    const LayerPlan* plan = nullptr;          ///< what plan() returned for these shapes
    Padding padding = Padding::tf_same;       ///< the model's padding rule
    Parallel par;                             ///< the session's threads

    /// Input i as floats.
    const float* in(std::size_t i = 0) const noexcept { return inputs[i].as<float>(); }
    /// The output as floats.
    float* out() const noexcept { return output.as<float>(); }
    /// The scratch as floats.
    float* scratch_floats() const noexcept { return reinterpret_cast<float*>(scratch); }
};

/// The names a loader knows a node's weights by (torchvision's state-dict naming).
struct NodeNames {
    std::string name;       ///< display name and, for blocks, the weight prefix ("features.3")
    std::string weight;     ///< weight tensor prefix of a single conv ("features.0.0")
    std::string batchnorm;  ///< its BatchNorm prefix ("features.0.1"); empty for a conv with a bias
};

/// One operation a model file computes a layer with, in no file format's vocabulary:
/// a layer lists its steps (append_ops) and each importer maps them to its own op codes
/// and checks the file's options against them, so no importer needs to know layer types.
/// A fused block lists one step per operation the file keeps separate.
struct OpStep {
    /// What the operation computes.
    enum class Kind {
        conv,       ///< dense convolution (weights fill the next WeightSlot)
        depthwise,  ///< depthwise convolution (next WeightSlot)
        add,        ///< elementwise sum of the block input (feeds_add) and the previous step's result
        pool,       ///< global average over height and width
        logits,     ///< the classifier: fully connected, or a 1x1 convolution (next WeightSlot)
        resize,     ///< bilinear resize of input 0 to input 1's height and width
        concat      ///< concatenation of the node's inputs along channels
    };
    Kind kind;                                           ///< the operation
    int kernel = 1;                                      ///< convolutions: kernel size
    int stride = 1;                                      ///< convolutions: stride
    int dilation = 1;                                    ///< convolutions: distance between taps
    ActivationKind activation = ActivationKind::linear;  ///< fused activation
    bool feeds_add = false;  ///< the step's input is the block input a later `add` step sums
    ResizeFlags resize{};    ///< `resize`: the flags the file must use
    std::string what;        ///< for messages: "features.3 depthwise"
};

/// Every layer: plan, forward, weight slots, describe, its ops in a file, and a type label.
template <class L>
concept Layer = requires(const L& layer, L& mutable_layer, const PlanArgs& plan, const NodeArgs& node,
                         const NodeNames& names, std::vector<WeightSlot>& slots, std::vector<LayerStats>& rows,
                         std::string_view name, std::vector<OpStep>& ops) {
    { L::type() } -> std::convertible_to<std::string>;
    { layer.plan(plan) } -> std::same_as<LayerPlan>;
    { layer.forward(node) } -> std::same_as<void>;
    { mutable_layer.append_slots(names, slots) } -> std::same_as<void>;
    { layer.describe(plan, rows) } -> std::same_as<void>;
    { layer.append_ops(name, ops) } -> std::same_as<void>;
};

}  // namespace mnet
