// Session: runs a Model. It plans once (runtime/memory_plan.hpp: which blocks run
// fused, one arena exactly as large as the peak activation memory) and then `run`
// only binds pointers: no heap allocation per inference.
// Thread safety: a Session is not thread-safe (one caller runs it at a time; its
// own worker threads are internal); make one per concurrent caller. They may all
// share one Model (tests/runtime/test_concurrency.cpp: 8 threads, clean under TSan).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/models/model.hpp"
#include "mnet/runtime/memory_plan.hpp"
#include "mnet/core/parallel.hpp"

namespace mnet {

/// Runs a Model: plans once (every activation shape, one arena for all of them),
/// then run() only binds pointers — no heap allocation per inference. Use one
/// Session per concurrent caller; they may share the Model.
class Session {
public:
    /// Plans the arena for `model`; throws Error(argument) on threads or max_batch < 1.
    explicit Session(Model model, SessionOptions options = {})
        : model_(std::move(model)), options_(options), plan_(plan_memory(model_.graph(), options_)),
          arena_(plan_.arena_floats()) {
        if (options_.threads > 1) pool_ = std::make_unique<ThreadPool>(options_.threads);
    }

    const Model& model() const noexcept { return model_; }                ///< The model it runs.
    const SessionOptions& options() const noexcept { return options_; }  ///< As constructed.
    /// Floats of one input image (resolution² · 3).
    std::size_t input_size() const noexcept { return model_.graph().input_shape().size(); }
    /// Bytes of the arena this session owns (all activations, scratch and logits):
    /// memory_plan().peak_activation_bytes().
    std::size_t arena_bytes() const noexcept { return arena_.size() * sizeof(float); }
    /// The plan the arena follows (per-node sizes, fused blocks' band rows).
    const MemoryPlan& memory_plan() const noexcept { return plan_; }

    /// Runs N = input.size() / input_size() images (NHWC, N ≤ max_batch) and returns
    /// N × num_classes logits, valid until the next run.
    std::span<const float> run(std::span<const float> input) {
        const std::size_t image = input_size();
        if (input.empty() || input.size() % image != 0 ||
            input.size() / image > static_cast<std::size_t>(options_.max_batch))  // message built only on failure
            throw Error(ErrorKind::shape, "Session::run: expected a multiple of " + std::to_string(image) +
                                              " floats (" + to_string(model_.graph().input_shape()) +
                                              " per image, at most " + std::to_string(options_.max_batch) +
                                              " images), got " + std::to_string(input.size()));
        const std::size_t batch = input.size() / image;
        const std::size_t classes = model_.graph().output_shape().size();
        float* logits = arena_.data() + plan_.activation_floats;
        for (std::size_t n = 0; n < batch; ++n) run_one(input.data() + n * image, logits + n * classes);
        return {logits, batch * classes};
    }

private:
    /// Node i's output goes to the end of the activation region its input is not at
    /// (node 0 reads the caller's buffer: low end), its scratch next to its input.
    void run_one(const float* input, float* logits) {
        const Graph& graph = model_.graph();
        float* const low = arena_.data();
        float* const high = low + plan_.activation_floats;
        const Parallel par{pool_.get()};
        const std::size_t last = graph.nodes().size() - 1;
        const float* in = input;
        for (std::size_t i = 0; i <= last; ++i) {
            const NodeMemory& node = plan_.nodes[i];
            const bool out_low = i % 2 == 0;
            float* out = i == last ? logits : out_low ? low : high - node.output;
            float* scratch = out_low ? low + node.output : low + node.input;
            std::visit(
                [&](const auto& l) {
                    detail::forward_planned(l, node, in, graph.shape_before(i), out, scratch, graph.padding(), par);
                },
                graph.nodes()[i].layer);
            in = out;
        }
    }

    Model model_;
    SessionOptions options_;
    MemoryPlan plan_;
    AlignedBuffer arena_;
    std::unique_ptr<ThreadPool> pool_;  // none for threads = 1: run inline, no synchronisation
};

}  // namespace mnet
