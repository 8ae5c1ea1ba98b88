// Builds small synthetic MobileNetV1 .tflite files with the flatbuffers builder
// (the generated API of mnet's own reader schema), for importer tests that real
// files cannot give: float32 / float16 / uint8 / int8-per-channel weights, an FC
// classifier after MEAN, and one corruption at a time. The weights are made in
// OIHW here and transposed to TFLite layouts here, so the importer's inverse
// transposition and dequantization are checked against independent code.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "mnet/io/detail/tflite_schema_generated.hpp"
#include "mnet/models/model.hpp"

namespace mnet::test {

struct SyntheticOptions {
    enum class Weights { float32, float16, uint8, int8_per_channel };
    Weights weights = Weights::float32;
    bool fully_connected = false;  ///< MEAN (keep_dims false) + FULLY_CONNECTED instead of AVERAGE_POOL_2D + 1x1 conv
    bool quantize_io = false;      ///< QUANTIZE ops around the graph, as TF2 PTQ models have
    float width = 0.25f;
    int resolution = 64;
    int classes = 10;
    // One corruption at a time (all off: a valid model).
    int insert_op = -1;             ///< builtin code of an op inserted after the stem
    std::string insert_custom;      ///< or a CUSTOM op with this name
    bool bad_buffer_index = false;  ///< stem weight tensor points past the buffer table
    bool bad_opcode_index = false;  ///< first op's opcode index past the table
    bool bad_tensor_index = false;  ///< first conv reads tensor 12345
    int wrong_shape_conv = -1;      ///< this conv's weight gets one output channel too many
    bool wrong_stride = false;      ///< the first stride-2 depthwise says stride 1
    bool valid_padding = false;     ///< the stem says VALID
    bool no_relu = false;           ///< the first pointwise conv has no fused ReLU6
    bool short_buffer = false;      ///< stem bias buffer one element short
    bool bad_scale_count = false;   ///< int8: stem weights get one scale fewer than channels
    bool stop_after_pool = false;   ///< a feature extractor without classifier
    bool output_is_stem = false;    ///< the subgraph output names the stem's output
};

struct SyntheticModel {
    std::vector<std::uint8_t> bytes;
    ModelInfo info;
    std::vector<std::vector<float>> weights_oihw;  ///< per slot, what the importer must produce
    std::vector<std::vector<float>> biases;
};

namespace synthetic_detail {

/// float → IEEE half, round to nearest (test data stays well inside the half range).
inline std::uint16_t float_to_half(float f) {
    const std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    const float a = std::fabs(f);
    if (a < 6.103515625e-05f)  // subnormal: units of 2^-24 (1024 units carries into the smallest normal)
        return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::lrint(a / 5.9604644775390625e-08f)));
    int e = 0;
    const float m = std::frexp(a, &e);  // a = m·2^e, m in [0.5, 1)
    int exponent = e - 1 + 15;
    long frac = std::lrint((m * 2.0f - 1.0f) * 1024.0f);
    if (frac == 1024) frac = 0, ++exponent;
    return static_cast<std::uint16_t>(sign | (exponent << 10) | frac);
}

inline float half_value(std::uint16_t h) {
    const int exponent = (h >> 10) & 0x1f;
    const int frac = h & 0x3ff;
    const float v = exponent == 0 ? std::ldexp(static_cast<float>(frac), -24)
                                  : std::ldexp(1.0f + static_cast<float>(frac) / 1024.0f, exponent - 15);
    return (h & 0x8000) ? -v : v;
}

struct Layer {
    enum class Kind { conv, depthwise, logits } kind;
    int out, in, k, stride;
    bool relu6;
    std::vector<float> w;  // OIHW ([C,1,K,K] depthwise, [N,K,1,1] logits)
    std::vector<float> b;
};

}  // namespace synthetic_detail

inline SyntheticModel make_synthetic_v1(const SyntheticOptions& opt) {
    namespace fb = mnet::io::tflite_schema;
    using synthetic_detail::Layer;
    SyntheticModel result;
    result.info.arch = Arch::mobilenet_v1;
    result.info.width = opt.width;
    result.info.resolution = opt.resolution;
    result.info.num_classes = opt.classes;

    // The network in OIHW, He-scaled so the activations stay alive through ReLU6.
    std::mt19937 rng(1234);
    auto make_layer = [&](Layer::Kind kind, int out, int in, int k, int stride, bool relu6) {
        Layer l{kind, out, in, k, stride, relu6, {}, {}};
        const int per_out = kind == Layer::Kind::depthwise ? 1 : in;
        const float a = std::sqrt(6.0f / static_cast<float>(per_out * k * k));
        std::uniform_real_distribution<float> w(-a, a), b(-0.1f, 0.3f);
        l.w.resize(static_cast<std::size_t>(out * per_out * k * k));
        for (float& v : l.w) v = w(rng);
        l.b.resize(static_cast<std::size_t>(out));
        for (float& v : l.b) v = b(rng);
        return l;
    };
    std::vector<Layer> layers;
    int c = MobileNetV1::channels(32, opt.width);
    layers.push_back(make_layer(Layer::Kind::conv, c, 3, 3, 2, true));
    for (const auto& pair : MobileNetV1::pairs) {
        layers.push_back(make_layer(Layer::Kind::depthwise, c, c, 3, pair.s, true));
        const int out = MobileNetV1::channels(pair.c, opt.width);
        layers.push_back(make_layer(Layer::Kind::conv, out, c, 1, 1, true));
        c = out;
    }
    if (!opt.stop_after_pool) layers.push_back(make_layer(Layer::Kind::logits, opt.classes, c, 1, 1, false));

    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(fbb)};  // buffer 0: the empty sentinel
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
    std::vector<int> code_of(256, -1);
    int custom_code_index = -1;

    auto opcode = [&](int code) {
        if (code_of[static_cast<std::size_t>(code)] < 0) {
            code_of[static_cast<std::size_t>(code)] = static_cast<int>(codes.size());
            codes.push_back(fb::CreateOperatorCode(fbb, static_cast<std::int8_t>(code < 127 ? code : 127), 0, 1, code));
        }
        return static_cast<std::uint32_t>(code_of[static_cast<std::size_t>(code)]);
    };
    auto buffer = [&](const void* data, std::size_t size) {
        fbb.ForceVectorAlignment(size, 1, 16);
        const auto v = fbb.CreateVector(static_cast<const std::uint8_t*>(data), size);
        buffers.push_back(fb::CreateBuffer(fbb, v));
        return static_cast<std::uint32_t>(buffers.size() - 1);
    };
    auto tensor = [&](const std::string& name, std::vector<std::int32_t> shape, int type, std::uint32_t buf,
                      flatbuffers::Offset<fb::QuantizationParameters> q = 0) {
        tensors.push_back(fb::CreateTensorDirect(fbb, &shape, static_cast<std::int8_t>(type), buf, name.c_str(), q));
        return static_cast<int>(tensors.size() - 1);
    };
    auto op = [&](std::uint32_t code_index, std::vector<std::int32_t> in, std::vector<std::int32_t> out,
                  fb::BuiltinOptions type = fb::BuiltinOptions::NONE, flatbuffers::Offset<void> options = 0) {
        ops.push_back(fb::CreateOperatorDirect(fbb, code_index, &in, &out, type, options));
    };
    auto quant = [&](std::vector<float> scale, std::vector<std::int64_t> zero, int axis) {
        return fb::CreateQuantizationParametersDirect(fbb, &scale, &zero, axis);
    };

    const int r = opt.resolution;
    int current = tensor("input", {1, r, r, 3}, opt.quantize_io ? 3 : 0, 0);
    const int graph_input = current;
    if (opt.quantize_io) {
        const int q = tensor("input_int8", {1, r, r, 3}, 9, 0);
        op(opcode(114), {current}, {q});
        current = q;
    }
    int h = r, w = r;
    int stem_out = -1;
    int conv_index = 0;
    bool first_s2_dw = true, first_pw = true;
    for (std::size_t li = 0; li < layers.size(); ++li) {
        Layer& l = layers[li];
        const std::string name = "layer" + std::to_string(li);
        const bool dw = l.kind == Layer::Kind::depthwise;
        const bool logits = l.kind == Layer::Kind::logits;
        const int per_out = dw ? 1 : l.in;
        // One output channel too many (ignored for depthwise layers, whose channels are fixed by their input).
        const int rows = l.out + (conv_index == opt.wrong_shape_conv && !dw ? 1 : 0);

        if (logits) {  // the pool first
            if (opt.fully_connected) {
                const std::int32_t axes[2] = {1, 2};
                const int axes_t = tensor("mean_axes", {2}, 2, buffer(axes, sizeof axes));
                const int pooled = tensor("pooled", {1, l.in}, 0, 0);
                op(opcode(40), {current, axes_t}, {pooled}, fb::BuiltinOptions::ReducerOptions,
                   fb::CreateReducerOptions(fbb, false).Union());
                current = pooled;
            } else {
                const int pooled = tensor("pooled", {1, 1, 1, l.in}, 0, 0);
                op(opcode(1), {current}, {pooled}, fb::BuiltinOptions::Pool2DOptions,
                   fb::CreatePool2DOptions(fbb, fb::Padding::VALID, 1, 1, w, h).Union());
                current = pooled;
            }
            h = w = 1;
        }

        // Quantize in OIHW (per output channel for int8), remember what dequantizes back.
        std::vector<float> expected(static_cast<std::size_t>(rows) * static_cast<std::size_t>(per_out * l.k * l.k));
        std::vector<float> source = l.w;
        source.resize(expected.size(), 0.25f);
        const std::size_t per_channel = static_cast<std::size_t>(per_out * l.k * l.k);
        const auto channels = static_cast<std::size_t>(rows);  // OIHW: the output channel is the slowest index
        std::vector<std::int32_t> q(expected.size());
        std::vector<float> scales;
        std::vector<std::int64_t> zeros;
        int type = 0;
        switch (opt.weights) {
            case SyntheticOptions::Weights::float32: expected = source; break;
            case SyntheticOptions::Weights::float16:
                type = 1;
                for (std::size_t i = 0; i < source.size(); ++i) {
                    q[i] = synthetic_detail::float_to_half(source[i]);
                    expected[i] = synthetic_detail::half_value(static_cast<std::uint16_t>(q[i]));
                }
                break;
            case SyntheticOptions::Weights::uint8: {
                type = 3;
                float lo = 0, hi = 0;
                for (float v : source) lo = std::min(lo, v), hi = std::max(hi, v);
                const float s = (hi - lo) / 255.0f;
                const std::int64_t z = std::lrint(-lo / s);
                scales = {s};
                zeros = {z};
                for (std::size_t i = 0; i < source.size(); ++i) {
                    q[i] = static_cast<std::int32_t>(std::clamp<long>(std::lrint(source[i] / s) + z, 0, 255));
                    expected[i] = static_cast<float>(static_cast<double>(s) * static_cast<double>(q[i] - z));
                }
                break;
            }
            case SyntheticOptions::Weights::int8_per_channel:
                type = 9;
                for (std::size_t ch = 0; ch < channels; ++ch) {
                    float m = 1e-6f;
                    for (std::size_t j = 0; j < per_channel; ++j) m = std::max(m, std::fabs(source[ch * per_channel + j]));
                    scales.push_back(m / 127.0f);
                    zeros.push_back(0);
                }
                for (std::size_t i = 0; i < source.size(); ++i) {
                    const std::size_t ch = i / per_channel;
                    q[i] = static_cast<std::int32_t>(std::lrint(source[i] / scales[ch]));
                    expected[i] = static_cast<float>(static_cast<double>(scales[ch]) * static_cast<double>(q[i]));
                }
                if (opt.bad_scale_count && conv_index == 0) scales.pop_back(), zeros.pop_back();
                break;
        }

        // OIHW → TFLite: conv [O,KH,KW,I], depthwise [1,KH,KW,C], logits [N,1,1,K] or FC [N,K].
        std::vector<std::int32_t> shape;
        std::vector<std::size_t> order(expected.size());  // TFLite element i takes OIHW element order[i]
        const auto K = static_cast<std::size_t>(l.k);
        if (dw) {
            shape = {1, l.k, l.k, rows};
            const auto C = static_cast<std::size_t>(rows);
            for (std::size_t y = 0; y < K; ++y)
                for (std::size_t x = 0; x < K; ++x)
                    for (std::size_t ch = 0; ch < C; ++ch) order[(y * K + x) * C + ch] = (ch * K + y) * K + x;
        } else {
            shape = logits && opt.fully_connected ? std::vector<std::int32_t>{rows, l.in}
                                                  : std::vector<std::int32_t>{rows, l.k, l.k, l.in};
            const auto I = static_cast<std::size_t>(l.in);
            for (std::size_t o = 0; o < static_cast<std::size_t>(rows); ++o)
                for (std::size_t y = 0; y < K; ++y)
                    for (std::size_t x = 0; x < K; ++x)
                        for (std::size_t i = 0; i < I; ++i) order[((o * K + y) * K + x) * I + i] = ((o * I + i) * K + y) * K + x;
        }
        std::vector<std::uint8_t> bytes;
        auto put = [&bytes](const void* p, std::size_t n) {
            const auto* b = static_cast<const std::uint8_t*>(p);
            bytes.insert(bytes.end(), b, b + n);
        };
        for (std::size_t i = 0; i < order.size(); ++i) {
            const std::size_t src = order[i];
            switch (opt.weights) {
                case SyntheticOptions::Weights::float32: put(&expected[src], 4); break;
                case SyntheticOptions::Weights::float16: {
                    const auto v = static_cast<std::uint16_t>(q[src]);
                    put(&v, 2);
                    break;
                }
                case SyntheticOptions::Weights::uint8: {
                    const auto v = static_cast<std::uint8_t>(q[src]);
                    put(&v, 1);
                    break;
                }
                case SyntheticOptions::Weights::int8_per_channel: {
                    const auto v = static_cast<std::int8_t>(q[src]);
                    put(&v, 1);
                    break;
                }
            }
        }
        const int axis = dw ? 3 : 0;
        int weight_t = tensor(name + "/weights", shape, type, buffer(bytes.data(), bytes.size()),
                              scales.empty() ? 0 : quant(scales, zeros, axis));
        if (conv_index == 0 && opt.bad_buffer_index) {  // re-create the tensor pointing past the buffers
            tensors.pop_back();
            weight_t = tensor(name + "/weights", shape, type, 9999);
        }
        if (opt.weights == SyntheticOptions::Weights::float16) {  // fp16 weights reach the conv through DEQUANTIZE
            const int f32 = tensor(name + "/weights_f32", shape, 0, 0);
            op(opcode(6), {weight_t}, {f32});
            weight_t = f32;
        }

        // Bias: float, or int32 with scale s_in·s_w[c].
        std::vector<float> bias = l.b;
        bias.resize(static_cast<std::size_t>(rows), 0.0f);
        int bias_t;
        if (opt.weights == SyntheticOptions::Weights::uint8 ||
            opt.weights == SyntheticOptions::Weights::int8_per_channel) {
            const float s_in = 0.02f;
            std::vector<float> bias_scales;
            std::vector<std::int32_t> qb(bias.size());
            for (std::size_t o = 0; o < bias.size(); ++o) {
                const float s = s_in * scales[scales.size() == 1 ? 0 : std::min(o, scales.size() - 1)];
                if (scales.size() != 1 || o == 0) bias_scales.push_back(s);
                qb[o] = static_cast<std::int32_t>(std::lrint(bias[o] / s));
                bias[o] = static_cast<float>(static_cast<double>(s) * static_cast<double>(qb[o]));
            }
            std::vector<std::int64_t> bias_zeros(bias_scales.size(), 0);
            bias_t = tensor(name + "/bias", {rows}, 2, buffer(qb.data(), qb.size() * 4 - (opt.short_buffer && conv_index == 0 ? 4 : 0)),
                            quant(bias_scales, bias_zeros, 0));
        } else {
            bias_t = tensor(name + "/bias", {rows}, 0,
                            buffer(bias.data(), bias.size() * 4 - (opt.short_buffer && conv_index == 0 ? 4 : 0)));
        }

        // The op and its output activation.
        const auto relu = l.relu6 && !(opt.no_relu && first_pw && l.k == 1 && !logits)
                              ? fb::ActivationFunctionType::RELU6
                              : fb::ActivationFunctionType::NONE;
        if (!dw && l.k == 1 && !logits) first_pw = false;
        int stride = l.stride;
        if (dw && l.stride == 2 && first_s2_dw) {
            first_s2_dw = false;
            if (opt.wrong_stride) stride = 1;
        }
        h = (h + l.stride - 1) / l.stride;
        w = (w + l.stride - 1) / l.stride;
        const bool fc = logits && opt.fully_connected;
        const int out_t = tensor(name + "/out", fc ? std::vector<std::int32_t>{1, l.out} : std::vector<std::int32_t>{1, h, w, l.out}, 0, 0);
        std::vector<std::int32_t> inputs{current, weight_t, bias_t};
        if (conv_index == 0 && opt.bad_tensor_index) inputs[0] = 12345;
        if (fc) {
            op(opcode(9), inputs, {out_t}, fb::BuiltinOptions::FullyConnectedOptions,
               fb::CreateFullyConnectedOptions(fbb, relu).Union());
        } else if (dw) {
            op(opcode(4), inputs, {out_t}, fb::BuiltinOptions::DepthwiseConv2DOptions,
               fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding::SAME, stride, stride, 1, relu).Union());
        } else {
            const auto padding = conv_index == 0 && opt.valid_padding ? fb::Padding::VALID : fb::Padding::SAME;
            op(opcode(3), inputs, {out_t}, fb::BuiltinOptions::Conv2DOptions,
               fb::CreateConv2DOptions(fbb, padding, stride, stride, relu).Union());
        }
        current = out_t;
        if (conv_index == 0) {
            stem_out = out_t;
            if (opt.insert_op >= 0 || !opt.insert_custom.empty()) {
                const int extra = tensor("extra/out", {1, h, w, l.out}, 0, 0);
                std::uint32_t code_index = 0;
                if (opt.insert_op >= 0) {
                    code_index = opcode(opt.insert_op);
                } else {
                    custom_code_index = static_cast<int>(codes.size());
                    codes.push_back(fb::CreateOperatorCodeDirect(fbb, 32, opt.insert_custom.c_str(), 1, 32));
                    code_index = static_cast<std::uint32_t>(custom_code_index);
                }
                op(code_index, {current}, {extra});
                current = extra;
            }
        }
        if (conv_index != opt.wrong_shape_conv) {
            result.weights_oihw.push_back(expected);
            result.biases.push_back(bias);
        }
        ++conv_index;
    }
    if (opt.stop_after_pool) {
        const int pooled = tensor("pooled", {1, 1, 1, c}, 0, 0);
        op(opcode(1), {current}, {pooled}, fb::BuiltinOptions::Pool2DOptions,
           fb::CreatePool2DOptions(fbb, fb::Padding::VALID, 1, 1, w, h).Union());
        current = pooled;
    } else {
        const int probs = tensor("probabilities", {1, opt.classes}, 0, 0);
        if (!opt.fully_connected) {
            const std::int32_t new_shape[2] = {1, opt.classes};
            const int shape_t = tensor("new_shape", {2}, 2, buffer(new_shape, sizeof new_shape));
            const int flat = tensor("logits_flat", {1, opt.classes}, 0, 0);
            op(opcode(22), {current, shape_t}, {flat});
            current = flat;
        }
        op(opcode(25), {current}, {probs}, fb::BuiltinOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(fbb, 1.0f).Union());
        current = probs;
        if (opt.quantize_io) {
            const int q = tensor("probabilities_uint8", {1, opt.classes}, 3, 0);
            op(opcode(114), {current}, {q});
            current = q;
        }
    }
    if (opt.bad_opcode_index) {  // an extra op in front whose opcode index points past the table
        std::vector<std::int32_t> none;
        ops.insert(ops.begin(), fb::CreateOperatorDirect(fbb, 999, &none, &none));
    }
    const std::vector<std::int32_t> graph_inputs{graph_input};
    const std::vector<std::int32_t> graph_outputs{opt.output_is_stem ? stem_out : current};
    const auto subgraph = fb::CreateSubGraphDirect(fbb, &tensors, &graph_inputs, &graph_outputs, &ops, "main");
    const std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs{subgraph};
    const auto model = fb::CreateModelDirect(fbb, 3, &codes, &subgraphs, "mnet synthetic", &buffers);
    fb::FinishModelBuffer(fbb, model);
    result.bytes.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    return result;
}

}  // namespace mnet::test
