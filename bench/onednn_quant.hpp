// A quantized MobileNet (quant_graph.hpp's layer list, read from the .tflite) built
// from oneDNN's int8 primitives, for the int8 part of peer_onednn.cpp. Like
// onednn_mobilenet.hpp, oneDNN at its own best settings: activations and weights in
// format_tag::any (it picks its blocked int8 layouts), weights reordered once.
//
// The arithmetic is the file's, mapped onto what oneDNN 2.x offers:
// - convolution: u8 (or s8) source with its zero point (a runtime zero-point
//   argument: oneDNN compensates padding taps itself), s8 weights, s32 bias, per-
//   channel output scales input_scale · weight_scale[c] / output_scale, the output
//   zero point, fused ReLU6 as an eltwise_clip post-op in output units. oneDNN has no
//   weight zero point: uint8 files' weights become w − z_w, which spans up to
//   [−255, 255]; an output channel whose span does not fit s8 is divided by a factor
//   f (rounded) and its output scale multiplied by f (the only deviation from the
//   file's numbers; the count of such channels is printed by the peer).
// - FULLY_CONNECTED: a 1x1 convolution on a 1x1 image (oneDNN's inner product has no
//   source zero point in 2.x).
// - ADD: a binary add with source scales s_a/s_o, s_b/s_o and an eltwise_linear post-op
//   adding z_o − (s_a·z_a + s_b·z_b)/s_o (binary has no zero points in 2.x).
// - global average pooling: pooling_avg, plus an eltwise_linear post-op when the
//   output quantization differs from the input's (the PTQ file's MEAN).
// oneDNN requantizes in float, like XNNPACK, so a few logits differ by ±1 from the
// reference kernels. Activations live in buffers reused by liveness (qnet::plan_buffers).
#pragma once

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quant_graph.hpp"

namespace mnet_bench {

class OnednnQuantNet {
public:
    /// Builds the primitives; the caller sets oneDNN's thread count first (omp_set_num_threads).
    explicit OnednnQuantNet(const qnet::QNet& net) : net_(net), mem_(net.values.size()) {
        const qnet::Value& in = net.values[0];
        mem_[0] = dnnl::memory(plain(in), engine_, DNNL_MEMORY_NONE);
        for (const qnet::Layer& l : net.layers) add(l);
        // The logits in plain order (a no-op reorder is skipped).
        const qnet::Value& lv = value(net.logits);
        output_ = mem_[static_cast<std::size_t>(net.logits)];
        if (output_.get_desc() != plain(lv)) {
            dnnl::memory out(plain(lv), engine_);
            dnnl::reorder::primitive_desc pd(output_, out);
            push(dnnl::reorder(pd), {{DNNL_ARG_FROM, output_}, {DNNL_ARG_TO, out}}, "reorder", pd.impl_info_str());
            output_ = out;
        }
        place_activations();
    }

    /// Runs one image given as the model's input tensor (uint8 NHWC) and returns the quantized logits' bytes.
    std::span<const std::uint8_t> run(const std::uint8_t* input) {
        mem_[0].set_data_handle(const_cast<std::uint8_t*>(input));
        for (const Step& s : steps_) execute(s);
        stream_.wait();
        return {static_cast<const std::uint8_t*>(output_.get_data_handle()), value(net_.logits).size()};
    }

    /// Each step's median milliseconds over `runs` executions of that step alone, after one whole
    /// run on `input` has filled every buffer; keyed like mnet's integer profile rows ("conv1x1 @56x56",
    /// "dwconv3x3s2 @112x112", "add", "pool", "reorder": op type and input size) to see per op class
    /// where oneDNN's time goes beside mnet's.
    std::vector<std::pair<std::string, double>> step_times(const std::uint8_t* input, int runs) {
        run(input);
        std::vector<std::pair<std::string, double>> out;
        for (std::size_t i = 0; i < steps_.size(); ++i) {
            std::vector<double> ms;
            for (int r = 0; r < runs; ++r) {
                const auto t0 = std::chrono::steady_clock::now();
                execute(steps_[i]);
                stream_.wait();
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            }
            std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
            out.emplace_back(keys_[i], ms[ms.size() / 2]);
        }
        return out;
    }

    /// One line per primitive: what it is and the implementation oneDNN chose.
    const std::vector<std::string>& implementations() const { return impls_; }
    /// Output channels whose weights (w − z_w) did not fit s8 and were divided down.
    int rescaled_channels() const { return rescaled_; }

private:
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;

    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, dnnl::memory> args;
        const qnet::Layer* host = nullptr;  // set: a host-side requantization instead of a primitive
    };

    void execute(const Step& s) {
        if (!s.host) return s.primitive.execute(stream_, s.args);
        stream_.wait();
        qnet::requantize(static_cast<const std::uint8_t*>(mem_[static_cast<std::size_t>(s.host->in)].get_data_handle()),
                         value(s.host->in), static_cast<std::uint8_t*>(mem_[static_cast<std::size_t>(s.host->out)].get_data_handle()),
                         value(s.host->out));
    }

    /// The step_times key of an op whose input is `in`.
    static std::string key(const std::string& type, const qnet::Value& in) {
        return type + " @" + std::to_string(in.h) + "x" + std::to_string(in.w);
    }

    static void require(bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("OnednnQuantNet: " + what);
    }
    const qnet::Value& value(int id) const { return net_.values[static_cast<std::size_t>(id)]; }
    static dt type(const qnet::Value& v) { return v.s8 ? dt::s8 : dt::u8; }
    static dnnl::memory::dims dims(const qnet::Value& v) { return {1, v.c, v.h, v.w}; }
    static dnnl::memory::desc plain(const qnet::Value& v) { return {dims(v), type(v), tag::nhwc}; }

    void add(const qnet::Layer& l) {
        using Kind = qnet::Layer::Kind;
        switch (l.kind) {
            case Kind::conv: conv(l); break;
            case Kind::add: binary_add(l); break;
            case Kind::global_pool: pool(l); break;
            case Kind::requantize: {
                require(mem_[static_cast<std::size_t>(l.in)].get_desc() == plain(value(l.in)), "requantize of a blocked tensor");
                mem_[static_cast<std::size_t>(l.out)] = dnnl::memory(plain(value(l.out)), engine_);  // own, plain
                steps_.push_back({{}, {}, &l});
                impls_.push_back("requantize host");
                keys_.push_back("quantize");
                break;
            }
        }
    }

    /// A runtime zero-point argument holding `zp`.
    dnnl::memory zero_point(std::int32_t zp) {
        dnnl::memory m({{1}, dt::s32, tag::x}, engine_);
        *static_cast<std::int32_t*>(m.get_data_handle()) = zp;
        return m;
    }

    /// Activation memory of value `id` in layout `desc`; its buffer comes later (place_activations).
    dnnl::memory activation(int id, const dnnl::memory::desc& desc) {
        dnnl::memory m(desc, engine_, DNNL_MEMORY_NONE);
        mem_[static_cast<std::size_t>(id)] = m;
        return m;
    }

    void conv(const qnet::Layer& l) {
        const qnet::Value &in = value(l.in), &out = value(l.out);
        const int oc = out.c, taps = l.k * l.k, ic = l.depthwise ? 1 : in.c;
        // s8 weights w − z_w per output channel, divided by f where they do not fit.
        std::vector<std::int8_t> w8(l.weights.size());
        std::vector<std::int32_t> bias(static_cast<std::size_t>(oc));
        std::vector<float> scales(static_cast<std::size_t>(oc));
        const auto at = [&](int o, int t, int i) {  // index in TFLite's layout
            return l.depthwise ? static_cast<std::size_t>(t) * oc + o : (static_cast<std::size_t>(o) * taps + t) * ic + i;
        };
        const auto real = [&](std::size_t idx) {
            return (l.weights_s8 ? static_cast<int>(static_cast<std::int8_t>(l.weights[idx])) : l.weights[idx]) -
                   l.weight_zero_point;
        };
        for (int o = 0; o < oc; ++o) {
            int lo = 0, hi = 0;
            for (int t = 0; t < taps; ++t)
                for (int i = 0; i < ic; ++i) lo = std::min(lo, real(at(o, t, i))), hi = std::max(hi, real(at(o, t, i)));
            const double f = std::max({1.0, hi / 127.0, lo / -128.0});
            rescaled_ += f > 1.0;
            for (int t = 0; t < taps; ++t)
                for (int i = 0; i < ic; ++i)
                    w8[at(o, t, i)] = static_cast<std::int8_t>(std::lround(real(at(o, t, i)) / f));
            bias[static_cast<std::size_t>(o)] = static_cast<std::int32_t>(std::lround(l.bias[static_cast<std::size_t>(o)] / f));
            scales[static_cast<std::size_t>(o)] =
                static_cast<float>(static_cast<double>(in.q.scale) * l.weight_scale[static_cast<std::size_t>(o)] * f / out.q.scale);
        }
        const bool common = std::all_of(scales.begin(), scales.end(), [&](float s) { return s == scales[0]; });
        dnnl::primitive_attr attr;
        attr.set_output_scales(common ? 0 : 1 << 1, common ? std::vector<float>{scales[0]} : scales);
        if (in.q.zero_point) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
        if (out.q.zero_point) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
        const std::int32_t type_lo = out.s8 ? -128 : 0, type_hi = out.s8 ? 127 : 255;
        if (l.lo > type_lo || l.hi < type_hi) {
            dnnl::post_ops ops;
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, static_cast<float>(l.lo - out.q.zero_point),
                               static_cast<float>(l.hi - out.q.zero_point));
            attr.set_post_ops(ops);
        }
        const dnnl::memory::dims wdims = l.depthwise ? dnnl::memory::dims{oc, 1, 1, l.k, l.k} : dnnl::memory::dims{oc, in.c, l.k, l.k};
        const dnnl::convolution_forward::primitive_desc pd(
            {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, {dims(in), type(in), tag::any},
             {wdims, dt::s8, tag::any}, {{oc}, dt::s32, tag::x}, {dims(out), type(out), tag::any}, {l.stride, l.stride},
             {l.pad_top, l.pad_left}, {l.pad_bottom, l.pad_right}},
            attr, engine_);
        const dnnl::memory src = source(l.in, pd.src_desc());
        // TFLite's OHWI (depthwise HWC) is oneDNN's ohwi (depthwise: goihw with g = C needs a transpose).
        std::vector<std::int8_t> user_w = w8;
        if (l.depthwise)
            for (int o = 0; o < oc; ++o)
                for (int t = 0; t < taps; ++t) user_w[static_cast<std::size_t>(o) * taps + t] = w8[at(o, t, 0)];
        dnnl::memory weights = packed(user_w.data(), {wdims, dt::s8, l.depthwise ? tag::goihw : tag::ohwi}, pd.weights_desc());
        dnnl::memory b = packed(bias.data(), {{oc}, dt::s32, tag::x}, pd.bias_desc());
        dnnl::memory dst = activation(l.out, pd.dst_desc());
        std::unordered_map<int, dnnl::memory> args{
            {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, dst}};
        if (in.q.zero_point) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point(in.q.zero_point);
        if (out.q.zero_point) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST] = zero_point(out.q.zero_point);
        const std::string kxk = std::to_string(l.k) + "x" + std::to_string(l.k);
        const std::string what = (l.depthwise ? "dw" : "conv") + kxk + "s" + std::to_string(l.stride);
        const std::string type = (l.depthwise ? "dwconv" : "conv") + kxk + (l.k > 1 ? "s" + std::to_string(l.stride) : "");
        push(dnnl::convolution_forward(pd), std::move(args), what, pd.impl_info_str(), key(type, in));
    }

    void binary_add(const qnet::Layer& l) {
        const qnet::Value &a = value(l.in), &b = value(l.in2), &out = value(l.out);
        const float sa = a.q.scale / out.q.scale, sb = b.q.scale / out.q.scale;
        dnnl::primitive_attr attr;
        attr.set_scales(DNNL_ARG_SRC_0, 0, {sa});
        attr.set_scales(DNNL_ARG_SRC_1, 0, {sb});
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, 1.0f,
                           static_cast<float>(out.q.zero_point) - sa * static_cast<float>(a.q.zero_point) -
                               sb * static_cast<float>(b.q.zero_point));
        attr.set_post_ops(ops);
        const dnnl::memory src0 = mem_[static_cast<std::size_t>(l.in)], src1 = mem_[static_cast<std::size_t>(l.in2)];
        const dnnl::memory::desc dst_desc(dims(out), type(out), tag::any);  // binary takes src0's layout
        const dnnl::binary::primitive_desc pd({dnnl::algorithm::binary_add, src0.get_desc(), src1.get_desc(), dst_desc}, attr,
                                              engine_);
        dnnl::memory dst = activation(l.out, pd.dst_desc());
        push(dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}}, "add",
             pd.impl_info_str(), key("add", a));
    }

    void pool(const qnet::Layer& l) {
        const qnet::Value &in = value(l.in), &out = value(l.out);
        dnnl::primitive_attr attr;
        if (in.q.scale != out.q.scale || in.q.zero_point != out.q.zero_point) {
            const float alpha = in.q.scale / out.q.scale;
            dnnl::post_ops ops;
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, alpha,
                               static_cast<float>(out.q.zero_point) - alpha * static_cast<float>(in.q.zero_point));
            attr.set_post_ops(ops);
        }
        const dnnl::memory src = mem_[static_cast<std::size_t>(l.in)];
        const dnnl::pooling_forward::primitive_desc pd(
            {dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, src.get_desc(),
             {dims(out), type(out), tag::any}, {1, 1}, {in.h, in.w}, {0, 0}, {0, 0}},
            attr, engine_);
        dnnl::memory dst = activation(l.out, pd.dst_desc());
        push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}, "avgpool", pd.impl_info_str(),
             key("pool", in));
    }

    /// Value `id` in layout `want`, adding a (timed) reorder if its memory has another.
    dnnl::memory source(int id, const dnnl::memory::desc& want) {
        const dnnl::memory cur = mem_[static_cast<std::size_t>(id)];
        if (cur.get_desc() == want) return cur;
        dnnl::memory r(want, engine_);
        dnnl::reorder::primitive_desc pd(cur, r);
        push(dnnl::reorder(pd), {{DNNL_ARG_FROM, cur}, {DNNL_ARG_TO, r}}, "reorder", pd.impl_info_str());
        return r;
    }

    /// `data` in layout `user`, reordered once (now) into the layout the primitive wants.
    dnnl::memory packed(const void* data, const dnnl::memory::desc& user, const dnnl::memory::desc& want) {
        dnnl::memory u(user, engine_);
        std::memcpy(u.get_data_handle(), data, user.get_size());
        dnnl::memory out(want, engine_);
        dnnl::reorder(u, out).execute(stream_, u, out);
        stream_.wait();
        return out;
    }

    void push(dnnl::primitive p, std::unordered_map<int, dnnl::memory> args, const std::string& what, const char* impl,
              const std::string& step_key = "reorder") {
        steps_.push_back({std::move(p), std::move(args), nullptr});
        impls_.push_back(what + " " + impl);
        keys_.push_back(step_key);
    }

    /// Gives every activation memory without a buffer one from qnet::plan_buffers' slots.
    void place_activations() {
        std::vector<std::size_t> sizes;
        const std::vector<int> slot = qnet::plan_buffers(net_, sizes);
        std::vector<std::size_t> need(sizes.size(), 0);
        for (std::size_t v = 1; v < mem_.size(); ++v)
            if (mem_[v] && slot[v] >= 0 && !mem_[v].get_data_handle())
                need[static_cast<std::size_t>(slot[v])] = std::max(need[static_cast<std::size_t>(slot[v])], mem_[v].get_desc().get_size());
        for (std::size_t s = 0; s < need.size(); ++s) arena_.emplace_back(need[s] + 64);
        for (std::size_t v = 1; v < mem_.size(); ++v)
            if (mem_[v] && slot[v] >= 0 && !mem_[v].get_data_handle())
                mem_[v].set_data_handle(arena_[static_cast<std::size_t>(slot[v])].data());
    }

    const qnet::QNet& net_;
    dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream_{engine_};
    std::vector<dnnl::memory> mem_;  // by value id (dnnl::memory shares its handle between copies)
    dnnl::memory output_;
    std::vector<Step> steps_;
    std::vector<std::string> impls_;
    std::vector<std::string> keys_;  // step_times' key of each step
    std::vector<std::vector<std::uint8_t>> arena_;
    int rescaled_ = 0;
};

}  // namespace mnet_bench
