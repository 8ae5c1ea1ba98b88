// Model: an immutable, loaded network (graph + packed weights + what the file
// said about it). Cheap to copy (shared state) and safe to share across
// threads: nothing in it changes after load, copies only touch the shared
// pointer's atomic count. Each concurrent caller runs it through its own Session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "mnet/models/mobilenet_v1.hpp"
#include "mnet/models/mobilenet_v2.hpp"
#include "mnet/transfer/head.hpp"

namespace mnet {

/// Which network a model is.
enum class Arch { mobilenet_v1, mobilenet_v2 };

/// "mobilenet_v1" or "mobilenet_v2", as weight files' metadata spell it.
inline const char* to_string(Arch a) noexcept { return a == Arch::mobilenet_v1 ? "mobilenet_v1" : "mobilenet_v2"; }

/// How an image becomes the network input (see io/preprocess.hpp).
enum class Preprocess {
    tf_inception,  ///< central crop 0.875, bilinear (half-pixel), x = p/127.5 - 1
    torchvision,   ///< resize short side to 256 (antialiased), centre crop 224, ImageNet mean/std
};

/// "tf_inception" or "torchvision", as weight files' metadata spell it.
inline const char* to_string(Preprocess p) noexcept {
    return p == Preprocess::tf_inception ? "tf_inception" : "torchvision";
}

/// Everything about a model except its weights.
struct ModelInfo {
    Arch arch = Arch::mobilenet_v2;                    ///< V1 or V2
    float width = 1.0f;                                ///< width multiplier α
    int resolution = 224;                              ///< input height = width
    int num_classes = 1001;  ///< outputs (1001 with background); 0: no classifier (a feature extractor)
    Padding padding = Padding::tf_same;                ///< of every convolution
    Preprocess preprocess = Preprocess::tf_inception;  ///< how images become input
    std::string source;  ///< file(s) the weights came from
};

/// What the network expects as input: a resolution×resolution×3 image, prepared by `preset`.
struct InputSpec {
    int resolution = 224;                          ///< side of the square input
    Preprocess preset = Preprocess::tf_inception;  ///< crop, resize and scaling recipe
};

/// Builds the (weightless) graph an info describes.
inline Graph build_graph(const ModelInfo& info) {
    if (info.arch == Arch::mobilenet_v1)
        return MobileNetV1::build({info.width, info.resolution, info.num_classes, info.padding});
    return MobileNetV2::build({info.width, info.resolution, info.num_classes, info.padding});
}

/// Weights (biases not counted) of the graph an info describes, without building it.
inline std::uint64_t weight_count(const ModelInfo& info) noexcept {
    if (info.arch == Arch::mobilenet_v1)
        return MobileNetV1::weight_count({info.width, info.resolution, info.num_classes, info.padding});
    return MobileNetV2::weight_count({info.width, info.resolution, info.num_classes, info.padding});
}

/// A loaded network: its info and its graph with packed weights. Immutable and cheap
/// to copy (shared state), so any number of threads and Sessions may use one Model.
class Model {
public:
    /// Takes a graph whose weights have been set.
    Model(ModelInfo info, Graph graph)
        : state_(std::make_shared<const State>(State{std::move(info), std::move(graph)})) {}

    const ModelInfo& info() const noexcept { return state_->info; }  ///< Architecture, α, resolution, ...
    const Graph& graph() const noexcept { return state_->graph; }    ///< The layers, weights set.
    /// What preprocess() needs to turn an image into this model's input.
    InputSpec input_spec() const noexcept { return {state_->info.resolution, state_->info.preprocess}; }
    /// Logits per image: the head's classes if it has one, else the file's.
    int num_classes() const noexcept {
        return head_ ? static_cast<int>(head_->num_classes()) : state_->info.num_classes;
    }
    /// The head that replaces the classifier (transfer/features.hpp: attach_head), or null.
    const Head* head() const noexcept { return head_.get(); }
    /// This model with `head` in place of its classifier, unchecked (attach_head checks
    /// the width); shares the graph and weights.
    Model with_head(std::shared_ptr<const Head> head) const {
        Model out = *this;
        out.head_ = std::move(head);
        return out;
    }

private:
    struct State {
        ModelInfo info;
        Graph graph;
    };
    std::shared_ptr<const State> state_;
    std::shared_ptr<const Head> head_;
};

}  // namespace mnet
