// The same MobileNet as an mnet::Graph, built with XNNPACK's subgraph API (the
// path TensorFlow Lite's XNNPACK delegate takes), as an optional second peer for
// peer_onednn.cpp. Like onednn_mobilenet.hpp, shapes, strides, padding and the
// residual flags come from the mnet graph and the weights are mnet's, converted
// once to XNNPACK's layouts (OHWI; depthwise 1HWC; FC [O, I]). ReLU6 is the
// nodes' fused output clamp; the residual is an add node (this XNNPACK has no
// fused add). Padding is explicit (mnet's axis_padding), so tf_same and
// symmetric models both match.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "mnet/models/graph.hpp"
#include "random_weights.hpp"

namespace mnet_bench {

class XnnpackMobileNet {
public:
    /// Builds the runtime for one image on `threads` threads (1: no thread pool, inline).
    XnnpackMobileNet(const mnet::Graph& graph, const std::vector<SlotWeights>& weights, int threads)
        : weights_(weights), padding_(graph.padding()) {
        check(xnn_initialize(nullptr), "xnn_initialize");
        if (threads > 1) pool_.reset(pthreadpool_create(static_cast<std::size_t>(threads)));
        xnn_subgraph_t sg = nullptr;
        check(xnn_create_subgraph(2, 0, &sg), "xnn_create_subgraph");
        subgraph_ = sg;
        shape_ = graph.input_shape();
        cur_ = tensor({1, static_cast<std::size_t>(shape_.h), static_cast<std::size_t>(shape_.w),
                       static_cast<std::size_t>(shape_.c)},
                      nullptr, kInput, XNN_VALUE_FLAG_EXTERNAL_INPUT);
        for (const mnet::Node& node : graph.nodes()) std::visit([&](const auto& layer) { add(layer); }, node.layer);
        if (next_weight_ != weights_.size()) throw std::runtime_error("XnnpackMobileNet: not every weight slot was used");
        xnn_runtime_t rt = nullptr;
        check(xnn_create_runtime_v2(subgraph_, pool_.get(), 0, &rt), "xnn_create_runtime_v2");
        runtime_ = rt;
        xnn_delete_subgraph(subgraph_);
        subgraph_ = nullptr;
        output_.resize(static_cast<std::size_t>(classes_));
    }
    XnnpackMobileNet(const XnnpackMobileNet&) = delete;
    XnnpackMobileNet& operator=(const XnnpackMobileNet&) = delete;
    ~XnnpackMobileNet() {
        if (runtime_) xnn_delete_runtime(runtime_);
        if (subgraph_) xnn_delete_subgraph(subgraph_);
    }

    /// Runs one NHWC image and returns its logits. The input needs XNN_EXTRA_BYTES
    /// readable bytes past its end (XNNPACK may read, never write, beyond it).
    std::span<const float> run(const float* input_nhwc) {
        const xnn_external_value io[2] = {{kInput, const_cast<float*>(input_nhwc)}, {kOutput, output_.data()}};
        check(xnn_setup_runtime(runtime_, 2, io), "xnn_setup_runtime");
        check(xnn_invoke_runtime(runtime_), "xnn_invoke_runtime");
        return output_;
    }

private:
    static constexpr std::uint32_t kInput = 0, kOutput = 1;
    static constexpr float kInf = std::numeric_limits<float>::infinity();

    struct PoolDeleter {
        void operator()(pthreadpool_t p) const noexcept { pthreadpool_destroy(p); }
    };

    static void check(xnn_status s, const char* what) {
        if (s != xnn_status_success) throw std::runtime_error(std::string("XNNPACK: ") + what + " failed");
    }

    std::uint32_t tensor(std::vector<std::size_t> dims, const float* data, std::uint32_t external = XNN_INVALID_VALUE_ID,
                         std::uint32_t flags = 0) {
        std::uint32_t id = 0;
        check(xnn_define_tensor_value(subgraph_, xnn_datatype_fp32, dims.size(), dims.data(), data, external, flags, &id),
              "xnn_define_tensor_value");
        return id;
    }
    std::uint32_t activation(mnet::Shape s) {
        return tensor({1, static_cast<std::size_t>(s.h), static_cast<std::size_t>(s.w), static_cast<std::size_t>(s.c)},
                      nullptr);
    }
    /// Static data must outlive the runtime: keep it here.
    const float* keep(std::vector<float> v) {
        stored_.push_back(std::move(v));
        return stored_.back().data();
    }
    const SlotWeights& next_weights() {
        if (next_weight_ >= weights_.size()) throw std::runtime_error("XnnpackMobileNet: more layers than weight slots");
        return weights_[next_weight_++];
    }

    // ---- one overload per mnet layer type -----------------------------------------
    template <int K, class S, class Act>
    void add(const mnet::Conv2d<K, S, Act>& l) {
        conv(l.out_channels(), K, S::value, false, std::is_same_v<Act, mnet::ReLU6>);
    }
    template <int K, class S, class Act>
    void add(const mnet::DepthwiseConv<K, S, Act>& l) {
        conv(l.out_channels(), K, S::value, true, std::is_same_v<Act, mnet::ReLU6>);
    }
    template <class Act>
    void add(const mnet::PointwiseConv<Act>& l) {
        conv(l.out_channels(), 1, 1, false, std::is_same_v<Act, mnet::ReLU6>);
    }
    template <class S>
    void add(const mnet::InvertedResidual<S>& b) {
        const std::uint32_t block_in = cur_;
        if (b.has_expand()) conv(b.hidden_channels(), 1, 1, false, true);
        conv(b.hidden_channels(), 3, S::value, true, true);
        conv(b.out_channels(), 1, 1, false, false);
        if (b.has_residual()) {
            const std::uint32_t sum = activation(shape_);
            check(xnn_define_add2(subgraph_, -kInf, kInf, cur_, block_in, sum, 0), "xnn_define_add2");
            cur_ = sum;
        }
    }
    void add(const mnet::GlobalAvgPool&) {
        shape_ = {1, 1, shape_.c};
        const std::uint32_t out = activation(shape_);
        check(xnn_define_global_average_pooling_2d(subgraph_, -kInf, kInf, cur_, out, 0), "global_average_pooling");
        cur_ = out;
    }
    // The classification networks this peer builds have neither; refuse other graphs.
    void add(const mnet::Concat&) { throw std::runtime_error("XnnpackMobileNet: Concat nodes are not supported"); }
    void add(const mnet::ResizeBilinear&) { throw std::runtime_error("XnnpackMobileNet: ResizeBilinear nodes are not supported"); }
    void add(const mnet::Classifier& l) {
        const SlotWeights& w = next_weights();  // [N, K, 1, 1] = [N][K], XNNPACK's [O, I]
        const auto n = static_cast<std::size_t>(l.out_channels()), k = static_cast<std::size_t>(shape_.c);
        const std::uint32_t filter = tensor({n, k}, keep(w.weight));
        const std::uint32_t bias = tensor({n}, keep(w.bias));
        const std::uint32_t out = tensor({1, n}, nullptr, kOutput, XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
        check(xnn_define_fully_connected(subgraph_, -kInf, kInf, cur_, filter, bias, out, XNN_FLAG_TENSORFLOW_RESHAPE_2D),
              "fully_connected");
        classes_ = l.out_channels();
        cur_ = out;
    }

    void conv(int out_c, int k, int stride, bool depthwise, bool relu6) {
        const SlotWeights& w = next_weights();
        const int in_c = shape_.c;
        const auto ph = mnet::axis_padding(shape_.h, k, stride, padding_);
        const auto pw = mnet::axis_padding(shape_.w, k, stride, padding_);
        // OIHW (depthwise [C,1,k,k]) → OHWI (depthwise [1,k,k,C]).
        const int o_n = depthwise ? 1 : out_c, i_n = depthwise ? out_c : in_c;
        std::vector<float> ohwi(w.weight.size());
        for (int o = 0; o < out_c; ++o)
            for (int i = 0; i < (depthwise ? 1 : in_c); ++i)
                for (int t = 0; t < k * k; ++t) {
                    const std::size_t src = (static_cast<std::size_t>(o) * (depthwise ? 1 : in_c) + i) * k * k + t;
                    const std::size_t dst = depthwise ? static_cast<std::size_t>(t) * out_c + o
                                                      : (static_cast<std::size_t>(o) * k * k + t) * in_c + i;
                    ohwi[dst] = w.weight[src];
                }
        const auto uk = static_cast<std::size_t>(k);
        const std::uint32_t filter =
            tensor({static_cast<std::size_t>(o_n), uk, uk, static_cast<std::size_t>(i_n)}, keep(std::move(ohwi)));
        const std::uint32_t bias = tensor({static_cast<std::size_t>(out_c)}, keep(w.bias));
        shape_ = {ph.out, pw.out, out_c};
        const std::uint32_t out = activation(shape_);
        const float lo = relu6 ? 0.0f : -kInf, hi = relu6 ? 6.0f : kInf;
        const auto u = [](int v) { return static_cast<std::uint32_t>(v); };
        if (depthwise)
            check(xnn_define_depthwise_convolution_2d(subgraph_, u(ph.before), u(pw.after), u(ph.after), u(pw.before), u(k),
                                                      u(k), u(stride), u(stride), 1, 1, 1, static_cast<std::size_t>(in_c),
                                                      lo, hi, cur_, filter, bias, out, 0),
                  "depthwise_convolution_2d");
        else
            check(xnn_define_convolution_2d(subgraph_, u(ph.before), u(pw.after), u(ph.after), u(pw.before), u(k), u(k),
                                            u(stride), u(stride), 1, 1, 1, static_cast<std::size_t>(in_c),
                                            static_cast<std::size_t>(out_c), lo, hi, cur_, filter, bias, out, 0),
                  "convolution_2d");
        cur_ = out;
    }

    const std::vector<SlotWeights>& weights_;  // read while building only
    mnet::Padding padding_;
    std::unique_ptr<std::remove_pointer_t<pthreadpool_t>, PoolDeleter> pool_;
    xnn_subgraph_t subgraph_ = nullptr;
    xnn_runtime_t runtime_ = nullptr;
    std::vector<std::vector<float>> stored_;
    std::vector<float> output_;
    mnet::Shape shape_{};
    std::uint32_t cur_ = 0;
    int classes_ = 0;
    std::size_t next_weight_ = 0;
};

}  // namespace mnet_bench
