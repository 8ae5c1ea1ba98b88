// DepthwiseConv<K, Stride, Act>: one k×k filter per channel + bias + activation.
// Compile time: kernel size, stride, activation. Runtime: channels, padding.
// Weights are kept HWC ([kh][kw][c]) so a channel vector loads contiguously.
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/dwconv.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer_info.hpp"

namespace mnet {

template <int K, class S, class Act>
class DepthwiseConv {
public:
    static constexpr int kernel = K;
    static constexpr int stride = S::value;
    using activation = Act;

    explicit DepthwiseConv(int channels)
        : c_(channels), weight_hwc_(static_cast<std::size_t>(channels) * K * K),
          bias_(static_cast<std::size_t>(channels)) {}

    int in_channels() const noexcept { return c_; }
    int out_channels() const noexcept { return c_; }
    static std::string type() { return "dwconv" + std::to_string(K) + "x" + std::to_string(K) + "s" + std::to_string(stride); }

    Shape output_shape(Shape in, Padding padding) const {
        detail::check_channels("DepthwiseConv", in, c_);
        return kernels::ConvGeometry::make(in, c_, K, stride, padding).out_shape();
    }
    std::size_t scratch_floats(Shape, Padding) const noexcept { return 0; }

    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({type(), in, out, conv_madds(out, K, 1), weight_hwc_.size()});
    }

    WeightSlot slot(std::string weight_name, std::string bn_name) {
        return {std::move(weight_name), std::move(bn_name), {c_, 1, K, K}, true, false,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes [C,1,K,K] weights and a bias of C values.
    void set_weights(std::span<const float> weight_c1kk, std::span<const float> bias) {
        detail::check_weight_sizes("DepthwiseConv", weight_hwc_.size(), weight_c1kk.size(), bias_.size(), bias.size());
        for (int c = 0; c < c_; ++c)
            for (int t = 0; t < K * K; ++t)
                weight_hwc_[static_cast<std::size_t>(t) * c_ + c] = weight_c1kk[static_cast<std::size_t>(c) * K * K + t];
        std::copy(bias.begin(), bias.end(), bias_.data());
    }

    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding padding) const {
        kernels::reference::dwconv(kernels::ConvGeometry::make(in_shape, c_, K, stride, padding), in,
                                   weight_hwc_.data(), bias_.data(), out, {Act::min, Act::max});
    }

private:
    int c_;
    AlignedBuffer weight_hwc_;
    AlignedBuffer bias_;
};

}  // namespace mnet
