// A quantized MobileNet .tflite (one file, or an extractor and its head chained) read
// into a flat list of layers with their real quantization parameters, for the int8
// same-run peers (onednn_quant.hpp, xnnpack_quant.hpp). The peers build their
// networks from this list, so they run the file's weights, scales and zero points:
// the same arithmetic work as mnet's integer path, not a look-alike network.
//
// Read straight from mnet::io::TfliteFile (verified by mnet's loader). Only what the
// classifiers use: CONV_2D, DEPTHWISE_CONV_2D (multiplier 1), FULLY_CONNECTED (as a
// 1x1 convolution on a 1x1 image), ADD, AVERAGE_POOL_2D / MEAN over the whole image,
// RESHAPE / SQUEEZE (aliases), QUANTIZE (requantize); the graph ends at the tensor that
// feeds SOFTMAX (the logits mnet returns). Anything else throws.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mnet/io/file.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/arithmetic.hpp"

namespace mnet_bench::qnet {

/// real = scale · (q − zero_point).
struct Quant {
    float scale = 1;
    std::int32_t zero_point = 0;
};

/// One activation tensor: NHWC with N = 1, its type and quantization.
struct Value {
    int h = 1, w = 1, c = 1;
    bool s8 = false;  ///< int8 (else uint8)
    Quant q;
    std::size_t size() const { return static_cast<std::size_t>(h) * w * c; }
};

/// One layer. `in`, `in2`, `out` index QNet::values.
struct Layer {
    enum class Kind { conv, add, global_pool, requantize } kind = Kind::conv;
    int in = -1, in2 = -1, out = -1;
    // conv (depthwise, 1x1, k×k; FULLY_CONNECTED is a 1x1 conv on a 1x1 image)
    int k = 1, stride = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    bool depthwise = false;
    /// TFLite's layout: [O][k][k][I], depthwise [k][k][C]; bytes of uint8 or int8 values.
    std::vector<std::uint8_t> weights;
    bool weights_s8 = false;
    std::vector<float> weight_scale;  ///< one per output channel (per-tensor files: repeated)
    std::int32_t weight_zero_point = 0;
    bool per_channel = false;         ///< the file had one scale per channel
    std::vector<std::int32_t> bias;   ///< int32 at scale input_scale · weight_scale[c]
    /// Output clamp in the quantized domain (fused ReLU6 narrowed to the type's range).
    std::int32_t lo = 0, hi = 255;
};

/// A quantized classifier as a layer list.
struct QNet {
    std::string name;
    std::vector<Value> values;  ///< values[0] is the graph input
    std::vector<Layer> layers;
    int logits = 0;             ///< value id of the logits (what feeds SOFTMAX)
    /// Multiply-accumulates per image of every convolution (GOPS = 2 · macs / time).
    double macs() const {
        double n = 0;
        for (const Layer& l : layers)
            if (l.kind == Layer::Kind::conv) {
                const Value& o = values[static_cast<std::size_t>(l.out)];
                const Value& i = values[static_cast<std::size_t>(l.in)];
                n += static_cast<double>(o.size()) * l.k * l.k * (l.depthwise ? 1 : i.c);
            }
        return n;
    }
};

namespace detail {

[[noreturn]] inline void fail(const std::string& file, const std::string& what) {
    throw std::runtime_error("qnet: " + file + ": " + what);
}

inline Quant quant_of(const mnet::io::TfliteTensor& t) {
    Quant q;
    if (!t.quantization.scale.empty()) q.scale = t.quantization.scale[0];
    if (!t.quantization.zero_point.empty()) q.zero_point = static_cast<std::int32_t>(t.quantization.zero_point[0]);
    return q;
}

inline std::pair<std::int32_t, std::int32_t> clamp_of(int activation, const Value& out) {
    const std::int32_t qmin = out.s8 ? -128 : 0, qmax = out.s8 ? 127 : 255;
    const auto r = mnet::quant::activation_range(static_cast<mnet::quant::FusedActivation>(activation), out.q.scale,
                                                 out.q.zero_point, qmin, qmax);
    return {r.min, r.max};
}

/// SAME padding as TFLite splits it (the smaller half before); VALID pads nothing.
inline void padding(bool same, int in, int k, int stride, int& out, int& before, int& after) {
    out = same ? (in + stride - 1) / stride : (in - k + stride) / stride;
    const int total = same ? std::max((out - 1) * stride + k - in, 0) : 0;
    before = total / 2;
    after = total - before;
}

}  // namespace detail

/// Reads `paths` (chained in order) into a QNet.
inline QNet read(const std::vector<std::string>& paths) {
    namespace codes = mnet::io::tflite_codes;
    QNet net;
    int previous_output = -1;  // value id the next file's input continues
    bool done = false;
    for (const std::string& path : paths) {
        if (done) detail::fail(path, "a file after the one that ends in SOFTMAX");
        const mnet::io::TfliteFile file(mnet::io::read_file(path), path);
        net.name += (net.name.empty() ? "" : " + ") + path.substr(path.find_last_of('/') + 1);
        std::map<int, int> id;  // tensor index → value id
        auto value_of = [&](int tensor) {
            const auto it = id.find(tensor);
            if (it == id.end()) detail::fail(path, "tensor " + std::to_string(tensor) + " read before it is written");
            return it->second;
        };
        auto define = [&](int tensor, int h, int w, int c) {
            const mnet::io::TfliteTensor& t = file.tensor(tensor);
            Value v{h, w, c, t.type == codes::int8, detail::quant_of(t)};
            if (t.type != codes::int8 && t.type != codes::uint8) detail::fail(path, "activation " + t.name + " is not 8-bit");
            net.values.push_back(v);
            return id[tensor] = static_cast<int>(net.values.size()) - 1;
        };
        const mnet::io::TfliteTensor& input = file.input();
        if (previous_output < 0) {
            if (input.shape.size() != 4) detail::fail(path, "input is not NHWC");
            define(input.index, static_cast<int>(input.shape[1]), static_cast<int>(input.shape[2]),
                   static_cast<int>(input.shape[3]));
        } else {
            id[input.index] = previous_output;
        }
        for (const mnet::io::TfliteOp& op : file.ops()) {
            if (done) break;
            const int in = value_of(op.inputs.at(0));
            const Value src = net.values[static_cast<std::size_t>(in)];
            const int out_tensor = op.outputs.at(0);
            Layer l;
            l.in = in;
            switch (op.code) {
                case codes::conv_2d:
                case codes::depthwise_conv_2d:
                case codes::fully_connected: {
                    const bool fc = op.code == codes::fully_connected, dw = op.code == codes::depthwise_conv_2d;
                    const mnet::io::TfliteTensor& w = file.tensor(op.inputs.at(1));
                    int activation = 0, stride = 1;
                    bool same = false;
                    if (dw) {
                        const auto* o = op.raw->builtin_options_as_DepthwiseConv2DOptions();
                        if (o->depth_multiplier() > 1 || o->dilation_h_factor() != 1 || o->stride_h() != o->stride_w())
                            detail::fail(path, "unsupported depthwise options");
                        stride = o->stride_h(), same = o->padding() == mnet::io::tflite_schema::Padding::SAME;
                        activation = static_cast<int>(o->fused_activation_function());
                    } else if (!fc) {
                        const auto* o = op.raw->builtin_options_as_Conv2DOptions();
                        if (o->dilation_h_factor() != 1 || o->stride_h() != o->stride_w())
                            detail::fail(path, "unsupported conv options");
                        stride = o->stride_h(), same = o->padding() == mnet::io::tflite_schema::Padding::SAME;
                        activation = static_cast<int>(o->fused_activation_function());
                    } else if (const auto* o = op.raw->builtin_options_as_FullyConnectedOptions()) {
                        activation = static_cast<int>(o->fused_activation_function());
                    }
                    const int out_c = static_cast<int>(dw ? w.shape[3] : w.shape[0]);
                    l.k = fc ? 1 : static_cast<int>(w.shape[1]);
                    l.depthwise = dw;
                    l.stride = stride;
                    int oh = 1, ow = 1;
                    if (!fc) {
                        detail::padding(same, src.h, l.k, stride, oh, l.pad_top, l.pad_bottom);
                        detail::padding(same, src.w, l.k, stride, ow, l.pad_left, l.pad_right);
                    } else if (static_cast<std::int64_t>(src.size()) != w.shape[1]) {
                        detail::fail(path, "FULLY_CONNECTED input size differs from its weights");
                    } else {
                        // The FC reads the flattened input: a 1x1 image of all its values.
                        net.values[static_cast<std::size_t>(in)] = {1, 1, static_cast<int>(src.size()), src.s8, src.q};
                    }
                    l.weights.assign(w.data.begin(), w.data.end());
                    l.weights_s8 = w.type == codes::int8;
                    const auto& ws = w.quantization.scale;
                    l.per_channel = ws.size() > 1;
                    l.weight_scale.resize(static_cast<std::size_t>(out_c));
                    for (int c = 0; c < out_c; ++c) l.weight_scale[static_cast<std::size_t>(c)] = ws[l.per_channel ? c : 0];
                    l.weight_zero_point = detail::quant_of(w).zero_point;
                    l.bias.assign(static_cast<std::size_t>(out_c), 0);
                    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
                        const mnet::io::TfliteTensor& b = file.tensor(op.inputs[2]);
                        if (b.type != codes::int32) detail::fail(path, "bias is not int32");
                        std::memcpy(l.bias.data(), b.data.data(), l.bias.size() * 4);
                    }
                    l.out = define(out_tensor, oh, ow, out_c);
                    std::tie(l.lo, l.hi) = detail::clamp_of(activation, net.values[static_cast<std::size_t>(l.out)]);
                    break;
                }
                case codes::add: {
                    l.kind = Layer::Kind::add;
                    l.in2 = value_of(op.inputs.at(1));
                    const auto* o = op.raw->builtin_options_as_AddOptions();
                    l.out = define(out_tensor, src.h, src.w, src.c);
                    std::tie(l.lo, l.hi) = detail::clamp_of(o ? static_cast<int>(o->fused_activation_function()) : 0,
                                                            net.values[static_cast<std::size_t>(l.out)]);
                    break;
                }
                case codes::average_pool_2d:
                case codes::mean: {
                    if (op.code == codes::average_pool_2d) {
                        const auto* o = op.raw->builtin_options_as_Pool2DOptions();
                        if (o->filter_height() != src.h || o->filter_width() != src.w)
                            detail::fail(path, "AVERAGE_POOL_2D is not over the whole image");
                    }
                    l.kind = Layer::Kind::global_pool;
                    l.out = define(out_tensor, 1, 1, src.c);
                    std::tie(l.lo, l.hi) = detail::clamp_of(0, net.values[static_cast<std::size_t>(l.out)]);
                    break;
                }
                case codes::quantize: {
                    l.kind = Layer::Kind::requantize;
                    l.out = define(out_tensor, src.h, src.w, src.c);
                    break;
                }
                case codes::reshape:
                case codes::squeeze: id[out_tensor] = in; continue;
                case codes::softmax: net.logits = in, done = true; continue;
                default: detail::fail(path, "op " + std::string(codes::op_name(op.code)) + " is not supported by the peers");
            }
            net.layers.push_back(std::move(l));
        }
        if (!done) previous_output = value_of(file.output().index);
    }
    if (!done) net.logits = previous_output;
    return net;
}

/// Buffer slot of every value, reusing a slot once its value's last reader has run
/// (greedy, first fit by size), as an inference engine plans its arena: the peers'
/// activations then cycle through a few buffers that stay in cache, as mnet's do.
/// `sizes` receives each slot's size in bytes.
inline std::vector<int> plan_buffers(const QNet& net, std::vector<std::size_t>& sizes) {
    const std::size_t n = net.values.size();
    std::vector<int> last(n, -1), slot(n, -1);
    for (std::size_t i = 0; i < net.layers.size(); ++i)
        for (int v : {net.layers[i].in, net.layers[i].in2})
            if (v >= 0) last[static_cast<std::size_t>(v)] = static_cast<int>(i);
    last[static_cast<std::size_t>(net.logits)] = static_cast<int>(net.layers.size());
    std::vector<bool> busy;
    sizes.clear();
    auto take = [&](int v) {
        const std::size_t need = net.values[static_cast<std::size_t>(v)].size();
        int best = -1;
        for (std::size_t s = 0; s < sizes.size(); ++s)
            if (!busy[s] && (best < 0 || (sizes[s] >= need) > (sizes[static_cast<std::size_t>(best)] >= need)))
                best = static_cast<int>(s);
        if (best < 0) {
            sizes.push_back(0);
            busy.push_back(false);
            best = static_cast<int>(sizes.size()) - 1;
        }
        sizes[static_cast<std::size_t>(best)] = std::max(sizes[static_cast<std::size_t>(best)], need);
        busy[static_cast<std::size_t>(best)] = true;
        slot[static_cast<std::size_t>(v)] = best;
    };
    take(0);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
        const Layer& l = net.layers[i];
        if (slot[static_cast<std::size_t>(l.out)] < 0) take(l.out);
        for (int v : {l.in, l.in2})
            if (v >= 0 && last[static_cast<std::size_t>(v)] == static_cast<int>(i))
                busy[static_cast<std::size_t>(slot[static_cast<std::size_t>(v)])] = false;
    }
    return slot;
}

/// uint8 ↔ int8 (or any 8-bit ↔ 8-bit) requantization, in float, for the QUANTIZE
/// of the PTQ file's input: a plain loop both peers run (mnet runs it too).
inline void requantize(const std::uint8_t* src, const Value& from, std::uint8_t* dst, const Value& to) {
    const std::size_t n = from.size();
    if (from.q.scale == to.q.scale && from.s8 != to.s8 && from.q.zero_point - to.q.zero_point == (from.s8 ? -128 : 128)) {
        for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<std::uint8_t>(src[i] ^ 0x80u);  // a shift by 128
        return;
    }
    const float ratio = from.q.scale / to.q.scale;
    for (std::size_t i = 0; i < n; ++i) {
        const int q = from.s8 ? static_cast<std::int8_t>(src[i]) : src[i];
        const int r = static_cast<int>(std::lround(ratio * static_cast<float>(q - from.q.zero_point))) + to.q.zero_point;
        const int c = std::clamp(r, to.s8 ? -128 : 0, to.s8 ? 127 : 255);
        dst[i] = static_cast<std::uint8_t>(c);
    }
}

}  // namespace mnet_bench::qnet
