// Model: an immutable, loaded network (graph + packed weights + what the file
// said about it). Cheap to copy (shared state) and safe to share across
// threads: nothing in it changes after load, copies only touch the shared
// pointer's atomic count. Each concurrent caller runs it through its own Session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "mnet/core/input_spec.hpp"
#include "mnet/models/deeplab_v3.hpp"
#include "mnet/models/mobilenet_v1.hpp"
#include "mnet/models/mobilenet_v2.hpp"
#include "mnet/transfer/head.hpp"

namespace mnet {

namespace quant {
struct Program;  // quant/program.hpp: a quantized file prepared for integer execution
}

/// Which network a model is.
enum class Arch { mobilenet_v1, mobilenet_v2, deeplab_v3 };

/// "mobilenet_v1", "mobilenet_v2" or "deeplab_v3_mobilenet_v2", as weight files' metadata spell it.
inline const char* to_string(Arch a) noexcept {
    switch (a) {
        case Arch::mobilenet_v1: return "mobilenet_v1";
        case Arch::mobilenet_v2: return "mobilenet_v2";
        case Arch::deeplab_v3: return "deeplab_v3_mobilenet_v2";
    }
    return "?";
}

/// What a model's output means.
enum class Task {
    classification,  ///< 1×1×classes logits
    segmentation,    ///< h×w×classes logits at the feature map's resolution
};

/// Everything about a model except its weights.
struct ModelInfo {
    Arch arch = Arch::mobilenet_v2;                    ///< V1 or V2
    float width = 1.0f;                                ///< width multiplier α
    int resolution = 224;                              ///< input height = width
    int num_classes = 1001;  ///< outputs (1001 with background); 0: no classifier (a feature extractor)
    Padding padding = Padding::tf_same;                ///< of every convolution
    Preprocess preprocess = Preprocess::tf_inception;  ///< how images become input
    std::string source;  ///< file(s) the weights came from
    int output_stride = 16;  ///< DeepLab: input pixels per logit (8 or 16); unused otherwise
    /// What the model's output is (segmentation for DeepLab).
    Task task() const noexcept { return arch == Arch::deeplab_v3 ? Task::segmentation : Task::classification; }
    /// Segmentation: how the logits are brought to the input size (DeepLab: corners aligned).
    ResizeFlags upsample() const noexcept { return arch == Arch::deeplab_v3 ? DeepLabV3::upsample : ResizeFlags{}; }
};

/// Builds the (weightless) graph an info describes.
inline Graph build_graph(const ModelInfo& info) {
    if (info.arch == Arch::mobilenet_v1)
        return MobileNetV1::build({info.width, info.resolution, info.num_classes, info.padding});
    if (info.arch == Arch::deeplab_v3)
        return DeepLabV3::build({info.width, info.resolution, info.num_classes, info.output_stride, info.padding});
    return MobileNetV2::build({info.width, info.resolution, info.num_classes, info.padding});
}

/// Weights (biases not counted) of the graph an info describes, without building it.
inline std::uint64_t weight_count(const ModelInfo& info) noexcept {
    if (info.arch == Arch::mobilenet_v1)
        return MobileNetV1::weight_count({info.width, info.resolution, info.num_classes, info.padding});
    if (info.arch == Arch::deeplab_v3)
        return DeepLabV3::weight_count({info.width, info.resolution, info.num_classes, info.output_stride, info.padding});
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

    /// The model's integer program (a quantized .tflite prepared for integer execution
    /// at load), or null: a float file, or one the integer path refuses (integer_note()).
    const std::shared_ptr<const quant::Program>& integer_program() const noexcept { return program_; }
    /// Why a quantized file has no integer program (the loader's error message), or empty.
    const std::string& integer_note() const noexcept { return integer_note_; }
    /// This model with an integer program (or, when null, the reason it has none); shares
    /// the graph and weights.
    Model with_integer_program(std::shared_ptr<const quant::Program> program, std::string note = {}) const {
        Model out = *this;
        out.program_ = std::move(program);
        out.integer_note_ = std::move(note);
        return out;
    }

private:
    struct State {
        ModelInfo info;
        Graph graph;
    };
    std::shared_ptr<const State> state_;
    std::shared_ptr<const Head> head_;
    std::shared_ptr<const quant::Program> program_;
    std::string integer_note_;
};

}  // namespace mnet
