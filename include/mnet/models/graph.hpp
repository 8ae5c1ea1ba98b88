// Graph: a MobileNet as a straight line of layers (every MobileNet is a chain;
// residuals live inside InvertedResidual). Layers are a closed std::variant of
// the templates the two architectures use, so dispatch is a visit, not a
// virtual call, and each layer's kernel choice stays a compile-time fact.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mnet/layers/activation.hpp"
#include "mnet/layers/classifier.hpp"
#include "mnet/layers/conv2d.hpp"
#include "mnet/layers/depthwise_conv.hpp"
#include "mnet/layers/inverted_residual.hpp"
#include "mnet/layers/pointwise_conv.hpp"
#include "mnet/layers/pooling.hpp"

namespace mnet {

/// The first layer of both MobileNets: a 3x3 stride-2 convolution with ReLU6.
using Stem = Conv2d<3, Stride<2>, ReLU6>;

/// Every layer type a MobileNetV1/V2 graph holds (a closed set: dispatch is std::visit).
using AnyLayer = std::variant<Stem, DepthwiseConv<3, Stride<1>, ReLU6>, DepthwiseConv<3, Stride<2>, ReLU6>,
                              PointwiseConv<ReLU6>, InvertedResidual<Stride<1>>, InvertedResidual<Stride<2>>,
                              GlobalAvgPool, Classifier>;

/// A layer and the torchvision names of its weights.
struct Node {
    AnyLayer layer;         ///< the layer itself
    std::string name;       ///< display name and, for blocks, the weight prefix ("features.3")
    std::string weight;     ///< weight tensor prefix of a single conv ("features.0.0")
    std::string batchnorm;  ///< its BatchNorm prefix ("features.0.1"); empty for the classifier
};

/// A MobileNet as a chain of layers with every activation shape worked out.
/// Weights are filled through weight_slots(); a Model then makes the graph immutable.
class Graph {
public:
    /// A chain of `nodes` fed a `input`-shaped image; computes every activation shape.
    Graph(Shape input, Padding padding, std::vector<Node> nodes)
        : input_(input), padding_(padding), nodes_(std::move(nodes)) {
        shapes_.push_back(input_);
        for (const Node& node : nodes_)
            shapes_.push_back(std::visit([&](const auto& l) { return l.output_shape(shapes_.back(), padding_); }, node.layer));
    }
    // Weight slots point into the nodes: copies would alias, so a Graph only moves.
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;
    Graph(Graph&&) noexcept = default;             ///< Moves (weight slots move along).
    Graph& operator=(Graph&&) noexcept = default;  ///< Moves (weight slots move along).

    Shape input_shape() const noexcept { return input_; }          ///< One input image (R × R × 3).
    Shape output_shape() const noexcept { return shapes_.back(); } ///< Logits of one image (1 × 1 × classes).
    Padding padding() const noexcept { return padding_; }          ///< Padding of every convolution.
    const std::vector<Node>& nodes() const noexcept { return nodes_; }  ///< The layers, in execution order.
    /// Input shape of node i (i = size() gives the graph output).
    Shape shape_before(std::size_t i) const noexcept { return shapes_[i]; }

    /// Per-layer complexity rows (an InvertedResidual gives one row per conv).
    std::vector<LayerStats> stats() const {
        std::vector<LayerStats> rows;
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            std::visit([&](const auto& l) { l.describe(shapes_[i], padding_, rows); }, nodes_[i].layer);
        return rows;
    }

    /// Every convolution's weight slot, in execution order.
    std::vector<WeightSlot> weight_slots() {
        std::vector<WeightSlot> slots;
        for (Node& node : nodes_) {
            std::visit(
                [&](auto& l) {
                    using L = std::decay_t<decltype(l)>;
                    if constexpr (std::is_same_v<L, InvertedResidual<Stride<1>>> ||
                                  std::is_same_v<L, InvertedResidual<Stride<2>>>)
                        l.append_slots(node.name, slots);
                    else if constexpr (std::is_same_v<L, Classifier>)
                        slots.push_back(l.slot(node.weight));
                    else if constexpr (!std::is_same_v<L, GlobalAvgPool>)
                        slots.push_back(l.slot(node.weight, node.batchnorm));
                },
                node.layer);
        }
        return slots;
    }

private:
    Shape input_;
    Padding padding_;
    std::vector<Node> nodes_;
    std::vector<Shape> shapes_;
};

}  // namespace mnet
