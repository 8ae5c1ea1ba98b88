// The same MobileNet as an mnet::Graph, built from oneDNN primitives, for the
// same-run peer comparison (peer_onednn.cpp). Channel counts, strides, padding
// and the residual flags are read from the mnet graph itself and the weights are
// the ones mnet got (random_weights.hpp keeps a copy), so the two networks cannot
// drift apart and their logits can be compared.
//
// oneDNN at its own best settings, as its documentation advises for inference:
// every convolution takes format_tag::any for activations and weights (it picks
// its blocked layouts), bias and ReLU6 (eltwise bounded_relu, α = 6) are post-ops,
// the residual add is a sum post-op writing into the block input (in place),
// depthwise is a grouped convolution, the head is average pooling + inner product.
// Weights are reordered once, here; run() only executes primitives (plus a
// reorder of the NHWC input if the first convolution prefers another layout).
#pragma once

#include <dnnl.hpp>

#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "mnet/models/graph.hpp"
#include "random_weights.hpp"

namespace mnet_bench {

/// oneDNN's name for the ISA it dispatches to on this machine.
inline const char* onednn_isa_name() {
    using isa = dnnl::cpu_isa;
    switch (dnnl::get_effective_cpu_isa()) {
        case isa::sse41: return "sse41";
        case isa::avx: return "avx";
        case isa::avx2: return "avx2";
        case isa::avx2_vnni: return "avx2_vnni";
        case isa::avx512_mic: return "avx512_mic";
        case isa::avx512_mic_4ops: return "avx512_mic_4ops";
        case isa::avx512_core: return "avx512_core";
        case isa::avx512_core_vnni: return "avx512_core_vnni";
        case isa::avx512_core_bf16: return "avx512_core_bf16";
        case isa::avx512_core_amx: return "avx512_core_amx";
        default: return "all";
    }
}

/// "OpenMP", "TBB", "threadpool" or "sequential": how this oneDNN build runs threads.
inline const char* onednn_threading_name() {
    switch (dnnl::version()->cpu_runtime) {
        case DNNL_RUNTIME_OMP: return "OpenMP";
        case DNNL_RUNTIME_TBB: return "TBB";
        case DNNL_RUNTIME_THREADPOOL: return "threadpool";
        case DNNL_RUNTIME_SEQ: return "sequential";
        default: return "other";
    }
}

class OnednnMobileNet {
public:
    /// Builds the primitives for `batch` images. `weights` are the graph's weight slots
    /// in execution order (fill_random's `kept`). The caller sets oneDNN's thread
    /// count (omp_set_num_threads) before: primitives size their work split at creation.
    OnednnMobileNet(const mnet::Graph& graph, const std::vector<SlotWeights>& weights, int batch = 1)
        : weights_(weights), padding_(graph.padding()) {
        const mnet::Shape in = graph.input_shape();
        input_ = dnnl::memory({{batch, in.c, in.h, in.w}, f32, tag::nhwc}, engine_, DNNL_MEMORY_NONE);
        cur_ = input_;
        for (const mnet::Node& node : graph.nodes()) std::visit([&](const auto& layer) { add(layer); }, node.layer);
        require(next_weight_ == weights_.size(), "not every weight slot was used");
        stream_.wait();  // the weight reorders
        output_ = cur_;
    }

    /// Runs the batch on NHWC input (batch × H × W × 3 floats) and returns batch × classes logits.
    std::span<const float> run(const float* input_nhwc) {
        input_.set_data_handle(const_cast<float*>(input_nhwc));
        for (Step& s : steps_) s.primitive.execute(stream_, s.args);
        stream_.wait();
        return {static_cast<const float*>(output_.get_data_handle()), output_.get_desc().get_size() / sizeof(float)};
    }

    /// One line per primitive: what it is and the implementation oneDNN chose ("jit_1x1:avx512_core").
    const std::vector<std::string>& implementations() const { return impls_; }

private:
    using tag = dnnl::memory::format_tag;
    static constexpr auto f32 = dnnl::memory::data_type::f32;

    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, dnnl::memory> args;
    };

    static void require(bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("OnednnMobileNet: " + what);
    }

    // ---- one overload per mnet layer type -----------------------------------------
    template <int K, class S, class Act>
    void add(const mnet::Conv2d<K, S, Act>& l) {
        conv(l.out_channels(), K, S::value, 1, std::is_same_v<Act, mnet::ReLU6>, nullptr);
    }
    template <int K, class S, class Act>
    void add(const mnet::DepthwiseConv<K, S, Act>& l) {
        conv(l.out_channels(), K, S::value, l.out_channels(), std::is_same_v<Act, mnet::ReLU6>, nullptr);
    }
    template <class Act>
    void add(const mnet::PointwiseConv<Act>& l) {
        conv(l.out_channels(), 1, 1, 1, std::is_same_v<Act, mnet::ReLU6>, nullptr);
    }
    template <class S>
    void add(const mnet::InvertedResidual<S>& b) {
        const dnnl::memory block_in = cur_;
        if (b.has_expand()) conv(b.hidden_channels(), 1, 1, 1, true, nullptr);
        conv(b.hidden_channels(), 3, S::value, b.hidden_channels(), true, nullptr);
        conv(b.out_channels(), 1, 1, 1, false, b.has_residual() ? &block_in : nullptr);
    }
    void add(const mnet::GlobalAvgPool&) {
        const dnnl::memory::dims d = cur_.get_desc().dims();  // N, C, H, W
        const dnnl::memory::desc dst({d[0], d[1], 1, 1}, f32, tag::any);
        const dnnl::pooling_forward::primitive_desc pd(
            {dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, cur_.get_desc(), dst,
             {1, 1}, {d[2], d[3]}, {0, 0}, {0, 0}},
            engine_);
        dnnl::memory out(pd.dst_desc(), engine_);
        push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, cur_}, {DNNL_ARG_DST, out}}, "avgpool", pd.impl_info_str());
        cur_ = out;
    }
    // The classification networks this peer builds have neither; refuse other graphs.
    void add(const mnet::Concat&) { require(false, "Concat nodes are not supported"); }
    void add(const mnet::ResizeBilinear&) { require(false, "ResizeBilinear nodes are not supported"); }
    void add(const mnet::Classifier& l) {
        const dnnl::memory::dims d = cur_.get_desc().dims();  // N, C, 1, 1
        const dnnl::memory::dim n = l.out_channels();
        const dnnl::inner_product_forward::primitive_desc pd(
            {dnnl::prop_kind::forward_inference, {d, f32, tag::any}, {{n, d[1], d[2], d[3]}, f32, tag::any},
             {{n}, f32, tag::x}, {{d[0], n}, f32, tag::nc}},
            engine_);
        source(pd.src_desc());
        const SlotWeights& w = next_weights();
        dnnl::memory weights = packed(w.weight, {{n, d[1], d[2], d[3]}, f32, tag::oihw}, pd.weights_desc());
        dnnl::memory bias = packed(w.bias, {{n}, f32, tag::x}, pd.bias_desc());
        dnnl::memory out(pd.dst_desc(), engine_);
        push(dnnl::inner_product_forward(pd),
             {{DNNL_ARG_SRC, cur_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, out}}, "fc",
             pd.impl_info_str());
        cur_ = out;
    }

    /// A k×k convolution with `groups` groups (groups = channels: depthwise) on the
    /// current activation; ReLU6 and/or the residual sum as post-ops. With `skip`,
    /// the output is written over the skip tensor (same shape and layout).
    void conv(int out_c, int k, int stride, int groups, bool relu6, const dnnl::memory* skip) {
        const dnnl::memory::dims d = cur_.get_desc().dims();  // N, C, H, W
        const auto ph = mnet::axis_padding(static_cast<int>(d[2]), k, stride, padding_);
        const auto pw = mnet::axis_padding(static_cast<int>(d[3]), k, stride, padding_);
        const dnnl::memory::dims wdims =
            groups == 1 ? dnnl::memory::dims{out_c, d[1], k, k} : dnnl::memory::dims{groups, out_c / groups, d[1] / groups, k, k};
        const dnnl::memory::desc dst =
            skip ? skip->get_desc() : dnnl::memory::desc({d[0], out_c, ph.out, pw.out}, f32, tag::any);
        dnnl::post_ops ops;
        if (skip) ops.append_sum(1.0f);
        if (relu6) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_bounded_relu, 6.0f, 0.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const dnnl::convolution_forward::primitive_desc pd(
            {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, {d, f32, tag::any},
             {wdims, f32, tag::any}, {{out_c}, f32, tag::x}, dst, {stride, stride}, {ph.before, pw.before},
             {ph.after, pw.after}},
            attr, engine_);
        source(pd.src_desc());
        const SlotWeights& w = next_weights();
        require(w.oihw[0] == out_c && w.depthwise == (groups > 1), "weight slot does not match the layer");
        dnnl::memory weights = packed(w.weight, {wdims, f32, groups == 1 ? tag::oihw : tag::goihw}, pd.weights_desc());
        dnnl::memory bias = packed(w.bias, {{out_c}, f32, tag::x}, pd.bias_desc());
        dnnl::memory out = skip ? *skip : dnnl::memory(pd.dst_desc(), engine_);
        require(!skip || pd.dst_desc() == skip->get_desc(), "residual output layout differs from the skip tensor");
        const std::string what = (groups > 1 ? "dw" : "conv") + std::to_string(k) + "x" + std::to_string(k) + "s" +
                                 std::to_string(stride) + (skip ? "+sum" : "") + (relu6 ? "+relu6" : "");
        push(dnnl::convolution_forward(pd),
             {{DNNL_ARG_SRC, cur_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, out}}, what,
             pd.impl_info_str());
        cur_ = out;
    }

    /// Makes the current activation have layout `want`, adding a (timed) reorder if it has not.
    void source(const dnnl::memory::desc& want) {
        if (cur_.get_desc() == want) return;
        dnnl::memory r(want, engine_);
        dnnl::reorder::primitive_desc pd(cur_, r);
        push(dnnl::reorder(pd), {{DNNL_ARG_FROM, cur_}, {DNNL_ARG_TO, r}}, "reorder", pd.impl_info_str());
        cur_ = r;
    }

    /// `values` in layout `plain`, reordered once (now) into the layout the primitive wants.
    dnnl::memory packed(const std::vector<float>& values, const dnnl::memory::desc& plain, const dnnl::memory::desc& want) {
        require(values.size() * sizeof(float) == plain.get_size(), "weight count does not match the layer");
        dnnl::memory user(plain, engine_);
        std::memcpy(user.get_data_handle(), values.data(), plain.get_size());
        dnnl::memory out(want, engine_);
        dnnl::reorder(user, out).execute(stream_, user, out);
        stream_.wait();
        return out;
    }

    const SlotWeights& next_weights() {
        require(next_weight_ < weights_.size(), "more layers than weight slots");
        return weights_[next_weight_++];
    }

    void push(dnnl::primitive p, std::unordered_map<int, dnnl::memory> args, const std::string& what, const char* impl) {
        steps_.push_back({std::move(p), std::move(args)});
        impls_.push_back(what + " " + impl);
    }

    const std::vector<SlotWeights>& weights_;
    mnet::Padding padding_;
    dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream_{engine_};
    dnnl::memory input_, cur_, output_;
    std::vector<Step> steps_;
    std::vector<std::string> impls_;
    std::size_t next_weight_ = 0;
};

}  // namespace mnet_bench
