// Test support: a torchvision-style mobilenet_v2 state dict with random weights
// (names and shapes written out here from torchvision's module structure, not
// taken from mnet's graph), and a naive double-precision forward pass over it
// with torchvision semantics (OIHW, BN unfolded, explicit padding) — an oracle
// independent of mnet's layers, kernels and loader.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mnet/io/safetensors.hpp"
#include "mnet/core/shape.hpp"

namespace mnet::test {

struct StateTensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

struct StateDict {
    std::vector<std::string> order;  // torchvision's state_dict() order
    std::map<std::string, StateTensor> tensors;
    const StateTensor& at(const std::string& name) const { return tensors.at(name); }
};

/// torchvision `_make_divisible` (restated here so the test does not trust mnet's).
inline int tv_divisible(double v) {
    int n = std::max(8, static_cast<int>(v + 4) / 8 * 8);
    if (n < 0.9 * v) n += 8;
    return n;
}

struct V2Block {
    int in, out, t, stride;
};

inline std::vector<V2Block> tv_v2_blocks(double width) {
    const int table[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    std::vector<V2Block> blocks;
    int in = tv_divisible(32 * width);
    for (const auto& row : table) {
        const int out = tv_divisible(row[1] * width);
        for (int i = 0; i < row[2]; ++i) {
            blocks.push_back({in, out, row[0], i == 0 ? row[3] : 1});
            in = out;
        }
    }
    return blocks;
}

/// A random mobilenet_v2(width_mult=width, num_classes=classes) state dict, with
/// num_batches_tracked counters as a real torch checkpoint has them.
inline StateDict random_v2_state_dict(double width, int classes, std::uint32_t seed) {
    StateDict sd;
    std::mt19937 rng(seed);
    auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float lo, float hi) {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        std::uniform_real_distribution<float> dist(lo, hi);
        StateTensor t{std::move(shape), std::vector<float>(n)};
        for (float& v : t.values) v = dist(rng);
        sd.order.push_back(name);
        sd.tensors[name] = std::move(t);
    };
    auto conv = [&](const std::string& name, int o, int i, int k) {
        const float bound = std::sqrt(3.0f / static_cast<float>(i * k * k));  // unit-variance outputs
        add(name + ".weight", {o, i, k, k}, -bound, bound);
    };
    auto bn = [&](const std::string& name, int c) {
        add(name + ".weight", {c}, 0.5f, 1.5f);
        add(name + ".bias", {c}, -0.5f, 0.5f);
        add(name + ".running_mean", {c}, -0.2f, 0.2f);
        add(name + ".running_var", {c}, 0.5f, 2.0f);
        sd.order.push_back(name + ".num_batches_tracked");
        sd.tensors[name + ".num_batches_tracked"] = StateTensor{{}, {}};
    };
    const int stem = tv_divisible(32 * width);
    conv("features.0.0", stem, 3, 3);
    bn("features.0.1", stem);
    const auto blocks = tv_v2_blocks(width);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        const std::string p = "features." + std::to_string(b + 1) + ".conv.";
        const int hidden = blocks[b].in * blocks[b].t;
        int i = 0;
        if (blocks[b].t != 1) {
            conv(p + "0.0", hidden, blocks[b].in, 1);
            bn(p + "0.1", hidden);
            ++i;
        }
        conv(p + std::to_string(i) + ".0", hidden, 1, 3);
        bn(p + std::to_string(i) + ".1", hidden);
        conv(p + std::to_string(i + 1), blocks[b].out, hidden, 1);
        bn(p + std::to_string(i + 2), blocks[b].out);
    }
    const int last = tv_divisible(1280 * std::max(1.0, width));
    const std::string l = "features." + std::to_string(blocks.size() + 1);
    conv(l + ".0", last, blocks.back().out, 1);
    bn(l + ".1", last);
    add("classifier.1.weight", {classes, last}, -0.05f, 0.05f);
    add("classifier.1.bias", {classes}, -0.1f, 0.1f);
    return sd;
}

/// The state dict as safetensors tensors (num_batches_tracked as I64 scalars).
inline std::vector<io::RawTensor> to_raw(const StateDict& sd) {
    std::vector<io::RawTensor> raw;
    for (const std::string& name : sd.order) {
        const StateTensor& t = sd.at(name);
        if (name.ends_with("num_batches_tracked"))
            raw.push_back({name, "I64", {}, std::vector<std::uint8_t>(8, 0)});
        else
            raw.push_back(io::f32_tensor(name, t.shape, t.values));
    }
    return raw;
}

/// Naive NHWC feature map in double.
struct Map {
    int h, w, c;
    std::vector<double> v;
    double& at(int y, int x, int ch) { return v[(static_cast<std::size_t>(y) * w + x) * c + ch]; }
    double get(int y, int x, int ch) const {
        if (y < 0 || x < 0 || y >= h || x >= w) return 0.0;
        return v[(static_cast<std::size_t>(y) * w + x) * c + ch];
    }
};

/// conv (groups = 1 or = channels) + BN (+ ReLU6), torchvision semantics.
inline Map naive_conv_bn(const StateDict& sd, const std::string& conv, const std::string& bn, const Map& in,
                         int stride, bool depthwise, bool relu6, double eps, Padding padding) {
    const StateTensor& w = sd.at(conv + ".weight");
    const int o_count = static_cast<int>(w.shape[0]);
    const int k = static_cast<int>(w.shape[2]);
    const int i_per = static_cast<int>(w.shape[1]);
    const int pad = k / 2;
    int pad_top = pad, pad_left = pad;
    const int out_h = (in.h + 2 * pad - k) / stride + 1;
    const int out_w = (in.w + 2 * pad - k) / stride + 1;
    if (padding == Padding::tf_same) {  // TF: the total padding split with the extra after
        pad_top = std::max((out_h - 1) * stride + k - in.h, 0) / 2;
        pad_left = std::max((out_w - 1) * stride + k - in.w, 0) / 2;
    }
    Map out{out_h, out_w, o_count, std::vector<double>(static_cast<std::size_t>(out_h) * out_w * o_count)};
    for (int oc = 0; oc < o_count; ++oc) {
        const double g = sd.at(bn + ".weight").values[oc], b = sd.at(bn + ".bias").values[oc];
        const double m = sd.at(bn + ".running_mean").values[oc], var = sd.at(bn + ".running_var").values[oc];
        for (int y = 0; y < out_h; ++y)
            for (int x = 0; x < out_w; ++x) {
                double acc = 0;
                for (int i = 0; i < i_per; ++i) {
                    const int ic = depthwise ? oc : i;
                    for (int ky = 0; ky < k; ++ky)
                        for (int kx = 0; kx < k; ++kx)
                            acc += w.values[((static_cast<std::size_t>(oc) * i_per + i) * k + ky) * k + kx] *
                                   in.get(y * stride + ky - pad_top, x * stride + kx - pad_left, ic);
                }
                double v = (acc - m) / std::sqrt(var + eps) * g + b;
                if (relu6) v = std::min(std::max(v, 0.0), 6.0);
                out.at(y, x, oc) = v;
            }
    }
    return out;
}

/// Logits of torchvision's mobilenet_v2 forward for an NHWC float input.
inline std::vector<double> naive_v2_forward(const StateDict& sd, double width, const std::vector<float>& input,
                                            int resolution, double eps, Padding padding) {
    Map x{resolution, resolution, 3, std::vector<double>(input.begin(), input.end())};
    x = naive_conv_bn(sd, "features.0.0", "features.0.1", x, 2, false, true, eps, padding);
    const auto blocks = tv_v2_blocks(width);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        const std::string p = "features." + std::to_string(b + 1) + ".conv.";
        Map h = x;
        int i = 0;
        if (blocks[b].t != 1) {
            h = naive_conv_bn(sd, p + "0.0", p + "0.1", h, 1, false, true, eps, padding);
            ++i;
        }
        h = naive_conv_bn(sd, p + std::to_string(i) + ".0", p + std::to_string(i) + ".1", h, blocks[b].stride, true,
                          true, eps, padding);
        h = naive_conv_bn(sd, p + std::to_string(i + 1), p + std::to_string(i + 2), h, 1, false, false, eps, padding);
        if (blocks[b].stride == 1 && blocks[b].in == blocks[b].out)
            for (std::size_t j = 0; j < h.v.size(); ++j) h.v[j] += x.v[j];
        x = std::move(h);
    }
    const std::string l = "features." + std::to_string(blocks.size() + 1);
    x = naive_conv_bn(sd, l + ".0", l + ".1", x, 1, false, true, eps, padding);
    std::vector<double> pooled(static_cast<std::size_t>(x.c), 0.0);
    for (int y = 0; y < x.h; ++y)
        for (int xx = 0; xx < x.w; ++xx)
            for (int c = 0; c < x.c; ++c) pooled[c] += x.at(y, xx, c) / (x.h * x.w);
    const StateTensor& w = sd.at("classifier.1.weight");
    const StateTensor& b = sd.at("classifier.1.bias");
    std::vector<double> logits(static_cast<std::size_t>(w.shape[0]));
    for (std::size_t n = 0; n < logits.size(); ++n) {
        double acc = b.values[n];
        for (std::size_t k = 0; k < pooled.size(); ++k) acc += w.values[n * pooled.size() + k] * pooled[k];
        logits[n] = acc;
    }
    return logits;
}

}  // namespace mnet::test
