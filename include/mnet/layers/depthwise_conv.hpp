// DepthwiseConv<K, Stride, Act>: one k×k filter per channel + bias + activation.
// Compile time: kernel size, stride, activation. Runtime: channels, padding.
// Weights packed at load (bias included) for the kernel kernels/simd/backend.hpp
// picks: channels contiguous per tap, so a channel register loads in one go.
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer_info.hpp"
#include "mnet/core/parallel.hpp"

namespace mnet {

/// Depthwise K×K convolution (one filter per channel) with stride S and activation Act.
/// K, S, Act are compile-time; the channel count and padding are runtime.
template <int K, class S, class Act>
class DepthwiseConv {
public:
    static constexpr int kernel = K;         ///< kernel size K (compile time)
    static constexpr int stride = S::value;  ///< stride S (compile time)
    using activation = Act;                  ///< ReLU6 or Linear (compile time)

    /// A depthwise convolution over `channels`; weights zero until set_weights.
    explicit DepthwiseConv(int channels)
        : c_(channels), packed_(kernels::depthwise_packed_floats(K, stride, static_cast<std::size_t>(channels))) {}

    int in_channels() const noexcept { return c_; }   ///< Input channels.
    int out_channels() const noexcept { return c_; }  ///< Output channels.
    /// Row label in complexity tables: "dwconv3x3s1".
    static std::string type() { return "dwconv" + std::to_string(K) + "x" + std::to_string(K) + "s" + std::to_string(stride); }

    /// Output shape for input `in`; Error(shape) on a channel mismatch.
    Shape output_shape(Shape in, Padding padding) const {
        detail::check_channels("DepthwiseConv", in, c_);
        return kernels::ConvGeometry::make(in, c_, K, stride, padding).out_shape();
    }
    std::size_t scratch_floats(Shape, Padding) const noexcept { return 0; }  ///< Scratch forward() needs: none.

    /// Appends this layer's complexity row for input `in` to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({type(), in, out, conv_madds(out, K, 1), weight_count()});
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
        const kernels::ConvGeometry g = kernels::ConvGeometry::make(in_shape, c_, K, stride, padding);
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
    AlignedBuffer packed_;
};

}  // namespace mnet
