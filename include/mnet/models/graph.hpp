// Graph: a network's topology and its layers (with their weights once loaded),
// without activation shapes: those belong to a Session, which plans the graph for
// one input size. Tensors are numbered: 0 is the graph input, tensor i + 1 is what
// node i writes; a node reads any earlier tensors (branches, concatenation), the
// previous one when it names none. The last node's tensor is the graph output.
// Layers are a closed std::variant of types that satisfy mnet::Layer, so dispatch
// is a visit, not a virtual call, and each layer's kernel choice stays a
// compile-time fact. Adding a layer: its header, and one line in AnyLayer.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mnet/layers/activation.hpp"
#include "mnet/layers/classifier.hpp"
#include "mnet/layers/concat.hpp"
#include "mnet/layers/conv2d.hpp"
#include "mnet/layers/depthwise_conv.hpp"
#include "mnet/layers/inverted_residual.hpp"
#include "mnet/layers/pointwise_conv.hpp"
#include "mnet/layers/pooling.hpp"
#include "mnet/layers/resize.hpp"

namespace mnet {

/// The first layer of both MobileNets: a 3x3 stride-2 convolution with ReLU6.
using Stem = Conv2d<3, Stride<2>, ReLU6>;

/// Every layer type a graph holds (a closed set: dispatch is std::visit).
using AnyLayer = std::variant<Stem, DepthwiseConv<3, Stride<1>, ReLU6>, DepthwiseConv<3, Stride<2>, ReLU6>,
                              PointwiseConv<ReLU6>, PointwiseConv<ReLU>, PointwiseConv<Linear>,
                              InvertedResidual<Stride<1>>, InvertedResidual<Stride<2>>, GlobalAvgPool, Classifier,
                              Concat, ResizeBilinear>;

namespace detail {
template <class V>
struct all_layers;
template <class... L>
struct all_layers<std::variant<L...>> : std::bool_constant<(Layer<L> && ...)> {};
}  // namespace detail
static_assert(detail::all_layers<AnyLayer>::value, "every AnyLayer alternative must satisfy mnet::Layer");

/// A layer, the torchvision names of its weights, and the tensors it reads.
struct Node {
    AnyLayer layer;         ///< the layer itself
    std::string name;       ///< display name and, for blocks, the weight prefix ("features.3")
    std::string weight;     ///< weight tensor prefix of a single conv ("features.0.0")
    std::string batchnorm;  ///< its BatchNorm prefix ("features.0.1"); empty for a conv with a bias
    /// Tensor ids it reads (0 = graph input, i + 1 = node i's output); empty: the previous tensor.
    std::vector<int> inputs = {};

    /// The names a loader fills its weights by.
    NodeNames names() const { return {name, weight, batchnorm}; }
};

/// A network: nodes in execution order, the model's padding rule, and its native
/// input shape (the resolution it was trained at; a Session may plan another).
/// Weights are filled through weight_slots(); a Model then makes the graph immutable.
class Graph {
public:
    /// Nodes in execution order fed a `input`-shaped image (the native size); checks
    /// that every node reads only earlier tensors and works out the native shapes.
    Graph(Shape input, Padding padding, std::vector<Node> nodes)
        : input_(input), padding_(padding), nodes_(std::move(nodes)) {
        if (nodes_.empty()) detail::fail(ErrorKind::argument, {"Graph: no nodes"});
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            std::vector<int>& in = nodes_[i].inputs;
            if (in.empty()) in.push_back(static_cast<int>(i));
            for (int t : in)
                if (t < 0 || t > static_cast<int>(i))
                    detail::fail(ErrorKind::argument,
                                 {"Graph: node ", i, " ('", nodes_[i].name, "') reads tensor ", t,
                                  ", expected one of the tensors before it (0..", i, ")"});
        }
        shapes_ = tensor_shapes(input_);
    }
    // Weight slots point into the nodes: copies would alias, so a Graph only moves.
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;
    Graph(Graph&&) noexcept = default;             ///< Moves (weight slots move along).
    Graph& operator=(Graph&&) noexcept = default;  ///< Moves (weight slots move along).

    Shape input_shape() const noexcept { return input_; }           ///< The native input (R × R × 3).
    Shape output_shape() const noexcept { return shapes_.back(); }  ///< Output at the native input.
    Padding padding() const noexcept { return padding_; }           ///< Padding of every convolution.
    const std::vector<Node>& nodes() const noexcept { return nodes_; }  ///< The layers, in execution order.
    /// At the native input: node i's first input (i = size() gives the graph output).
    Shape shape_before(std::size_t i) const noexcept {
        return i == nodes_.size() ? shapes_.back() : shapes_[static_cast<std::size_t>(nodes_[i].inputs[0])];
    }

    /// What node i is planned for when the tensors have `shapes` (one per tensor id).
    PlanArgs plan_args(std::size_t i, const std::vector<Shape>& shapes, std::vector<Shape>& scratch) const {
        scratch.clear();
        for (int t : nodes_[i].inputs) scratch.push_back(shapes[static_cast<std::size_t>(t)]);
        return PlanArgs{scratch, padding_};
    }

    /// Every tensor's shape for an `input`-shaped image (index = tensor id);
    /// Error(shape) where a layer cannot take what reaches it.
    std::vector<Shape> tensor_shapes(Shape input) const {
        std::vector<Shape> shapes{input}, in;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const PlanArgs args = plan_args(i, shapes, in);
            shapes.push_back(std::visit([&](const auto& l) { return l.plan(args).output; }, nodes_[i].layer));
        }
        return shapes;
    }

    /// Per-layer complexity rows at the native input (an InvertedResidual gives one row per conv).
    std::vector<LayerStats> stats() const { return stats(input_); }
    /// Per-layer complexity rows for an `input`-shaped image.
    std::vector<LayerStats> stats(Shape input) const {
        const std::vector<Shape> shapes = tensor_shapes(input);
        std::vector<LayerStats> rows;
        std::vector<Shape> in;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const PlanArgs args = plan_args(i, shapes, in);
            std::visit([&](const auto& l) { l.describe(args, rows); }, nodes_[i].layer);
        }
        return rows;
    }

    /// The ops a model file computes node i with (OpStep), in order.
    std::vector<OpStep> ops(std::size_t i) const {
        std::vector<OpStep> out;
        std::visit([&](const auto& l) { l.append_ops(nodes_[i].name, out); }, nodes_[i].layer);
        return out;
    }
    /// Every node's ops, in execution order.
    std::vector<OpStep> ops() const {
        std::vector<OpStep> out;
        for (const Node& node : nodes_) std::visit([&](const auto& l) { l.append_ops(node.name, out); }, node.layer);
        return out;
    }

    /// Every weight slot, in execution order.
    std::vector<WeightSlot> weight_slots() {
        std::vector<WeightSlot> slots;
        for (Node& node : nodes_) std::visit([&](auto& l) { l.append_slots(node.names(), slots); }, node.layer);
        return slots;
    }

private:
    Shape input_;
    Padding padding_;
    std::vector<Node> nodes_;
    std::vector<Shape> shapes_;  // at the native input
};

}  // namespace mnet
