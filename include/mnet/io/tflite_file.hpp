// TfliteFile: one .tflite flatbuffer, checked before anything reads it. The
// flatbuffers Verifier (from our own schema, detail/tflite_schema.fbs) proves
// every offset and vector lies inside the bytes; then every index the format
// leaves to the reader (buffer, tensor, opcode) is range-checked, every constant
// buffer's size is matched to its shape and type, and every quantization vector
// to its tensor. What comes out is plain structs: nothing later touches raw bytes.
// The rules (README, "Hostile input"): 8 bytes ≤ file < 2 GiB with identifier
// TFL3; Verifier depth ≤ 64 and ≤ 10^6 tables; subgraph 0 with tensors,
// operators, one input and one output index in range; every tensor dim ≥ 0 and
// numel ≤ 2^40 (so numel × element size cannot overflow); buffer index in range,
// data inside the flatbuffer only, size = numel × element size; quantization
// scales finite, zero points within ±2^32, per-channel counts = the axis's dim;
// opcode and op tensor indices in range. Fuzzed by tests/fuzz/fuzz_tflite.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/detail/tflite_codes.hpp"
#include "mnet/io/detail/tflite_schema_generated.hpp"

namespace mnet::io {

/// Affine quantization of a tensor: real = scale[c] · (q − zero_point[c]), with c the
/// index along `axis` when there is one scale per channel, else one pair for all.
struct TfliteQuantization {
    std::vector<float> scale;             ///< empty: not quantized
    std::vector<std::int64_t> zero_point; ///< empty (= 0), one value, or one per scale
    int axis = 0;                         ///< quantized_dimension (used when scale.size() > 1)
};

/// One tensor of a verified .tflite file, its constant data a view into the file's bytes.
struct TfliteTensor {
    int index = 0;                    ///< position in the subgraph's tensor list
    std::string name;                 ///< as the converter wrote it (scopes joined by ';')
    std::vector<std::int64_t> shape;  ///< every dim >= 0
    std::uint64_t numel = 1;          ///< product of `shape` (overflow-checked)
    int type = 0;                     ///< TensorType value (tflite_codes::float32, ...)
    std::span<const std::uint8_t> data;  ///< constant contents (size checked); empty for activations
    TfliteQuantization quantization;  ///< empty scale: a float tensor

    /// Has data in the file (a weight or bias), as opposed to an activation.
    bool is_constant() const noexcept { return !data.empty(); }
};

/// One operator of the main subgraph, in execution order.
struct TfliteOp {
    int index = 0;            ///< position in the subgraph's operator list
    int code = 0;             ///< BuiltinOperator value
    std::string custom_code;  ///< for CUSTOM ops
    std::vector<int> inputs;  ///< tensor indices, -1 = optional input absent
    std::vector<int> outputs; ///< tensor indices
    const tflite_schema::Operator* raw = nullptr;  ///< for the builtin options (verified table)
};

/// "[1,224,224,3]"
inline std::string tflite_shape_string(std::span<const std::int64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

/// Long TFLite names (';'-joined scopes) cut to something a message can carry.
inline std::string tflite_short_name(const std::string& name) {
    return name.size() <= 120 ? name : name.substr(0, 117) + "...";
}

/// A .tflite file held in memory, verified by the flatbuffers Verifier before any
/// field is read, with its main subgraph's tensors and operators extracted.
class TfliteFile {
public:
    /// Takes the file's bytes; `name` (usually the path) prefixes every error message.
    TfliteFile(std::vector<std::uint8_t> bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {
        verify();
        const auto* model = tflite_schema::GetModel(bytes_.data());
        read_tensors(*model);
        read_ops(*model);
    }
    // Tensors hold spans into bytes_: a copy would point into the original.
    TfliteFile(const TfliteFile&) = delete;
    TfliteFile& operator=(const TfliteFile&) = delete;
    TfliteFile(TfliteFile&&) noexcept = default;             ///< Moves (the bytes move with their views).
    TfliteFile& operator=(TfliteFile&&) noexcept = default;  ///< Moves (the bytes move with their views).

    const std::string& name() const noexcept { return name_; }                      ///< Path or label.
    const std::vector<TfliteTensor>& tensors() const noexcept { return tensors_; }  ///< All tensors.
    const std::vector<TfliteOp>& ops() const noexcept { return ops_; }              ///< Operators, in order.
    /// The main subgraph's single input tensor.
    const TfliteTensor& input() const noexcept { return tensors_[static_cast<std::size_t>(input_)]; }
    /// The main subgraph's single output tensor.
    const TfliteTensor& output() const noexcept { return tensors_[static_cast<std::size_t>(output_)]; }
    /// A tensor by an index that came from this file's ops (already range-checked).
    const TfliteTensor& tensor(int index) const {
        if (index < 0 || static_cast<std::size_t>(index) >= tensors_.size())
            fail(ErrorKind::format, {"tensor index ", index, " out of range"});
        return tensors_[static_cast<std::size_t>(index)];
    }

    /// Throws Error(kind) with the file name in front of `what`, given as pieces and joined
    /// only here (cold, out of line): `if (!ok) file.fail(kind, {"tensor ", i, " ..."});`
    /// costs a check no string building.
    [[noreturn, gnu::cold, gnu::noinline]] void fail(ErrorKind kind,
                                                      std::initializer_list<mnet::detail::MessagePart> what) const {
        mnet::detail::fail(kind, {name_, ": ", mnet::detail::message(what)});
    }

private:
    void verify() {
        if (bytes_.empty()) fail(ErrorKind::format, {"empty file (expected a .tflite flatbuffer)"});
        if (bytes_.size() < 8)
            fail(ErrorKind::format, {"file too small (", bytes_.size(), " bytes) to be a .tflite flatbuffer"});
        if (bytes_.size() >= FLATBUFFERS_MAX_BUFFER_SIZE)
            fail(ErrorKind::format, {"file too large for a flatbuffer (", bytes_.size(), " bytes)"});
        if (!tflite_schema::ModelBufferHasIdentifier(bytes_.data())) {
            std::string id;
            for (std::size_t i = 4; i < 8; ++i) {
                const auto c = static_cast<char>(bytes_[i]);
                id += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : "\\x" + hex(bytes_[i]);
            }
            fail(ErrorKind::format, {"not a .tflite file: file identifier is '", id, "', expected 'TFL3'"});
        }
        // Depth and table limits bound the work a hostile file can cause.
        flatbuffers::Verifier verifier(bytes_.data(), bytes_.size(), /*max_depth=*/64, /*max_tables=*/1000000);
        if (!tflite_schema::VerifyModelBuffer(verifier))
            fail(ErrorKind::format, {"malformed .tflite flatbuffer: the flatbuffers verifier rejected it (truncated "
                                     "file, offset out of range or corrupt table)"});
        const auto* model = tflite_schema::GetModel(bytes_.data());
        if (!model->subgraphs() || model->subgraphs()->size() < 1) fail(ErrorKind::format, {"model has no subgraph"});
        if (!model->operator_codes()) fail(ErrorKind::format, {"model has no operator_codes"});
        if (!model->buffers()) fail(ErrorKind::format, {"model has no buffers"});
        const auto* graph = model->subgraphs()->Get(0);
        if (!graph->tensors()) fail(ErrorKind::format, {"subgraph 0 has no tensors"});
        if (!graph->operators()) fail(ErrorKind::format, {"subgraph 0 has no operators"});
        const std::size_t tensor_count = graph->tensors()->size();
        auto graph_io = [&](const flatbuffers::Vector<std::int32_t>* v, const char* what) {
            if (!v || v->size() != 1)
                fail(ErrorKind::unsupported,
                     {"expected exactly one subgraph ", what, " tensor, found ", v ? v->size() : 0});
            const int index = v->Get(0);
            if (index < 0 || static_cast<std::size_t>(index) >= tensor_count)
                fail(ErrorKind::format,
                     {"subgraph ", what, " tensor index ", index, " out of range (", tensor_count, " tensors)"});
            return index;
        };
        input_ = graph_io(graph->inputs(), "input");
        output_ = graph_io(graph->outputs(), "output");
    }

    void read_tensors(const tflite_schema::Model& model) {
        const auto& buffers = *model.buffers();
        const auto& list = *model.subgraphs()->Get(0)->tensors();
        tensors_.reserve(list.size());
        for (flatbuffers::uoffset_t i = 0; i < list.size(); ++i) {
            const tflite_schema::Tensor& raw = *list.Get(i);
            TfliteTensor t;
            t.index = static_cast<int>(i);
            t.name = raw.name() ? raw.name()->str() : std::string();
            t.type = raw.type();
            if (raw.shape()) {
                for (const std::int32_t d : *raw.shape()) {
                    if (d < 0) fail_tensor(t, ErrorKind::format, {": negative dimension ", d});
                    t.shape.push_back(d);
                    // 2^40 elements is far beyond any real tensor and keeps numel·size below 2^64.
                    if (d != 0 && t.numel > (std::uint64_t{1} << 40) / static_cast<std::uint64_t>(d))
                        fail_tensor(t, ErrorKind::format,
                                    {": shape ", tflite_shape_string(t.shape), "... is too large"});
                    t.numel *= static_cast<std::uint64_t>(d);
                }
            }
            if (raw.buffer() >= buffers.size())
                fail_tensor(t, ErrorKind::format,
                            {": buffer index ", raw.buffer(), " out of range (file has ", buffers.size(), " buffers)"});
            const tflite_schema::Buffer& buffer = *buffers.Get(raw.buffer());
            if (buffer.offset() > 1)
                fail_tensor(t, ErrorKind::unsupported,
                            {": its buffer ", raw.buffer(),
                             " keeps its data outside the flatbuffer (offset/size fields), which mnet does not read"});
            if (buffer.data() && buffer.data()->size() > 0) {
                const std::size_t element = tflite_codes::element_size(t.type);
                if (element == 0)
                    fail_tensor(t, ErrorKind::unsupported,
                                {": constant data of type ", tflite_codes::type_name(t.type), " is not supported"});
                const std::uint64_t expected = t.numel * element;
                if (buffer.data()->size() != expected)
                    fail_tensor(t, ErrorKind::format,
                                {" ", tflite_shape_string(t.shape), " ", tflite_codes::type_name(t.type), ": buffer ",
                                 raw.buffer(), " holds ", buffer.data()->size(), " bytes, expected ", expected});
                t.data = {buffer.data()->data(), buffer.data()->size()};
            }
            if (const auto* q = raw.quantization()) read_quantization(*q, t);
            tensors_.push_back(std::move(t));
        }
    }

    void read_quantization(const tflite_schema::QuantizationParameters& q, TfliteTensor& t) {
        TfliteQuantization& out = t.quantization;
        if (q.scale())
            for (const float s : *q.scale()) {
                if (!std::isfinite(s)) fail_tensor(t, ErrorKind::format, {": non-finite quantization scale"});
                // real = scale·(q − z): a zero or negative scale has no meaning, and divides by zero later.
                if (!(s > 0))
                    fail_tensor(t, ErrorKind::format,
                                {": quantization scale ", real_string(s), " at index ", out.scale.size(), ", expected > 0"});
                out.scale.push_back(s);
            }
        if (const auto* zeros = q.zero_point())
            for (flatbuffers::uoffset_t i = 0; i < zeros->size(); ++i) {
                // The verifier checks the vector's 4-byte length, not 8-byte element alignment: copy, don't cast.
                std::int64_t z;
                std::memcpy(&z, zeros->Data() + std::size_t{i} * sizeof z, sizeof z);
                // Real zero points fit the quantized type; the bound keeps q − z from overflowing.
                if (z < -(std::int64_t{1} << 32) || z > (std::int64_t{1} << 32))
                    fail_tensor(t, ErrorKind::format, {": quantization zero point ", z, " out of range"});
                const auto [lo, hi] = zero_point_range(t.type);
                if (z < lo || z > hi)
                    fail_tensor(t, ErrorKind::format,
                                {": quantization zero point ", z, " out of range for ", tflite_codes::type_name(t.type),
                                 " [", lo, ", ", hi, "]"});
                out.zero_point.push_back(z);
            }
        out.axis = q.quantized_dimension();
        const std::size_t n = out.scale.size();
        // Per-tensor parameters ignore the axis, but it must still name a dimension (or be the default 0).
        if (n <= 1 && out.axis != 0 && (out.axis < 0 || static_cast<std::size_t>(out.axis) >= t.shape.size()))
            fail_tensor(t, ErrorKind::format,
                        {": quantized_dimension ", out.axis, " out of range for shape ", tflite_shape_string(t.shape)});
        if (n > 1) {
            if (out.axis < 0 || static_cast<std::size_t>(out.axis) >= t.shape.size())
                fail_tensor(t, ErrorKind::format,
                            {": quantized_dimension ", out.axis, " out of range for shape ",
                             tflite_shape_string(t.shape)});
            const std::int64_t channels = t.shape[static_cast<std::size_t>(out.axis)];
            if (static_cast<std::int64_t>(n) != channels)
                fail_tensor(t, ErrorKind::format,
                            {": ", n, " quantization scales, expected 1 or ", channels, " (dimension ", out.axis,
                             " of ", tflite_shape_string(t.shape), ")"});
        }
        const std::size_t z = out.zero_point.size();
        if (!(z == 0 || z == 1 || (n > 1 && z == n)))
            fail_tensor(t, ErrorKind::format,
                        {": ", z, " zero points for ", n, " scales (expected 1 or one per scale)"});
    }

    void read_ops(const tflite_schema::Model& model) {
        const auto& codes = *model.operator_codes();
        const auto& list = *model.subgraphs()->Get(0)->operators();
        const auto tensor_count = static_cast<std::int64_t>(tensors_.size());
        ops_.reserve(list.size());
        for (flatbuffers::uoffset_t i = 0; i < list.size(); ++i) {
            const tflite_schema::Operator& raw = *list.Get(i);
            TfliteOp op;
            op.index = static_cast<int>(i);
            op.raw = &raw;
            if (raw.opcode_index() >= codes.size())
                fail(ErrorKind::format, {"op ", i, ": opcode index ", raw.opcode_index(), " out of range (file has ",
                                         codes.size(), " operator codes)"});
            const tflite_schema::OperatorCode& code = *codes.Get(raw.opcode_index());
            // Files written before the 32-bit field keep the op in the old byte; newer ones in both.
            op.code = std::max<int>(code.deprecated_builtin_code(), code.builtin_code());
            if (code.custom_code()) op.custom_code = code.custom_code()->str();
            auto indices = [&](const flatbuffers::Vector<std::int32_t>* v, bool optional, const char* role) {
                std::vector<int> out;
                if (!v) return out;
                for (const std::int32_t t : *v) {
                    if (!((t >= 0 && t < tensor_count) || (optional && t == -1)))
                        fail(ErrorKind::format, {"op ", i, " (", tflite_codes::op_name(op.code), "): ", role,
                                                 " tensor index ", t, " out of range (", tensor_count, " tensors)"});
                    out.push_back(t);
                }
                return out;
            };
            op.inputs = indices(raw.inputs(), true, "input");
            op.outputs = indices(raw.outputs(), false, "output");
            ops_.push_back(std::move(op));
        }
    }

    /// Zero points a quantized tensor of `type` may carry: the integer types' own range
    /// (int16 and the int32 of biases are symmetric, zero point 0, as TFLite's
    /// quantization spec says); other types keep the generic ±2^32 bound.
    static std::pair<std::int64_t, std::int64_t> zero_point_range(int type) noexcept {
        switch (type) {
            case tflite_codes::uint8: return {0, 255};
            case tflite_codes::int8: return {-128, 127};
            case tflite_codes::int16:
            case tflite_codes::int32: return {0, 0};
            default: return {-(std::int64_t{1} << 32), std::int64_t{1} << 32};
        }
    }

    /// fail(kind, "tensor 3 'name'" followed by `what`).
    [[noreturn, gnu::cold, gnu::noinline]] void fail_tensor(
        const TfliteTensor& t, ErrorKind kind, std::initializer_list<mnet::detail::MessagePart> what) const {
        fail(kind, {"tensor ", t.index, " '", tflite_short_name(t.name), "'", mnet::detail::message(what)});
    }

    /// "%g" of a scale: "%f" (MessagePart's) would print small scales as 0.000000.
    static std::string real_string(double v) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        return text;
    }

    static std::string hex(std::uint8_t b) {
        static constexpr char digits[] = "0123456789abcdef";
        return {digits[b >> 4], digits[b & 15]};
    }

    std::vector<std::uint8_t> bytes_;
    std::string name_;
    std::vector<TfliteTensor> tensors_;
    std::vector<TfliteOp> ops_;
    int input_ = 0;
    int output_ = 0;
};

}  // namespace mnet::io
