// Conv2d<K, Stride, Act>: dense k×k convolution + bias + activation (the stem).
// Compile time: kernel size, stride, activation. Runtime: channel counts and
// the padding mode. Weights are packed at load (bias included) for the kernel
// kernels/simd/backend.hpp picks (the stem kernel for 3x3 s2 on 3 channels).
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// Dense K×K convolution with stride S and activation Act (the stem of both MobileNets).
/// K, S, Act are compile-time; channel counts and padding are runtime.
template <int K, class S, class Act>
class Conv2d {
public:
    static constexpr int kernel = K;         ///< kernel size K (compile time)
    static constexpr int stride = S::value;  ///< stride S (compile time)
    using activation = Act;                  ///< ReLU6 or Linear (compile time)

    /// A convolution from `in_channels` to `out_channels`; weights zero until set_weights.
    Conv2d(int in_channels, int out_channels)
        : in_c_(in_channels), out_c_(out_channels),
          packed_(kernels::conv_packed_floats(K, stride, static_cast<std::size_t>(in_channels),
                                              static_cast<std::size_t>(out_channels))) {}

    int in_channels() const noexcept { return in_c_; }   ///< Input channels.
    int out_channels() const noexcept { return out_c_; }  ///< Output channels.
    /// Row label in complexity tables: "conv3x3s2".
    static std::string type() { return "conv" + std::to_string(K) + "x" + std::to_string(K) + "s" + std::to_string(stride); }

    /// Output size and padding of this conv on `in`; Error(shape) on a channel mismatch.
    kernels::ConvGeometry geometry(Shape in, Padding padding) const {
        detail::check_channels("Conv2d", in, in_c_);
        return kernels::ConvGeometry::make(in, out_c_, K, stride, padding);
    }
    /// Output shape for input `in`; Error(shape) on a channel mismatch.
    Shape output_shape(Shape in, Padding padding) const { return geometry(in, padding).out_shape(); }

    /// Output shape for one input, no scratch.
    LayerPlan plan(const PlanArgs& a) const { return {output_shape(a.single("Conv2d"), a.padding)}; }
    /// Runs forward() on the node's tensors.
    void forward(const NodeArgs& a) const { forward(a.in(), a.inputs[0].shape, a.out(), nullptr, a.padding, a.par); }
    /// Its one slot, under the node's weight and BN names.
    void append_slots(const NodeNames& n, std::vector<WeightSlot>& slots) { slots.push_back(slot(n.weight, n.batchnorm)); }
    /// Appends this layer's complexity row to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const { describe(a.single("Conv2d"), a.padding, rows); }
    /// One K×K convolution with stride S and Act fused.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::conv, K, stride, 1, Act::kind, false, {}, std::string(name)});
    }

    /// Appends this layer's complexity row for input `in` to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({type(), in, out, conv_madds(out, K, in_c_), weight_count()});
    }

    /// What a loader fills: tensor names, expected OIHW shape, and set_weights as `assign`.
    WeightSlot slot(std::string weight_name, std::string bn_name) {
        return {std::move(weight_name), std::move(bn_name), {out_c_, in_c_, K, K}, false, false,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes OIHW weights and a bias of out_channels values.
    void set_weights(std::span<const float> weight_oihw, std::span<const float> bias) {
        detail::check_weight_sizes("Conv2d", weight_count(), weight_oihw.size(), static_cast<std::size_t>(out_c_),
                                   bias.size());
        kernels::conv_pack(K, stride, static_cast<std::size_t>(in_c_), static_cast<std::size_t>(out_c_),
                           weight_oihw.data(), bias.data(), packed_.data());
    }

    /// Output rows are split across the pool's threads.
    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding padding,
                 Parallel par = {}) const {
        const kernels::ConvGeometry g = kernels::ConvGeometry::make(in_shape, out_c_, K, stride, padding);
        par.split(static_cast<std::size_t>(g.out_h), [&](std::size_t y0, std::size_t y1) {
            kernels::conv(g, in, packed_.data(), out, {Act::min, Act::max}, static_cast<int>(y0), static_cast<int>(y1));
        });
    }

private:
    std::size_t weight_count() const noexcept {
        return static_cast<std::size_t>(out_c_) * K * K * static_cast<std::size_t>(in_c_);
    }

    int in_c_;
    int out_c_;
    AlignedBuffer packed_;
};

}  // namespace mnet
