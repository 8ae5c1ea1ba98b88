// .tflite → mnet::Model. Recognises the MobileNetV1/V2 graphs TensorFlow's
// converters write, infers arch (V2 has residual ADDs), α, resolution and
// classes from the tensors, dequantizes every weight and bias to float and fills
// the graph's weight slots in execution order. Ops that do not change a float
// engine's logits (QUANTIZE/DEQUANTIZE of activations, RESHAPE/SQUEEZE after the
// pool, the final SOFTMAX) are checked and skipped. Several files chain into one
// network (V1 1.0-224 ships as a feature extractor plus its classifier head).
// On top of TfliteFile's checks: every op is one mnet supports, the input is
// [1,R,R,3] with R ≤ 4096, the graph's weight_count must not exceed the constant
// values the files hold before a graph is allocated, every weight, bias and
// output shape is checked against the graph, and weights must be finite after
// dequantization (within float range). (README, "Hostile input".)
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mnet/io/detail/tflite_dequantize.hpp"
#include "mnet/quant/build_program.hpp"
#include "mnet/io/file.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/models/model.hpp"

namespace mnet::io {

/// One .tflite file held in memory (for load_tflite_memory).
struct TfliteBytes {
    std::span<const std::uint8_t> bytes;  ///< the whole file
    std::string name;  ///< prefixes error messages: a path or any label
};

namespace tflite_detail {

inline constexpr const char* supported_ops =
    "CONV_2D, DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D, MEAN, FULLY_CONNECTED, RESHAPE, SQUEEZE, SOFTMAX, QUANTIZE, "
    "DEQUANTIZE; for DeepLabv3 also CONCATENATION, RESIZE_BILINEAR, ARG_MAX";

/// "file: op 12 (CONV_2D)"
inline std::string where(const TfliteOp& op) {
    return mnet::detail::message({"op ", op.index, " (", tflite_codes::op_name(op.code), ")"});
}

inline std::string tensor_label(const TfliteTensor& t) {
    return mnet::detail::message({"tensor '", tflite_short_name(t.name), "'"});
}

/// The TFLite op codes that compute a step of `kind`, the usual one first. The layers
/// say what a file computes (Layer::append_ops); this table is all the importers know
/// of op codes per step, so no importer looks at layer types.
inline std::vector<int> step_codes(OpStep::Kind kind) {
    namespace c = tflite_codes;
    switch (kind) {
        case OpStep::Kind::conv: return {c::conv_2d};
        case OpStep::Kind::depthwise: return {c::depthwise_conv_2d};
        case OpStep::Kind::add: return {c::add};
        case OpStep::Kind::pool: return {c::average_pool_2d, c::mean};
        case OpStep::Kind::logits: return {c::conv_2d, c::fully_connected};
        case OpStep::Kind::resize: return {c::resize_bilinear};
        case OpStep::Kind::concat: return {c::concatenation};
    }
    return {};
}

/// "CONV_2D", "AVERAGE_POOL_2D or MEAN": the ops that compute `kind`, for messages.
inline std::string step_ops(OpStep::Kind kind) {
    std::string out;
    for (int code : step_codes(kind)) out += (out.empty() ? "" : " or ") + tflite_codes::op_name(code);
    return out;
}

/// True when `op` computes a step of `kind`.
inline bool computes(const TfliteOp& op, OpStep::Kind kind) {
    const std::vector<int> codes = step_codes(kind);
    return std::find(codes.begin(), codes.end(), op.code) != codes.end();
}

/// True for the steps whose op holds weights (they fill the next WeightSlot).
constexpr bool has_weights(OpStep::Kind kind) noexcept {
    return kind == OpStep::Kind::conv || kind == OpStep::Kind::depthwise || kind == OpStep::Kind::logits;
}

/// TFLite's fused activation for `a`.
constexpr tflite_schema::ActivationFunctionType tflite_activation(ActivationKind a) noexcept {
    using A = tflite_schema::ActivationFunctionType;
    switch (a) {
        case ActivationKind::relu6: return A::RELU6;
        case ActivationKind::relu: return A::RELU;
        case ActivationKind::linear: return A::NONE;
    }
    return A::NONE;
}

/// The constant behind input `k` of `op`: the tensor itself, or the constant a
/// DEQUANTIZE op turns into it (how float16 and some int8 models store weights).
inline const TfliteTensor& constant_operand(const TfliteFile& file, const TfliteOp& op, std::size_t k,
                                            const char* role) {
    if (k >= op.inputs.size() || op.inputs[k] < 0) file.fail(ErrorKind::format, {where(op), ": no ", role, " input"});
    const TfliteTensor& t = file.tensor(op.inputs[k]);
    if (t.is_constant()) return t;
    for (const TfliteOp& producer : file.ops())
        if (producer.code == tflite_codes::dequantize && producer.outputs.size() == 1 &&
            producer.outputs[0] == t.index && !producer.inputs.empty() && producer.inputs[0] >= 0 &&
            file.tensor(producer.inputs[0]).is_constant())
            return file.tensor(producer.inputs[0]);
    file.fail(ErrorKind::format, {where(op), ": ", role, " ", tensor_label(t), " has no constant data"});
}

/// True for a DEQUANTIZE that makes a weight from a constant (not part of the activation chain).
inline bool dequantizes_constant(const TfliteFile& file, const TfliteOp& op) {
    return op.code == tflite_codes::dequantize && !op.inputs.empty() && op.inputs[0] >= 0 &&
           file.tensor(op.inputs[0]).is_constant();
}

/// A convolution-like op found before the graph is known (for inferring α and classes).
struct WeightedOp {
    const TfliteFile* file;
    const TfliteOp* op;
    const TfliteTensor* weight;
};

/// Every op's code is one mnet reads; otherwise Error(unsupported) naming it.
inline void check_supported(const TfliteFile& file) {
    namespace c = tflite_codes;
    for (const TfliteOp& op : file.ops()) {
        switch (op.code) {
            case c::add: case c::average_pool_2d: case c::conv_2d: case c::depthwise_conv_2d: case c::dequantize:
            case c::fully_connected: case c::reshape: case c::softmax: case c::mean: case c::squeeze:
            case c::quantize: case c::concatenation: case c::resize_bilinear: case c::arg_max:
                break;
            case c::custom:
                file.fail(ErrorKind::unsupported, {"op ", op.index, ": unsupported op CUSTOM '", op.custom_code,
                                                   "' (mnet imports MobileNetV1/V2 graphs of ", supported_ops, ")"});
            default:
                file.fail(ErrorKind::unsupported, {"op ", op.index, ": unsupported op ", c::op_name(op.code),
                                                   " (mnet imports MobileNetV1/V2 graphs of ", supported_ops, ")"});
        }
    }
}

/// The shape a TFLite weight tensor must have to fill `slot`.
inline std::vector<std::int64_t> tflite_weight_shape(const WeightSlot& slot, int code) {
    const auto& s = slot.oihw;
    if (slot.depthwise) return {1, s[2], s[3], s[0]};                  // [1,KH,KW,C]
    if (slot.fully_connected && code == tflite_codes::fully_connected) return {s[0], s[1]};  // [N,K]
    if (slot.fully_connected) return {s[0], 1, 1, s[1]};               // 1x1 CONV_2D [N,1,1,K]
    return {s[0], s[2], s[3], s[1]};                                   // [O,KH,KW,I]
}

/// TFLite layout → the slot's (OIHW; depthwise [C,1,KH,KW]; classifier [N,K]).
inline std::vector<float> to_slot_layout(const WeightSlot& slot, std::vector<float> w) {
    if (slot.fully_connected) return w;  // [N,1,1,K] and [N,K] are the same bytes: moved, not copied
    const auto o = static_cast<std::size_t>(slot.oihw[0]), i = static_cast<std::size_t>(slot.oihw[1]);
    const auto kh = static_cast<std::size_t>(slot.oihw[2]), kw = static_cast<std::size_t>(slot.oihw[3]);
    std::vector<float> out(w.size());
    if (slot.depthwise) {
        for (std::size_t y = 0; y < kh; ++y)
            for (std::size_t x = 0; x < kw; ++x)
                for (std::size_t c = 0; c < o; ++c) out[(c * kh + y) * kw + x] = w[(y * kw + x) * o + c];
        return out;
    }
    for (std::size_t oc = 0; oc < o; ++oc)
        for (std::size_t y = 0; y < kh; ++y)
            for (std::size_t x = 0; x < kw; ++x)
                for (std::size_t ic = 0; ic < i; ++ic)
                    out[((oc * i + ic) * kh + y) * kw + x] = w[((oc * kh + y) * kw + x) * i + ic];
    return out;
}

/// Walks the ops of the chained files in execution order, following the one
/// activation tensor a MobileNet threads through (`current`) and skipping the ops
/// that leave its float values unchanged.
class Walker {
public:
    enum class Phase { features, pooled, logits };

    explicit Walker(const std::vector<TfliteFile>& files) : files_(files), current_(files.front().input().index) {}

    const TfliteFile& file() const noexcept { return files_[file_]; }
    int current() const noexcept { return current_; }
    bool at_last_file() const noexcept { return file_ + 1 == files_.size(); }

    /// The next op that computes something, or nullptr after the last op of the last file.
    const TfliteOp* next(Phase phase) {
        namespace c = tflite_codes;
        for (;;) {
            if (pos_ == files_[file_].ops().size()) {
                if (file_ + 1 == files_.size()) return nullptr;
                enter_next_file();
                continue;
            }
            const TfliteFile& f = files_[file_];
            const TfliteOp& op = f.ops()[pos_++];
            switch (op.code) {
                case c::quantize:
                case c::dequantize:
                    if (!dequantizes_constant(f, op)) follow(op);
                    continue;
                case c::reshape:
                case c::squeeze:
                    if (phase == Phase::features)
                        f.fail(ErrorKind::unsupported,
                               {where(op), ": reshaping the activation is only supported after the global pooling"});
                    follow(op);
                    continue;
                case c::softmax:
                    if (phase != Phase::logits)
                        f.fail(ErrorKind::unsupported,
                               {where(op), ": SOFTMAX is only supported after the logits layer"});
                    follow(op);
                    continue;
                default:
                    if (phase == Phase::logits)
                        f.fail(ErrorKind::unsupported, {where(op), ": only RESHAPE, SQUEEZE, SOFTMAX, QUANTIZE or "
                                                                   "DEQUANTIZE may follow the logits layer"});
                    return &op;
            }
        }
    }

    /// Checks that `op` reads the running activation as its data input.
    void require_reads_current(const TfliteOp& op) const {
        const TfliteFile& f = file();
        if (!op.inputs.empty() && op.inputs[0] == current_) return;
        const std::string found = op.inputs.empty() || op.inputs[0] < 0 ? std::string("nothing")
                                                                         : tensor_label(f.tensor(op.inputs[0]));
        f.fail(ErrorKind::unsupported, {where(op), " reads ", found, ", expected the previous layer's output ",
                                        tensor_label(f.tensor(current_)),
                                        " (mnet imports the straight MobileNet chain)"});
    }

    /// Makes `op`'s single output the running activation.
    void advance(const TfliteOp& op) {
        if (op.outputs.size() != 1)
            file().fail(ErrorKind::unsupported, {where(op), ": expected one output, found ", op.outputs.size()});
        current_ = op.outputs[0];
    }

private:
    void follow(const TfliteOp& op) {
        require_reads_current(op);
        advance(op);
        const TfliteFile& f = file();
        if (f.tensor(op.inputs[0]).numel != f.tensor(current_).numel)
            f.fail(ErrorKind::shape, {where(op), ": changes the element count (",
                                      tflite_shape_string(f.tensor(op.inputs[0]).shape), " -> ",
                                      tflite_shape_string(f.tensor(current_).shape), ")"});
    }

    void enter_next_file() {
        const TfliteFile& done = files_[file_];
        const TfliteFile& next = files_[file_ + 1];
        if (current_ != done.output().index)
            done.fail(ErrorKind::unsupported, {"cannot chain ", next.name(), " after it: its output ",
                                               tensor_label(done.output()), " is not the last layer's result"});
        if (next.input().shape != done.output().shape)
            next.fail(ErrorKind::shape, {"cannot chain it after ", done.name(), ": input ", tensor_label(next.input()),
                                         " has shape ", tflite_shape_string(next.input().shape),
                                         ", the previous file's output ", tensor_label(done.output()), " has ",
                                         tflite_shape_string(done.output().shape)});
        ++file_;
        pos_ = 0;
        current_ = next.input().index;
    }

    const std::vector<TfliteFile>& files_;
    std::size_t file_ = 0;
    std::size_t pos_ = 0;
    int current_;
};

struct ConvOptions {
    bool same_padding = true;
    int stride_w = 1, stride_h = 1;
    int dilation_w = 1, dilation_h = 1;
    tflite_schema::ActivationFunctionType activation = tflite_schema::ActivationFunctionType::NONE;
};

/// An absent options table reads as the schema defaults (stride 0), which the stride check rejects.
inline ConvOptions conv_options(const TfliteOp& op) {
    ConvOptions o;
    const auto spatial = [&o](const auto* t) {
        o.stride_w = t ? t->stride_w() : 0;
        o.stride_h = t ? t->stride_h() : 0;
        if (!t) return;
        o.same_padding = t->padding() == tflite_schema::Padding::SAME;
        o.dilation_w = t->dilation_w_factor();
        o.dilation_h = t->dilation_h_factor();
        o.activation = t->fused_activation_function();
    };
    if (op.code == tflite_codes::conv_2d) {
        spatial(op.raw->builtin_options_as_Conv2DOptions());
    } else if (op.code == tflite_codes::depthwise_conv_2d) {
        spatial(op.raw->builtin_options_as_DepthwiseConv2DOptions());
    } else if (op.code == tflite_codes::fully_connected) {
        const auto* t = op.raw->builtin_options_as_FullyConnectedOptions();
        if (t) o.activation = t->fused_activation_function();
    } else if (op.code == tflite_codes::add) {
        const auto* t = op.raw->builtin_options_as_AddOptions();
        if (t) o.activation = t->fused_activation_function();
    } else if (op.code == tflite_codes::average_pool_2d) {
        const auto* t = op.raw->builtin_options_as_Pool2DOptions();
        if (t) o.activation = t->fused_activation_function();
    }
    return o;
}

inline std::string activation_name(tflite_schema::ActivationFunctionType a) {
    const char* name = tflite_schema::EnumNameActivationFunctionType(a);
    return name && *name ? name : mnet::detail::message({"activation #", static_cast<int>(a)});
}

/// The op fuses the activation `step` has; Error(unsupported) naming both otherwise.
inline void check_activation(const TfliteFile& file, const TfliteOp& op, const ConvOptions& o, const OpStep& step) {
    const auto want = tflite_activation(step.activation);
    if (o.activation != want)
        file.fail(ErrorKind::unsupported, {where(op), ": fused activation ", activation_name(o.activation),
                                           ", expected ", activation_name(want), " for ", step.what});
}

/// A weighted op's options match its step: stride, dilation, padding (VALID equals SAME
/// only for a 1x1 kernel; otherwise the padding is the model's tf_same), unshuffled
/// FULLY_CONNECTED weights, and the fused activation.
inline void check_conv_options(const TfliteFile& f, const TfliteOp& op, const OpStep& step) {
    const ConvOptions opts = conv_options(op);
    if (op.code != tflite_codes::fully_connected) {
        if (opts.stride_h != step.stride || opts.stride_w != step.stride)
            f.fail(ErrorKind::unsupported, {where(op), ": stride ", opts.stride_h, "x", opts.stride_w, ", expected ",
                                            step.stride, "x", step.stride, " for ", step.what});
        if (opts.dilation_h != step.dilation || opts.dilation_w != step.dilation)
            f.fail(ErrorKind::unsupported, {where(op), ": dilation ", opts.dilation_h, "x", opts.dilation_w,
                                            ", expected ", step.dilation, "x", step.dilation, " for ", step.what});
        if (!opts.same_padding && step.kernel != 1)
            f.fail(ErrorKind::unsupported, {where(op), ": padding VALID, expected SAME for ", step.what});
    } else {
        const auto* fc = op.raw->builtin_options_as_FullyConnectedOptions();
        if (fc && fc->weights_format() != 0)
            f.fail(ErrorKind::unsupported, {where(op), ": shuffled FULLY_CONNECTED weights are not supported"});
    }
    check_activation(f, op, opts, step);
}

/// Fills `slot` from the weighted op `op` of `step` (options checked first): the
/// weight's shape, the bias's (zero when absent), dequantized and reordered.
/// `context` follows the step's name in the shape message (" ('features.0.0') of ...").
inline void fill_slot(const TfliteFile& f, const TfliteOp& op, const OpStep& step, WeightSlot& slot,
                      const std::string& context = "") {
    check_conv_options(f, op, step);
    const TfliteTensor& weight = constant_operand(f, op, 1, "weight");
    const std::vector<std::int64_t> want = tflite_weight_shape(slot, op.code);
    if (weight.shape != want)
        f.fail(ErrorKind::shape, {where(op), ", weight ", tensor_label(weight), ": expected shape ",
                                  tflite_shape_string(want), " for ", step.what, context, ", found ",
                                  tflite_shape_string(weight.shape)});
    std::vector<float> bias(slot.out_channels(), 0.0f);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const TfliteTensor& b = constant_operand(f, op, 2, "bias");
        const std::vector<std::int64_t> want_bias{static_cast<std::int64_t>(slot.out_channels())};
        if (b.shape != want_bias)
            f.fail(ErrorKind::shape, {where(op), ", bias ", tensor_label(b), ": expected shape ",
                                      tflite_shape_string(want_bias), " for ", step.what, ", found ",
                                      tflite_shape_string(b.shape)});
        bias = dequantize(f, b);
    }
    slot.assign(to_slot_layout(slot, dequantize(f, weight)), bias);
}

/// A pool step's op averages all of an `in`-shaped tensor: AVERAGE_POOL_2D with an
/// in.h × in.w filter and no activation, or MEAN over the constant axes {1, 2}.
inline void check_global_pool(const TfliteFile& f, const TfliteOp& op, Shape in, const OpStep& step) {
    if (op.code == tflite_codes::average_pool_2d) {
        const auto* p = op.raw->builtin_options_as_Pool2DOptions();
        if (!p || p->filter_height() != in.h || p->filter_width() != in.w)
            f.fail(ErrorKind::unsupported,
                   {where(op), ": expected a global ", in.h, "x", in.w, " average pool, found filter ",
                    p ? mnet::detail::message({p->filter_height(), "x", p->filter_width()}) : std::string("none")});
        check_activation(f, op, conv_options(op), step);
        return;
    }
    const TfliteTensor& axes = constant_operand(f, op, 1, "axes");
    if (axes.type != tflite_codes::int32 || axes.numel != 2)
        f.fail(ErrorKind::unsupported, {where(op), ": expected two INT32 axes, found ", tensor_label(axes), " ",
                                        tflite_codes::type_name(axes.type), " ", tflite_shape_string(axes.shape)});
    const std::vector<std::int32_t> a = read_int32(f, axes);
    const auto norm = [](std::int32_t v) { return v < 0 ? v + 4 : v; };
    if (!((norm(a[0]) == 1 && norm(a[1]) == 2) || (norm(a[0]) == 2 && norm(a[1]) == 1)))
        f.fail(ErrorKind::unsupported, {where(op), ": expected a mean over axes {1,2} (height, width)"});
}

/// Input `k` of `op` as `count` constant INT32 values (a resize's size, an arg-max's
/// axis); Error(unsupported) naming the op, the tensor and what it is otherwise.
inline std::vector<std::int32_t> int32_operand(const TfliteFile& f, const TfliteOp& op, std::size_t k,
                                               const char* role, std::uint64_t count) {
    if (k >= op.inputs.size() || op.inputs[k] < 0) f.fail(ErrorKind::format, {where(op), ": no ", role, " input"});
    const TfliteTensor& t = f.tensor(op.inputs[k]);
    if (!t.is_constant() || t.type != tflite_codes::int32 || t.numel != count)
        f.fail(ErrorKind::unsupported,
               {where(op), ": expected the ", role, " as ", count, " constant INT32 value(s), found ", tensor_label(t),
                " ", tflite_codes::type_name(t.type), " ", tflite_shape_string(t.shape),
                t.is_constant() ? "" : " computed at run time"});
    return read_int32(f, t);
}

/// The output of `op` must be [1,h,w,c] (or [1,c] where `flat_ok` and h = w = 1).
inline void check_output_shape(const TfliteFile& file, const TfliteOp& op, Shape want, bool flat_ok) {
    const TfliteTensor& t = file.tensor(op.outputs[0]);  // Walker::advance checked there is one
    const std::vector<std::int64_t> full{1, want.h, want.w, want.c};
    const bool ok = t.shape == full || (flat_ok && want.h == 1 && want.w == 1 &&
                                        t.shape == std::vector<std::int64_t>{1, want.c});
    if (!ok)
        file.fail(ErrorKind::shape, {where(op), ": output ", tensor_label(t), ": expected shape ",
                                     tflite_shape_string(full), ", found ", tflite_shape_string(t.shape)});
}

/// The first file must take one square RGB image, [1,R,R,3].
inline void check_image_input(const TfliteFile& first) {
    const TfliteTensor& input = first.input();
    const auto& s = input.shape;
    if (!(s.size() == 4 && s[0] == 1 && s[3] == 3 && s[1] == s[2] && s[1] >= 1 && s[1] <= 4096))
        first.fail(ErrorKind::unsupported,
                   {"input ", tensor_label(input), " has shape ", tflite_shape_string(s),
                    ", expected a square RGB image [1,R,R,3]",
                    s.size() == 4 && s[1] == 1 && s[2] == 1 ? " (is this a classifier head? load it after its "
                                                              "feature extractor: mnet::load({extractor, head}))"
                                                            : ""});
}

/// Values the chained files hold as constants (each numel matches its buffer's bytes).
inline std::uint64_t stored_values(const std::vector<TfliteFile>& files) {
    std::uint64_t n = 0;
    for (const TfliteFile& f : files)
        for (const TfliteTensor& t : f.tensors())
            if (t.is_constant()) n += t.numel;
    return n;
}

/// What infer_info found: the model's description, and the trial graph that matched every weight shape
/// (empty when none did), which build_model fills instead of building the same graph again.
struct InferredModel {
    ModelInfo info;              ///< arch, α, resolution, classes
    std::optional<Graph> graph;  ///< build_graph(info), when its weight shapes are the files'
};

/// Finds the arch, α, resolution and classes the tensors describe.
inline InferredModel infer_info(const std::vector<TfliteFile>& files, const std::vector<WeightedOp>& weighted,
                                int residual_adds, bool features_only = false) {
    ModelInfo info;
    info.arch = residual_adds > 0 ? Arch::mobilenet_v2 : Arch::mobilenet_v1;
    info.resolution = static_cast<int>(files.front().input().shape[1]);  // check_image_input ran
    info.padding = Padding::tf_same;
    info.preprocess = Preprocess::tf_inception;
    for (const TfliteFile& f : files) info.source += (info.source.empty() ? "" : " + ") + f.name();

    // A feature extractor (features_only: the graph ends at the pool) has no logits op.
    const std::size_t min_ops = (info.arch == Arch::mobilenet_v1 ? 2 : 3) - (features_only ? 1 : 0);
    const TfliteFile& last = files.back();
    if (weighted.size() < min_ops)
        last.fail(ErrorKind::unsupported,
                  {"not a MobileNetV1/V2 graph: only ", weighted.size(), " convolution ops"});
    const TfliteTensor& logits = *weighted.back().weight;
    if (!features_only && (logits.shape.empty() || logits.shape[0] < 1 || logits.shape[0] > 1000000))
        last.fail(ErrorKind::shape,
                  {"logits weight ", tensor_label(logits), " has shape ", tflite_shape_string(logits.shape)});
    info.num_classes = features_only ? 0 : static_cast<int>(logits.shape[0]);

    // α from the widest fixed layer (V1: the last 1024-channel pointwise, V2: the
    // 320-channel projection), then confirmed against every weight shape; the
    // published multipliers are the fallbacks.
    const TfliteTensor& anchor = *weighted[weighted.size() - min_ops].weight;
    const double base = info.arch == Arch::mobilenet_v1 ? 1024.0 : 320.0;
    const double derived = anchor.shape.empty() ? 0.0 : static_cast<double>(anchor.shape[0]) / base;
    std::vector<float> candidates{1.0f, 0.75f, 0.5f, 0.35f, 0.25f, 1.3f, 1.4f};
    // Published α stop at 1.4; the cap keeps a hostile anchor from sizing a huge trial graph.
    if (derived > 0.0 && derived <= 2.0) candidates.insert(candidates.begin(), static_cast<float>(derived));
    const std::uint64_t stored = stored_values(files);
    float fallback = candidates.front();
    bool fallback_fits = false;
    for (float width : candidates) {
        info.width = width;
        if (weight_count(info) > stored) continue;  // the files cannot fill it: don't allocate it
        if (!fallback_fits) fallback = width, fallback_fits = true;
        Graph graph = build_graph(info);
        const std::vector<WeightSlot> slots = graph.weight_slots();
        bool match = slots.size() == weighted.size();
        for (std::size_t i = 0; match && i < slots.size(); ++i)
            match = weighted[i].weight->shape == tflite_weight_shape(slots[i], weighted[i].op->code);
        if (match) return {info, std::move(graph)};
    }
    // Nothing matches: the first candidate the files could fill, so that the walk
    // names the first mismatch (if none could, build_model refuses the size).
    info.width = fallback;
    return {info, std::nullopt};
}

}  // namespace tflite_detail
}  // namespace mnet::io

// The segmentation importer uses the helpers above; build_model below hands it DeepLab files.
#include "mnet/io/tflite_deeplab.hpp"

namespace mnet::io {
namespace tflite_detail {

inline Model build_model(const std::vector<TfliteFile>& files) {
    namespace c = tflite_codes;
    using Kind = OpStep::Kind;
    if (files.empty()) mnet::detail::fail(ErrorKind::argument, {"load_tflite: no model file given"});
    for (const TfliteFile& f : files) check_supported(f);
    check_image_input(files.front());
    if (std::any_of(files.begin(), files.end(), [](const TfliteFile& f) { return is_segmentation(f); }))
        return build_deeplab(files);

    // A first pass for what the graph cannot be built without.
    std::vector<WeightedOp> weighted;
    int adds = 0;
    const TfliteOp* last_compute = nullptr;
    for (const TfliteFile& f : files)
        for (const TfliteOp& op : f.ops()) {
            if (op.code == c::conv_2d || op.code == c::depthwise_conv_2d || op.code == c::fully_connected)
                weighted.push_back({&f, &op, &constant_operand(f, op, 1, "weight")});
            if (op.code == c::add) ++adds;
            if (op.code != c::quantize && op.code != c::dequantize && op.code != c::reshape && op.code != c::squeeze &&
                op.code != c::softmax)
                last_compute = &op;
        }
    const TfliteFile& last = files.back();
    // A graph that ends at the global pooling is a feature extractor: a model without
    // classifier (num_classes 0) whose Session returns the pooled features.
    const bool features_only =
        last_compute && (last_compute->code == c::average_pool_2d || last_compute->code == c::mean);

    InferredModel inferred = infer_info(files, weighted, adds, features_only);
    ModelInfo info = std::move(inferred.info);
    // Every weight is a constant of the files: a graph needing more values cannot load,
    // so refuse before allocating it (a small file must not cost gigabytes).
    const std::uint64_t needed = weight_count(info), stored = stored_values(files);
    // The width prints as std::to_string(float) does ("1.000000"), part of the messages.
    if (needed > stored)
        last.fail(ErrorKind::shape, {to_string(info.arch), " width ", info.width, " with ", info.num_classes,
                                     " classes needs ", needed, " weights, the file(s) hold only ", stored,
                                     " constant values"});
    Graph graph = inferred.graph ? std::move(*inferred.graph) : build_graph(info);
    std::vector<WeightSlot> slots = graph.weight_slots();
    const std::string model_name = mnet::detail::message({to_string(info.arch), " width ", info.width});
    if (slots.size() != weighted.size())
        mnet::detail::fail(ErrorKind::unsupported,
                           {info.source, ": not a MobileNetV1/V2 graph: ", model_name, " has ", slots.size(),
                            " convolutions, the file(s) ", weighted.size()});

    Walker walker(files);
    Walker::Phase phase = Walker::Phase::features;
    Shape cur = graph.input_shape();
    std::size_t slot_index = 0;
    int block_input = -1;
    const std::vector<OpStep> steps = graph.ops();
    for (const OpStep& e : steps)  // a chain: nothing joins or resizes tensors
        if (e.kind == Kind::resize || e.kind == Kind::concat)
            mnet::detail::fail(ErrorKind::unsupported, {e.what, ": not part of a classifier chain"});
    for (const OpStep& e : steps) {
        const TfliteOp* op_ptr = walker.next(phase);
        if (!op_ptr)
            last.fail(ErrorKind::unsupported,
                      {"the graph ends where ", model_name, " expects ", step_ops(e.kind), " for ", e.what});
        const TfliteOp& op = *op_ptr;
        const TfliteFile& f = walker.file();
        if (!computes(op, e.kind))
            f.fail(ErrorKind::unsupported, {where(op), ": expected ", step_ops(e.kind), " for ", e.what, " of ",
                                            model_name, " (not a MobileNetV1/V2 graph mnet recognises)"});
        const ConvOptions opts = conv_options(op);

        if (e.kind == Kind::add) {
            if (!(op.inputs.size() == 2 && ((op.inputs[0] == block_input && op.inputs[1] == walker.current()) ||
                                            (op.inputs[1] == block_input && op.inputs[0] == walker.current()))))
                f.fail(ErrorKind::unsupported,
                       {where(op), ": expected the residual sum of the block input and the projection for ", e.what});
            check_activation(f, op, opts, e);
            walker.advance(op);
            check_output_shape(f, op, cur, false);
            continue;
        }
        walker.require_reads_current(op);
        if (e.feeds_add) block_input = walker.current();

        if (e.kind == Kind::pool) {
            check_global_pool(f, op, cur, e);
            walker.advance(op);
            cur = {1, 1, cur.c};
            check_output_shape(f, op, cur, op.code == c::mean);
            phase = Walker::Phase::pooled;
            continue;
        }

        // A convolution: options, then weights into the next slot.
        WeightSlot& slot = slots[slot_index++];
        fill_slot(f, op, e, slot, mnet::detail::message({" ('", slot.weight, "') of ", model_name}));

        walker.advance(op);
        if (e.kind == Kind::logits) {
            cur = {1, 1, info.num_classes};
            check_output_shape(f, op, cur, true);
            phase = Walker::Phase::logits;
        } else {
            const int h = axis_padding(cur.h, e.kernel, e.stride, Padding::tf_same, e.dilation).out;
            const int w = axis_padding(cur.w, e.kernel, e.stride, Padding::tf_same, e.dilation).out;
            cur = {h, w, slot.oihw[0]};
            check_output_shape(f, op, cur, false);
        }
    }
    walker.next(Walker::Phase::logits);  // runs to the end; throws on a computing op after the logits
    if (walker.current() != last.output().index)
        last.fail(ErrorKind::unsupported,
                  {"the model output ", tensor_label(last.output()), " is not computed from the logits layer"});
    return Model(std::move(info), std::move(graph));
}

}  // namespace tflite_detail

/// Builds a model from already-parsed files, chained in order. A quantized graph (a uint8
/// or int8 input) is also prepared for integer execution (Model::integer_program); if the
/// integer path refuses it, the model still loads for float execution and
/// Model::integer_note() says why.
inline Model load_tflite_files(const std::vector<TfliteFile>& files) {
    Model model = tflite_detail::build_model(files);
    const int input_type = files.front().input().type;
    if (input_type != tflite_codes::uint8 && input_type != tflite_codes::int8) return model;
    try {
        return model.with_integer_program(std::make_shared<const quant::Program>(quant::build_program(files)));
    } catch (const Error& e) {
        return model.with_integer_program(nullptr, e.what());
    }
}

/// Loads one .tflite file, or several that chain into one network (extractor, then head).
inline Model load_tflite(const std::vector<std::string>& paths) {
    std::vector<TfliteFile> files;
    files.reserve(paths.size());
    for (const std::string& path : paths) files.emplace_back(read_file(path), path);
    return load_tflite_files(files);
}

/// Reads, verifies and loads one .tflite file (what mnet::load does for that extension).
inline Model load_tflite(const std::string& path) { return load_tflite(std::vector<std::string>{path}); }

/// Loads .tflite bytes already in memory (tests, fuzzers, embedded models); `name` labels errors.
inline Model load_tflite_memory(std::span<const std::uint8_t> bytes, const std::string& name) {
    std::vector<TfliteFile> files;
    files.emplace_back(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), name);
    return load_tflite_files(files);
}

/// Several in-memory .tflite files chained in order.
inline Model load_tflite_memory(std::span<const TfliteBytes> parts) {
    std::vector<TfliteFile> files;
    files.reserve(parts.size());
    for (const TfliteBytes& p : parts) files.emplace_back(std::vector<std::uint8_t>(p.bytes.begin(), p.bytes.end()), p.name);
    return load_tflite_files(files);
}

}  // namespace mnet::io
