// What preparing one operator of the reference interpreter needs: the file (for its
// records and error messages), the interpreter's tensors, and checks that name the
// op, the tensor and the field when a file is not what TFLite would run.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/detail/step.hpp"
#include "mnet/quant/kernels/common.hpp"
#include "mnet/quant/tensor.hpp"

namespace mnet::quant::detail {

/// One op being prepared: its record, the tensors, and the failure helpers.
struct OpContext {
    const io::TfliteFile& file;     ///< the verified file
    const io::TfliteOp& op;         ///< the op
    std::vector<Tensor>& tensors;   ///< the interpreter's tensors (storage allocated)

    /// "op 3 (CONV_2D)".
    std::string where() const {
        return mnet::detail::message({"op ", op.index, " (", io::tflite_codes::op_name(op.code), ")"});
    }
    /// Throws Error(kind) naming the file and the op.
    [[noreturn]] void fail(ErrorKind kind, std::initializer_list<mnet::detail::MessagePart> what) const {
        file.fail(kind, {where(), ": ", mnet::detail::message(what)});
    }
    /// "tensor 7 'name'".
    static std::string name(const Tensor& t) {
        return mnet::detail::message({"tensor ", t.index, " '", io::tflite_short_name(t.name), "'"});
    }

    /// The op's `i`-th input; throws if absent (or optional and -1 when !optional).
    Tensor* input(std::size_t i, const char* role, bool optional = false) const {
        if (i >= op.inputs.size() || op.inputs[i] < 0) {
            if (optional) return nullptr;
            fail(ErrorKind::format, {"missing input ", i, " (", role, ")"});
        }
        return &tensors[static_cast<std::size_t>(op.inputs[i])];
    }
    /// The op's single output.
    Tensor& output() const {
        if (op.outputs.size() != 1) fail(ErrorKind::format, {op.outputs.size(), " outputs, expected 1"});
        return tensors[static_cast<std::size_t>(op.outputs[0])];
    }

    /// Requires `t` to have one of `types`.
    void expect_type(const Tensor& t, std::initializer_list<int> types, const char* role) const {
        for (int type : types)
            if (t.type == type) return;
        std::string want;
        for (int type : types) {
            if (!want.empty()) want += " or ";
            want += io::tflite_codes::type_name(type);
        }
        fail(ErrorKind::unsupported, {role, " ", name(t), " is ", io::tflite_codes::type_name(t.type), ", expected ", want});
    }
    /// Requires `t` to have `rank` dimensions.
    void expect_rank(const Tensor& t, std::size_t rank, const char* role) const {
        if (t.shape.size() != rank)
            fail(ErrorKind::shape, {role, " ", name(t), " has shape ", shape_string(t.shape), ", expected rank ", rank});
    }
    /// Requires `t` to be a constant (weights, bias, shape operand).
    void expect_constant(const Tensor& t, const char* role) const {
        if (!t.constant) fail(ErrorKind::unsupported, {role, " ", name(t), " is not a constant in the file"});
    }
    /// Requires `t`'s shape to be `want` (what TFLite would compute for the output).
    void expect_shape(const Tensor& t, const std::vector<int>& want, const char* role) const {
        if (t.shape != want)
            fail(ErrorKind::shape, {role, " ", name(t), " has shape ", shape_string(t.shape), ", expected ",
                                    shape_string(want)});
    }
    /// Requires quantization parameters on an integer activation or weight tensor.
    void expect_quantized(const Tensor& t, const char* role) const {
        if (!(t.scale > 0)) fail(ErrorKind::format, {role, " ", name(t), " has no quantization scale"});
    }
    /// The file's record of tensor `t` (per-channel scales and zero points).
    const io::TfliteTensor& record(const Tensor& t) const { return file.tensors()[static_cast<std::size_t>(t.index)]; }

    /// quantize_multiplier(real), refusing what would overflow: a non-finite or negative
    /// real, or one that needs a left shift above max_left_shift.
    QuantizedMultiplier multiplier(double real, const Tensor& t, const char* field) const {
        if (!std::isfinite(real) || real < 0)
            fail(ErrorKind::format, {name(t), ": ", field, " multiplier ", OpContext::real(real), " is not a finite value >= 0"});
        const QuantizedMultiplier m = quantize_multiplier(real);
        if (m.shift > max_left_shift)
            fail(ErrorKind::format, {name(t), ": ", field, " multiplier ", OpContext::real(real), " needs a left shift of ", m.shift,
                                     ", out of range (at most ", max_left_shift, ")"});
        return m;
    }

    /// The clamp of a fused activation on an output of type uint8 or int8.
    ActivationRange clamp(int activation, const Tensor& out) const {
        if (activation < 0 || activation > 3)
            fail(ErrorKind::unsupported, {"fused activation #", activation, " (only NONE, RELU, RELU_N1_TO_1, RELU6)"});
        const bool u8 = out.type == io::tflite_codes::uint8;
        return activation_range(static_cast<FusedActivation>(activation), out.scale, out.zero_point, u8 ? 0 : -128,
                                u8 ? 255 : 127);
    }

    /// "%g" of a real (MessagePart prints "%f", which loses small scales).
    static std::string real(double v) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        return text;
    }

    /// "[1,224,224,3]".
    static std::string shape_string(const std::vector<int>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) {
            if (i) s += ',';  // (not `"," + to_string`: g++ 12 -O3 reports a false -Wrestrict there)
            s += std::to_string(shape[i]);
        }
        return s + "]";
    }
};

/// An NHWC view of a rank-4 tensor shape.
inline ref::Nhwc nhwc(const Tensor& t) { return {t.shape[0], t.shape[1], t.shape[2], t.shape[3]}; }

/// TFLite ComputeOutSize: SAME ceil(in/stride), VALID ceil((in − effective filter + 1)/stride).
inline int out_size(bool same, int in, int filter, int stride, int dilation) {
    const int effective = (filter - 1) * dilation + 1;
    return same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
}

/// TFLite ComputePaddingWithOffset: the padding before (the smaller half of the total).
inline int pad_before(int stride, int dilation, int in, int filter, int out) {
    const int effective = (filter - 1) * dilation + 1;
    const int total = std::max((out - 1) * stride + effective - in, 0);
    return total / 2;
}

}  // namespace mnet::quant::detail
