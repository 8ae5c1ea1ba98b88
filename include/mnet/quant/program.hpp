// mnet::quant::Program: a quantized .tflite graph (one file, or files chained end to
// end) prepared once for integer execution — every op checked, its multipliers derived
// and its weights packed — and then immutable: the steps address tensors by id and keep
// no activation pointers, so a Model shares one Program with every Session, each of
// which binds the ids to its own arena (runtime/integer_runner.hpp). Built by
// quant/build_program.hpp; ReferenceInterpreter runs one over whole-tensor storage.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mnet/quant/detail/step.hpp"
#include "mnet/quant/tensor.hpp"

namespace mnet::quant {

/// One prepared op of a Program.
struct ProgramOp {
    detail::Step run;         ///< the step (const, shareable)
    std::vector<int> inputs;  ///< tensor ids it reads (constants included)
    int output = 0;           ///< tensor id it writes
    int code = 0;             ///< TFLite builtin operator code
    int file = 0;             ///< which of the chained files it comes from
    int index = 0;            ///< its index in that file
};

/// A prepared integer graph. Not copyable: prepared steps point into its constants.
struct Program {
    std::string name;              ///< the file name(s), " + "-joined
    std::vector<Tensor> tensors;   ///< by id; constants hold their bytes, activations only metadata
    std::vector<ProgramOp> ops;    ///< in execution order (file order, files chained)
    int input = 0;                 ///< id of the graph input (uint8 or int8)
    int output = 0;                ///< id of the last file's output
    /// Id of the tensor a Session returns: the logits, i.e. what feeds a final SOFTMAX, or
    /// a final ARG_MAX (after its RESIZE_BILINEAR, for segmentation); else `output`.
    int logits = 0;

    Program() = default;                           ///< Empty; see build_program.
    Program(const Program&) = delete;              ///< Steps point into the constants.
    Program& operator=(const Program&) = delete;   ///< Steps point into the constants.
    Program(Program&&) noexcept = default;         ///< Tensor storage moves with its owners.
    Program& operator=(Program&&) noexcept = default;  ///< As the move constructor.

    /// Ops needed for tensor `id` (its producers, transitively), in execution order.
    std::vector<std::size_t> ops_for(int id) const {
        std::vector<bool> needed_tensor(tensors.size(), false);
        needed_tensor[static_cast<std::size_t>(id)] = true;
        std::vector<bool> needed_op(ops.size(), false);
        for (std::size_t i = ops.size(); i-- > 0;) {
            if (!needed_tensor[static_cast<std::size_t>(ops[i].output)]) continue;
            needed_op[i] = true;
            for (const int in : ops[i].inputs)
                if (in >= 0) needed_tensor[static_cast<std::size_t>(in)] = true;
        }
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < ops.size(); ++i)
            if (needed_op[i]) out.push_back(i);
        return out;
    }
};

}  // namespace mnet::quant
