// DepthwiseConv<K, Stride, Act>: one k×k filter per channel + bias + activation.
// Compile time: kernel size, stride, activation. Runtime: channels, dilation
// (atrous convolution, DeepLab's backbone), padding.
// Weights packed at load (bias included) for the kernel kernels/simd/backend.hpp
// picks: channels contiguous per tap, so a channel register loads in one go.
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// Depthwise K×K convolution (one filter per channel) with stride S and activation Act.
/// K, S, Act are compile-time; the channel count and padding are runtime.
template <int K, class S, class Act>
class DepthwiseConv {
public:
    static constexpr int kernel = K;         ///< kernel size K (compile time)
    static constexpr int stride = S::value;  ///< stride S (compile time)
    using activation = Act;                  ///< ReLU6 or Linear (compile time)

    /// A depthwise convolution over `channels` whose taps are `dilation` pixels apart;
    /// weights zero until set_weights. Error(argument) if dilation < 1.
    explicit DepthwiseConv(int channels, int dilation = 1)
        : c_(channels), dilation_(dilation),
          packed_(kernels::depthwise_packed_floats(K, stride, static_cast<std::size_t>(channels))) {
        if (dilation < 1) detail::fail(ErrorKind::argument, {"DepthwiseConv: dilation must be >= 1, got ", dilation});
    }

    int in_channels() const noexcept { return c_; }   ///< Input channels.
    int out_channels() const noexcept { return c_; }  ///< Output channels.
    int dilation() const noexcept { return dilation_; }  ///< Distance between taps (1: not dilated).
    /// Row label in complexity tables: "dwconv3x3s1".
    static std::string type() { return "dwconv" + std::to_string(K) + "x" + std::to_string(K) + "s" + std::to_string(stride); }
    /// The label with the dilation when there is one: "dwconv3x3s1d2".
    std::string label() const { return dilation_ == 1 ? type() : type() + "d" + std::to_string(dilation_); }

    /// Geometry on input `in`; Error(shape) on a channel mismatch.
    kernels::ConvGeometry geometry(Shape in, Padding padding) const {
        detail::check_channels("DepthwiseConv", in, c_);
        return kernels::ConvGeometry::make(in, c_, K, stride, padding, dilation_);
    }
    /// Output shape for input `in`; Error(shape) on a channel mismatch.
    Shape output_shape(Shape in, Padding padding) const { return geometry(in, padding).out_shape(); }

    /// Output shape for one input, no scratch.
    LayerPlan plan(const PlanArgs& a) const { return {output_shape(a.single("DepthwiseConv"), a.padding)}; }
    /// Runs forward() on the node's tensors.
    void forward(const NodeArgs& a) const { forward(a.in(), a.inputs[0].shape, a.out(), nullptr, a.padding, a.par); }
    /// Its one slot, under the node's weight and BN names.
    void append_slots(const NodeNames& n, std::vector<WeightSlot>& slots) { slots.push_back(slot(n.weight, n.batchnorm)); }
    /// Appends this layer's complexity row to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const { describe(a.single("DepthwiseConv"), a.padding, rows); }
    /// One depthwise K×K convolution with its stride, dilation and Act fused.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::depthwise, K, stride, dilation_, Act::kind, false, {}, std::string(name)});
    }

    /// Appends this layer's complexity row for input `in` to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({label(), in, out, conv_madds(out, K, 1), weight_count()});
    }

    /// What a loader fills: tensor names, expected OIHW shape, and set_weights as `assign`.
    WeightSlot slot(std::string weight_name, std::string bn_name) {
        return {std::move(weight_name), std::move(bn_name), {c_, 1, K, K}, true, false,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes [C,1,K,K] weights and a bias of C values.
    void set_weights(std::span<const float> weight_c1kk, std::span<const float> bias) {
        detail::check_weight_sizes("DepthwiseConv", weight_count(), weight_c1kk.size(), static_cast<std::size_t>(c_),
                                   bias.size());
        kernels::depthwise_pack(K, stride, static_cast<std::size_t>(c_), weight_c1kk.data(), bias.data(), packed_.data());
    }

    /// Output rows are split across the pool's threads.
    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding padding,
                 Parallel par = {}) const {
        const kernels::ConvGeometry g = kernels::ConvGeometry::make(in_shape, c_, K, stride, padding, dilation_);
        par.split(static_cast<std::size_t>(g.out_h), [&](std::size_t y0, std::size_t y1) {
            forward_rows(g, in, out, static_cast<int>(y0), static_cast<int>(y1), {});
        });
    }

    /// Output rows [y_begin, y_end) of geometry `g` on one thread, buffers laid out as `rows` says.
    void forward_rows(const kernels::ConvGeometry& g, const float* in, float* out, int y_begin, int y_end,
                      kernels::RowWindow rows) const noexcept {
        kernels::depthwise<K, stride>(g, in, packed_.data(), out, {Act::min, Act::max}, y_begin, y_end, rows);
    }

private:
    std::size_t weight_count() const noexcept { return static_cast<std::size_t>(c_) * K * K; }

    int c_;
    int dilation_;
    AlignedBuffer packed_;
};

}  // namespace mnet
