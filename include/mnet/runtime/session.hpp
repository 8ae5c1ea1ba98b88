// Session: runs a Model for one input size. It plans once (runtime/memory_plan.hpp:
// every tensor's place by liveness, which blocks run fused, one arena exactly as
// large as the peak activation memory) and then `run` only binds pointers: no heap
// allocation per inference. `reshape` plans again for another input size; the
// Model's weights are never touched.
// Precision (SessionOptions::precision): a quantized .tflite model runs in integers by
// default (runtime/integer_runner.hpp: its quant::Program over a uint8/int8 arena,
// logits dequantized for run()); Precision::float32 runs its dequantized float graph.
// Thread safety: a Session is not thread-safe (one caller runs it at a time; its
// own worker threads are internal); make one per concurrent caller. They may all
// share one Model (tests/runtime/test_concurrency.cpp: 8 threads, clean under TSan).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/core/parallel.hpp"
#include "mnet/models/model.hpp"
#include "mnet/runtime/integer_runner.hpp"
#include "mnet/runtime/memory_plan.hpp"
#include "mnet/transfer/features.hpp"

namespace mnet {

/// Runs a Model: plans once per input size (every tensor, one arena for all of them),
/// then run() only binds pointers — no heap allocation per inference. Use one
/// Session per concurrent caller; they may share the Model.
class Session {
public:
    /// Most tensors one node reads (Concat of the ASPP branches reads 2).
    static constexpr std::size_t max_node_inputs = 8;

    /// Plans the arena for `model`; throws Error(argument) on threads or max_batch < 1
    /// or an input size out of range, Error(shape) on a size the model cannot take.
    explicit Session(Model model, SessionOptions options = {}) : model_(std::move(model)), options_(options) {
        plan();
        if (options_.threads > 1) pool_ = std::make_unique<ThreadPool>(options_.threads);
        if (head_runs() && !integer_)
            head_logits_ = AlignedBuffer(model_.head()->num_classes() * static_cast<std::size_t>(options_.max_batch));
    }

    const Model& model() const noexcept { return model_; }                ///< The model it runs.
    const SessionOptions& options() const noexcept { return options_; }  ///< As constructed (and reshaped).
    /// What it runs in: Precision::integer or Precision::float32 (automatic resolved).
    Precision precision() const noexcept { return integer_ ? Precision::integer : Precision::float32; }
    Shape input_shape() const noexcept { return plan_.input; }            ///< One input image (h × w × 3).
    /// One image's output: the plan's (logits, features or segmentation logits), or the head's logits.
    Shape output_shape() const noexcept {
        return head_runs() ? Shape{1, 1, static_cast<int>(model_.head()->num_classes())} : plan_.output();
    }
    /// Floats of one input image.
    std::size_t input_size() const noexcept { return plan_.input.size(); }
    /// Floats run() returns per image: the logits (the head's, if the model has one),
    /// segmentation logits or, with SessionOutput::features / unit_features, the pooled features.
    std::size_t output_size() const noexcept { return output_shape().size(); }
    /// Bytes of the arena this session owns (all activations, scratch and outputs):
    /// memory_plan().peak_activation_bytes() (a head's logits live in a buffer of their own).
    std::size_t arena_bytes() const noexcept { return integer_ ? integer_->arena_bytes() : arena_.size() * sizeof(float); }
    /// The plan the arena follows (tensors, per-node scratch, fused blocks' band rows).
    const MemoryPlan& memory_plan() const noexcept { return plan_; }

    /// Plans again for `height` × `width` inputs (the weights are untouched; the arena
    /// is reallocated); Error as the constructor.
    void reshape(int height, int width) {
        SessionOptions next = options_;
        next.input_height = height;
        next.input_width = width;
        const SessionOptions previous = options_;
        options_ = next;
        try {
            plan();
        } catch (...) {
            options_ = previous;
            throw;
        }
    }

    /// Runs N = input.size() / input_size() images (NHWC, N ≤ max_batch) and returns
    /// N × output_size() floats, valid until the next run.
    /// An integer session first turns the floats back into the model's uint8 pixels
    /// (IntegerRunner::run_floats: exact except for a resized pixel on a .5, where a
    /// float cannot say which way it rounds; run_pixels is exact).
    std::span<const float> run(std::span<const float> input) {
        const std::size_t batch = check_batch(input.size());
        if (integer_) {
            for (std::size_t n = 0; n < batch; ++n) integer_->run_floats(input.data() + n * input_size(), n, Parallel{pool_.get()});
            return {integer_->output(), batch * output_size()};
        }
        for (std::size_t n = 0; n < batch; ++n) run_one(input.data() + n * input_size(), n, nullptr);
        return finish(batch);
    }

    /// Integer sessions: runs N images given as the model's own input tensor (uint8 or
    /// int8 values, input_size() per image: for tf_inception models the resized pixels
    /// rounded floor(p + 0.5), preprocess_pixels()) and returns the dequantized logits,
    /// scale · (q − zero_point), as run() does. Error(unsupported) on a float session,
    /// Error(shape) on a size that is not 1 to max_batch images.
    std::span<const float> run_pixels(std::span<const std::uint8_t> pixels) {
        if (!integer_)
            detail::fail(ErrorKind::unsupported, {"Session::run_pixels: the session runs in float32; integer input takes "
                                                  "an integer session (Precision::integer on a quantized model)"});
        const std::size_t batch = check_batch(pixels.size());
        for (std::size_t n = 0; n < batch; ++n)
            integer_->run_pixels(pixels.data() + n * input_size(), n, Parallel{pool_.get()});
        return {integer_->output(), batch * output_size()};
    }

    /// Integer sessions: the last image's logits as the integer graph computed them
    /// (before dequantization), valid until the next run. Error(unsupported) on a float session.
    QuantizedOutput quantized_output() const {
        if (!integer_) detail::fail(ErrorKind::unsupported, {"Session::quantized_output: the session runs in float32"});
        return integer_->quantized_output();
    }

    /// Runs one image as run() does and stores each node's wall time (ms) in
    /// `node_ms` (one per memory_plan() node: the graph's nodes, or in an integer session
    /// the program's ops): what profile_layers and profile_integer_ops measure with.
    std::span<const float> run_timed(std::span<const float> input, std::span<double> node_ms) {
        if (check_batch(input.size()) != 1 || node_ms.size() != plan_.nodes.size())
            detail::fail(ErrorKind::argument, {"Session::run_timed: one image and ", plan_.nodes.size(), " timings"});
        if (integer_) {
            integer_->run_floats(input.data(), 0, Parallel{pool_.get()}, node_ms.data());
            return {integer_->output(), output_size()};
        }
        run_one(input.data(), 0, node_ms.data());
        return finish(1);
    }

private:
    /// The plan's outputs of `batch` images, normalised (unit_features) or through the head.
    std::span<const float> finish(std::size_t batch) {
        float* out = output_base();
        const std::size_t width = plan_.output().size();
        if (options_.output == SessionOutput::unit_features)
            for (std::size_t n = 0; n < batch; ++n) l2_normalize({out + n * width, width});
        if (!head_runs()) return {out, batch * width};
        const Head& head = *model_.head();
        for (std::size_t n = 0; n < batch; ++n) head.apply(out + n * width, head_logits_.data() + n * head.num_classes());
        return {head_logits_.data(), batch * head.num_classes()};
    }

    /// A model's head replaces its classifier: the plan stops at the features.
    SessionOptions planned() const noexcept {
        SessionOptions options = options_;
        if (model_.head()) options.output = SessionOutput::features;
        return options;
    }
    bool head_runs() const noexcept { return model_.head() && options_.output == SessionOutput::logits; }

    void plan() {
        MemoryPlan shapes = plan_memory(model_.graph(), planned());  // checks the options, sizes the float graph
        if (integer_possible(shapes)) {
            integer_ = std::make_unique<IntegerRunner>(model_.integer_program(), options_.max_batch, model_.info().preprocess);
            plan_ = integer_->plan();
            arena_ = AlignedBuffer();
            views_.clear();
            return;
        }
        integer_.reset();
        plan_ = std::move(shapes);
        arena_ = AlignedBuffer((plan_.peak_activation_bytes() + sizeof(float) - 1) / sizeof(float));
        std::fill_n(arena_.data(), arena_.size(), 0.0f);
        views_.assign(plan_.tensors.size(), {});
        for (std::size_t t = 0; t < plan_.tensors.size(); ++t) {
            const TensorPlan& p = plan_.tensors[t];
            views_[t] = {base(p, 0), p.shape, p.dtype, p.pixel_stride};
        }
    }

    /// Whether this session runs the integer program: false for Precision::float32; for
    /// Precision::integer, true or Error(unsupported) with the reason; automatic: when it can.
    bool integer_possible(const MemoryPlan& shapes) const {
        if (options_.precision == Precision::float32) return false;
        const bool required = options_.precision == Precision::integer;
        const quant::Program* program = model_.integer_program().get();
        std::string why;
        if (!program) {
            why = model_.integer_note().empty() ? "not a quantized model"
                                                : "the integer path refuses the file: " + model_.integer_note();
        } else if (model_.head()) {
            why = "a model with a head (the head runs in float)";
        } else if (options_.output != SessionOutput::logits) {
            why = "features output (integer sessions return logits)";
        } else {
            const Shape native = detail::image_shape(program->tensors[static_cast<std::size_t>(program->input)].shape);
            const Shape logits = detail::image_shape(program->tensors[static_cast<std::size_t>(program->logits)].shape);
            if (shapes.input.h != native.h || shapes.input.w != native.w || shapes.input.c != native.c)
                why = "input size " + to_string(shapes.input) + " (the integer graph takes " + to_string(native) + ")";
            else if (logits.size() != shapes.output().size())
                why = "its logits " + to_string(logits) + " do not match the float graph's output " +
                      to_string(shapes.output());
        }
        if (why.empty()) return true;
        if (required)
            detail::fail(ErrorKind::unsupported, {model_.info().source, ": integer execution: ", why,
                                                  " (Precision::float32 runs it in float)"});
        return false;
    }

    float* output_base() noexcept {
        return reinterpret_cast<float*>(reinterpret_cast<std::byte*>(arena_.data()) + plan_.arena_bytes);
    }
    void* base(const TensorPlan& p, std::size_t image) noexcept {
        auto* arena = reinterpret_cast<std::byte*>(arena_.data());
        if (!p.external) return arena + p.offset;
        return arena + plan_.arena_bytes + image * plan_.output_bytes + p.offset;  // the output region
    }

    std::size_t check_batch(std::size_t floats) const {
        const std::size_t image = input_size();
        if (floats == 0 || floats % image != 0 || floats / image > static_cast<std::size_t>(options_.max_batch))
            detail::fail(ErrorKind::shape, {"Session::run: expected a multiple of ", image, " floats (",
                                            to_string(plan_.input), " per image, at most ", options_.max_batch,
                                            " images), got ", floats});
        return floats / image;
    }

    void run_one(const float* input, std::size_t image, double* node_ms) {
        const Graph& graph = model_.graph();
        const Parallel par{pool_.get()};
        views_[0].data = const_cast<float*>(input);  // read only: nodes get ConstTensorViews of it
        for (std::size_t t = 1; t < views_.size(); ++t)
            if (plan_.tensors[t].external) views_[t].data = base(plan_.tensors[t], image);
        std::array<ConstTensorView, max_node_inputs> inputs;
        for (std::size_t i = 0; i < plan_.nodes.size(); ++i) {
            const Node& node = graph.nodes()[i];
            const NodeMemory& memory = plan_.nodes[i];
            std::size_t k = 0;
            for (int r : node.inputs) {
                const TensorView& v = views_[static_cast<std::size_t>(r)];
                inputs[k++] = {v.data, v.shape, v.dtype, v.pixel_stride};
            }
            const NodeArgs args{std::span<const ConstTensorView>(inputs.data(), k), views_[i + 1],
                                reinterpret_cast<std::byte*>(arena_.data()) + memory.scratch_offset, &memory.layer,
                                graph.padding(), par};
            const auto t0 = node_ms ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
            std::visit([&](const auto& l) { l.forward(args); }, node.layer);
            if (node_ms)
                node_ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        }
    }

    Model model_;
    SessionOptions options_;
    MemoryPlan plan_;
    AlignedBuffer arena_;
    std::vector<TensorView> views_;     // one per tensor id; run() only rebinds input and output
    std::unique_ptr<ThreadPool> pool_;  // none for threads = 1: run inline, no synchronisation
    AlignedBuffer head_logits_;         // max_batch × the head's classes (models with a head only)
    std::unique_ptr<IntegerRunner> integer_;  // the integer plan and arena, or null (float32)
};

}  // namespace mnet
