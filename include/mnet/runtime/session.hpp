// Session: runs a Model. It plans once (shapes of every activation, one arena
// holding two ping-pong activation buffers, the largest block scratch and the
// logits) and then `run` only binds pointers: no heap allocation per inference.
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
#include "mnet/runtime/thread_pool.hpp"

namespace mnet {

/// How a Session runs: threads and the largest batch it plans for.
struct SessionOptions {
    int threads = 1;    ///< worker threads (1 = run inline on the caller's thread)
    int max_batch = 1;  ///< largest N that `run` accepts
};

/// Runs a Model: plans once (every activation shape, one arena for all of them),
/// then run() only binds pointers — no heap allocation per inference. Use one
/// Session per concurrent caller; they may share the Model.
class Session {
public:
    /// Plans the arena for `model`; throws Error(argument) on threads or max_batch < 1.
    explicit Session(Model model, SessionOptions options = {})
        : model_(std::move(model)), options_(options) {
        if (checked_threads(options_.threads) > 1) pool_ = std::make_unique<ThreadPool>(options_.threads);
        require(options_.max_batch >= 1, ErrorKind::argument,
                "Session: max_batch must be >= 1, got " + std::to_string(options_.max_batch));
        const Graph& graph = model_.graph();
        for (std::size_t i = 0; i < graph.nodes().size(); ++i) {
            const Shape in = graph.shape_before(i);
            activation_floats_ = std::max(activation_floats_, align_floats(graph.shape_before(i + 1).size()));
            scratch_floats_ = std::max(scratch_floats_, std::visit([&](const auto& l) {
                                           return align_floats(l.scratch_floats(in, graph.padding()));
                                       }, graph.nodes()[i].layer));
        }
        logits_floats_ = align_floats(graph.output_shape().size() * static_cast<std::size_t>(options_.max_batch));
        arena_ = AlignedBuffer(2 * activation_floats_ + scratch_floats_ + logits_floats_);
    }

    const Model& model() const noexcept { return model_; }                ///< The model it runs.
    const SessionOptions& options() const noexcept { return options_; }  ///< As constructed.
    /// Floats of one input image (resolution² · 3).
    std::size_t input_size() const noexcept { return model_.graph().input_shape().size(); }
    /// Bytes of the arena this session owns (all activations and scratch).
    std::size_t arena_bytes() const noexcept { return arena_.size() * sizeof(float); }

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
        float* logits = arena_.data() + 2 * activation_floats_ + scratch_floats_;
        for (std::size_t n = 0; n < batch; ++n) run_one(input.data() + n * image, logits + n * classes);
        return {logits, batch * classes};
    }

private:
    void run_one(const float* input, float* logits) {
        const Graph& graph = model_.graph();
        float* ping = arena_.data();
        float* pong = ping + activation_floats_;
        float* scratch = pong + activation_floats_;
        const float* in = input;
        const Parallel par{pool_.get()};
        const std::size_t last = graph.nodes().size() - 1;
        for (std::size_t i = 0; i <= last; ++i) {
            float* out = i == last ? logits : (in == ping ? pong : ping);
            std::visit([&](const auto& l) { l.forward(in, graph.shape_before(i), out, scratch, graph.padding(), par); },
                       graph.nodes()[i].layer);
            in = out;
        }
    }

    static int checked_threads(int threads) {
        require(threads >= 1 && threads <= 256, ErrorKind::argument,
                "Session: threads must be in [1, 256], got " + std::to_string(threads));
        return threads;
    }

    Model model_;
    SessionOptions options_;
    std::unique_ptr<ThreadPool> pool_;  // none for threads = 1: run inline, no synchronisation
    std::size_t activation_floats_ = 0;
    std::size_t scratch_floats_ = 0;
    std::size_t logits_floats_ = 0;
    AlignedBuffer arena_;
};

}  // namespace mnet
