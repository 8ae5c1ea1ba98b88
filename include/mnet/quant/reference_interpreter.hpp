// mnet::quant::ReferenceInterpreter: runs a quantized .tflite file in integers with
// the scalar reference kernels (kernels/*.hpp), op by op in file order, over typed
// tensors indexed as in the file — general dataflow, so branches, concatenations and
// residual adds work. It runs a quant::Program (quant/build_program.hpp) on storage of
// its own for every tensor, one thread; Sessions run the same programs in an arena. It is the executable specification of mnet's integer path:
// bit-exact with TensorFlow Lite's reference kernels (BUILTIN_REF), slow, simple.
// Construction checks every op as TFLite's Prepare would (types, shapes, constant
// weights, int32 bias, multipliers in range) and throws mnet::Error naming the file,
// op, tensor and field; run() then never throws.
// Ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MEAN,
// RESHAPE, SQUEEZE, QUANTIZE (integer ↔ integer), SOFTMAX, RESIZE_BILINEAR,
// CONCATENATION, ARG_MAX; activations uint8 (per-tensor) or int8 (per-channel weights).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <memory>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/build_program.hpp"
#include "mnet/quant/tensor.hpp"

namespace mnet::quant {

/// A quantized .tflite graph prepared for integer execution with the reference kernels.
/// Holds its own copy of the weights: the TfliteFile may be destroyed afterwards.
class ReferenceInterpreter {
public:
    /// Prepares every op of `file` (throws mnet::Error on anything TFLite would refuse
    /// or mnet does not support).
    explicit ReferenceInterpreter(const io::TfliteFile& file)
        : name_(file.name()), program_(std::make_unique<Program>(build_program(std::span(&file, 1)))) {
        // One file: ids are the file's indices. Activations get storage of their own here.
        tensors_.reserve(program_->tensors.size());
        for (const Tensor& t : program_->tensors) {
            Tensor copy;
            copy.index = t.index;
            copy.id = t.id;
            copy.name = t.name;
            copy.type = t.type;
            copy.shape = t.shape;
            copy.scale = t.scale;
            copy.zero_point = t.zero_point;
            copy.constant = t.constant;
            copy.bytes = t.bytes;
            copy.storage = t.constant ? t.storage : std::vector<std::byte>(t.bytes);
            tensors_.push_back(std::move(copy));
        }
        for (Tensor& t : tensors_) pointers_.push_back(t.storage.data());
    }

    ReferenceInterpreter(const ReferenceInterpreter&) = delete;             ///< Pointers into the tensors.
    ReferenceInterpreter& operator=(const ReferenceInterpreter&) = delete;  ///< Pointers into the tensors.
    ReferenceInterpreter(ReferenceInterpreter&&) noexcept = default;        ///< Tensor storage moves with its owners.
    ReferenceInterpreter& operator=(ReferenceInterpreter&&) noexcept = default;  ///< As the move constructor.

    /// Runs the graph on the input tensor's raw values (uint8 or int8 bytes, exactly its
    /// element count). Throws Error(shape) on a size mismatch, nothing else.
    void run(std::span<const std::uint8_t> input) {
        Tensor& in = tensors_[static_cast<std::size_t>(program_->input)];
        if (input.size() != in.bytes)
            mnet::detail::fail(ErrorKind::shape, {name_, ": input of ", input.size(), " bytes, the graph input ",
                                                  detail::OpContext::shape_string(in.shape), " ",
                                                  io::tflite_codes::type_name(in.type), " takes ", in.bytes});
        if (!input.empty()) std::memcpy(in.storage.data(), input.data(), input.size());
        const detail::Frame frame{pointers_.data(), Parallel{}};
        for (const ProgramOp& op : program_->ops) op.run(frame);
    }

    /// Every tensor, indexed as in the file (values valid after run()).
    const std::vector<Tensor>& tensors() const noexcept { return tensors_; }
    /// One tensor by its file index.
    const Tensor& tensor(int index) const { return tensors_.at(static_cast<std::size_t>(index)); }
    /// The graph input.
    const Tensor& input() const noexcept { return tensors_[static_cast<std::size_t>(program_->input)]; }
    /// The graph output.
    const Tensor& output() const noexcept { return tensors_[static_cast<std::size_t>(program_->output)]; }
    /// Number of prepared ops.
    std::size_t op_count() const noexcept { return program_->ops.size(); }
    /// The prepared program it runs.
    const Program& program() const noexcept { return *program_; }

private:
    std::string name_;
    std::unique_ptr<Program> program_;  // its steps point into its constants: kept in place
    std::vector<Tensor> tensors_;
    std::vector<std::byte*> pointers_;  // tensors_[i]'s bytes, what the steps address
};

}  // namespace mnet::quant
