// IntegerRunner: a Session's integer execution of a model's quant::Program. It plans
// once — the ops the logits need, every activation tensor (uint8/int8/int32, typed as
// DType) placed by liveness in one arena by memory_plan.hpp's placer, the input tensor
// included — and run() then only executes the prepared steps over that arena with the
// session's threads (each step splits its output rows or columns: any thread count
// gives the same bits) and dequantizes the logits, scale · (q − zero_point), into the
// output region. No heap allocation per run.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/core/error.hpp"
#include "mnet/core/input_spec.hpp"
#include "mnet/core/parallel.hpp"
#include "mnet/io/detail/tflite_codes.hpp"
#include "mnet/quant/program.hpp"
#include "mnet/runtime/memory_plan.hpp"

namespace mnet {

/// The raw values of an integer session's output (the logits before dequantization).
struct QuantizedOutput {
    std::span<const std::uint8_t> bytes;  ///< the tensor's bytes (uint8 or int8 values), of the last image run
    DType dtype = DType::u8;              ///< u8 or i8
    float scale = 0;                      ///< real = scale · (q − zero_point)
    std::int32_t zero_point = 0;          ///< see scale
};

namespace detail {

/// DType of a program tensor's TFLite type (uint8, int8, int32; int64 indices count as two i32).
inline DType dtype_of_tflite(int type) noexcept {
    if (type == io::tflite_codes::int8) return DType::i8;
    if (type == io::tflite_codes::uint8) return DType::u8;
    return DType::i32;
}

/// An NHWC tensor shape as one image's h × w × c (batch dropped; rank 2 and 1 as 1 × 1 × c).
inline Shape image_shape(const std::vector<int>& shape) {
    if (shape.size() == 4) return {shape[1], shape[2], shape[3]};
    if (shape.size() == 3) return {shape[0], shape[1], shape[2]};
    int c = 1;
    for (std::size_t i = shape.size() == 2 ? 1 : 0; i < shape.size(); ++i) c *= shape[i];
    return {1, 1, c};
}

}  // namespace detail

/// Runs a quant::Program for a Session (see the file comment).
class IntegerRunner {
public:
    /// Plans `program` for batches of up to `max_batch` images; `preset` says how
    /// run(float) recovers pixels from preprocessed floats.
    IntegerRunner(std::shared_ptr<const quant::Program> program, int max_batch, Preprocess preset)
        : program_(std::move(program)), preset_(preset) {
        const quant::Program& p = *program_;
        const quant::Tensor& in = p.tensors[static_cast<std::size_t>(p.input)];
        const quant::Tensor& out = p.tensors[static_cast<std::size_t>(p.logits)];
        ops_ = p.ops_for(p.logits);
        // Tensor ids → plan entries: 0 the input, k + 1 the output of the k-th op run.
        std::vector<int> entry(p.tensors.size(), -1);
        plan_.input = detail::image_shape(in.shape);
        plan_.max_batch = max_batch;
        plan_.nodes.resize(ops_.size());
        plan_.tensors.resize(ops_.size() + 1);
        entry[static_cast<std::size_t>(p.input)] = 0;
        plan_.tensors[0] = {plan_.input, detail::dtype_of_tflite(in.type), align_bytes(in.bytes), 0,
                            static_cast<std::size_t>(plan_.input.c), -1, -1, -1, 0, false};
        for (std::size_t k = 0; k < ops_.size(); ++k) {
            const quant::ProgramOp& op = p.ops[ops_[k]];
            const quant::Tensor& t = p.tensors[static_cast<std::size_t>(op.output)];
            TensorPlan& tp = plan_.tensors[k + 1];
            tp.shape = detail::image_shape(t.shape);
            tp.dtype = detail::dtype_of_tflite(t.type);
            tp.bytes = align_bytes(t.bytes);
            tp.pixel_stride = static_cast<std::size_t>(tp.shape.c);
            tp.first = tp.last = static_cast<int>(k);
            entry[static_cast<std::size_t>(op.output)] = static_cast<int>(k + 1);
            NodeMemory& node = plan_.nodes[k];
            node.layer.output = tp.shape;
            node.layer.dtype = tp.dtype;
            for (const int i : op.inputs)
                if (entry[static_cast<std::size_t>(i)] >= 0)
                    plan_.tensors[static_cast<std::size_t>(entry[static_cast<std::size_t>(i)])].last = static_cast<int>(k);
        }
        // The logits stay readable after a run (quantized_output()).
        plan_.tensors.back().last = static_cast<int>(ops_.size());
        output_floats_ = out.numel();
        plan_.output_bytes = output_floats_ * sizeof(float);
        std::vector<detail::Interval> items;
        for (TensorPlan& t : plan_.tensors) items.push_back({t.bytes, t.first, std::max(t.first, t.last), &t.offset});
        plan_.arena_bytes = detail::place(std::move(items));
        arena_ = AlignedBuffer((plan_.peak_activation_bytes() + sizeof(float) - 1) / sizeof(float));
        std::fill_n(arena_.data(), arena_.size(), 0.0f);

        auto* base = reinterpret_cast<std::byte*>(arena_.data());
        pointers_.assign(p.tensors.size(), nullptr);
        for (std::size_t id = 0; id < p.tensors.size(); ++id) {
            const quant::Tensor& t = p.tensors[id];
            // Steps only read constants; the Frame's pointers are non-const for the outputs' sake.
            if (t.constant) pointers_[id] = const_cast<std::byte*>(t.storage.data());
            else if (entry[id] >= 0) pointers_[id] = base + plan_.tensors[static_cast<std::size_t>(entry[id])].offset;
        }
        input_ = pointers_[static_cast<std::size_t>(p.input)];
        input_bytes_ = in.bytes;
        input_signed_ = in.type == io::tflite_codes::int8;
        logits_ = pointers_[static_cast<std::size_t>(p.logits)];
        logits_signed_ = out.type == io::tflite_codes::int8;
        logits_scale_ = out.scale;
        logits_zero_ = out.zero_point;
    }

    IntegerRunner(const IntegerRunner&) = delete;             ///< Pointers into its own arena.
    IntegerRunner& operator=(const IntegerRunner&) = delete;  ///< Pointers into its own arena.

    /// The plan (tensors: 0 the input, k + 1 the k-th op's output; the last is the logits).
    const MemoryPlan& plan() const noexcept { return plan_; }
    /// Bytes of the arena (activations, input, logits, output region).
    std::size_t arena_bytes() const noexcept { return arena_.size() * sizeof(float); }
    /// Bytes of one image's input tensor (uint8 or int8 values).
    std::size_t input_bytes() const noexcept { return input_bytes_; }
    /// Floats of one image's output.
    std::size_t output_size() const noexcept { return output_floats_; }
    /// Ops a run executes.
    std::size_t op_count() const noexcept { return ops_.size(); }

    /// Runs image `image` from its input tensor's raw values (input_bytes() bytes).
    void run_pixels(const std::uint8_t* pixels, std::size_t image, Parallel par) {
        std::memcpy(input_, pixels, input_bytes_);
        execute(image, par, nullptr);
    }

    /// Runs image `image` from preprocessed floats: the pixels are recovered by inverting
    /// the preset (tf_inception p = (x + 1)·127.5, deeplab p = 128·x + 128) and rounded
    /// floor(p + 0.5). A float can only approximate a resized pixel on an exact .5, so
    /// bit-exact results take run_pixels with preprocess_pixels' values. With `op_ms`
    /// (op_count() of them), each op's wall time in ms is stored there.
    void run_floats(const float* x, std::size_t image, Parallel par, double* op_ms = nullptr) {
        const std::size_t n = input_bytes_;
        const std::size_t channels = static_cast<std::size_t>(std::max(1, plan_.input.c));
        for (std::size_t i = 0; i < n; ++i) {
            const double v = x[i];
            double p = 0;
            switch (preset_) {
                case Preprocess::tf_inception: p = (v + 1.0) * 127.5; break;
                case Preprocess::deeplab: p = v * 128.0 + 128.0; break;
                case Preprocess::torchvision: {
                    static constexpr double mean[3] = {0.485, 0.456, 0.406}, std_dev[3] = {0.229, 0.224, 0.225};
                    const std::size_t c = i % channels % 3;
                    p = (v * std_dev[c] + mean[c]) * 255.0;
                    break;
                }
            }
            const int pixel = std::isnan(p) ? 0 : static_cast<int>(std::clamp(std::floor(p + 0.5), 0.0, 255.0));
            input_[i] = static_cast<std::byte>(input_signed_ ? static_cast<std::uint8_t>(pixel - 128) : pixel);
        }
        execute(image, par, op_ms);
    }

    /// The output region: max_batch images of output_size() floats.
    float* output() noexcept {
        return reinterpret_cast<float*>(reinterpret_cast<std::byte*>(arena_.data()) + plan_.arena_bytes);
    }

    /// The last image's logits as the integer graph computed them.
    QuantizedOutput quantized_output() const noexcept {
        return {{reinterpret_cast<const std::uint8_t*>(logits_), output_floats_},
                logits_signed_ ? DType::i8 : DType::u8, logits_scale_, logits_zero_};
    }

private:
    void execute(std::size_t image, Parallel par, double* op_ms) {
        const quant::detail::Frame frame{pointers_.data(), par};
        if (op_ms == nullptr) {
            for (const std::size_t k : ops_) program_->ops[k].run(frame);
        } else {
            using Clock = std::chrono::steady_clock;
            for (std::size_t k = 0; k < ops_.size(); ++k) {
                const auto start = Clock::now();
                program_->ops[ops_[k]].run(frame);
                op_ms[k] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            }
        }
        float* out = output() + image * output_floats_;
        const auto scale = logits_scale_;
        for (std::size_t i = 0; i < output_floats_; ++i) {
            const std::int32_t q = logits_signed_ ? std::int32_t{reinterpret_cast<const std::int8_t*>(logits_)[i]}
                                                  : std::int32_t{reinterpret_cast<const std::uint8_t*>(logits_)[i]};
            out[i] = scale * static_cast<float>(q - logits_zero_);
        }
    }

    std::shared_ptr<const quant::Program> program_;
    Preprocess preset_;
    std::vector<std::size_t> ops_;     // ops run, in order
    MemoryPlan plan_;
    AlignedBuffer arena_;
    std::vector<std::byte*> pointers_;  // by tensor id: arena slots, constants, or null (not run)
    std::byte* input_ = nullptr;
    std::size_t input_bytes_ = 0;
    bool input_signed_ = false;
    std::byte* logits_ = nullptr;
    bool logits_signed_ = false;
    float logits_scale_ = 0;
    std::int32_t logits_zero_ = 0;
    std::size_t output_floats_ = 0;
};

}  // namespace mnet
