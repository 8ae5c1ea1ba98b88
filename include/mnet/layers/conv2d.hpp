// Conv2d<K, Stride, Act>: dense k×k convolution + bias + activation (the stem).
// Compile time: kernel size, stride, activation. Runtime: channel counts and
// the padding mode. Weights are kept OHWI; the maths is in kernels/.
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/conv2d.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer_info.hpp"

namespace mnet {

template <int K, class S, class Act>
class Conv2d {
public:
    static constexpr int kernel = K;
    static constexpr int stride = S::value;
    using activation = Act;

    Conv2d(int in_channels, int out_channels)
        : in_c_(in_channels), out_c_(out_channels),
          weight_ohwi_(static_cast<std::size_t>(out_channels) * K * K * in_channels),
          bias_(static_cast<std::size_t>(out_channels)) {}

    int in_channels() const noexcept { return in_c_; }
    int out_channels() const noexcept { return out_c_; }
    static std::string type() { return "conv" + std::to_string(K) + "x" + std::to_string(K) + "s" + std::to_string(stride); }

    kernels::ConvGeometry geometry(Shape in, Padding padding) const {
        detail::check_channels("Conv2d", in, in_c_);
        return kernels::ConvGeometry::make(in, out_c_, K, stride, padding);
    }
    Shape output_shape(Shape in, Padding padding) const { return geometry(in, padding).out_shape(); }
    std::size_t scratch_floats(Shape, Padding) const noexcept { return 0; }

    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({type(), in, out, conv_madds(out, K, in_c_), weight_ohwi_.size()});
    }

    WeightSlot slot(std::string weight_name, std::string bn_name) {
        return {std::move(weight_name), std::move(bn_name), {out_c_, in_c_, K, K}, false, false,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes OIHW weights and a bias of out_channels values.
    void set_weights(std::span<const float> weight_oihw, std::span<const float> bias) {
        detail::check_weight_sizes("Conv2d", weight_ohwi_.size(), weight_oihw.size(), bias_.size(), bias.size());
        for (int o = 0; o < out_c_; ++o)
            for (int i = 0; i < in_c_; ++i)
                for (int y = 0; y < K; ++y)
                    for (int x = 0; x < K; ++x)
                        weight_ohwi_[((static_cast<std::size_t>(o) * K + y) * K + x) * in_c_ + i] =
                            weight_oihw[((static_cast<std::size_t>(o) * in_c_ + i) * K + y) * K + x];
        std::copy(bias.begin(), bias.end(), bias_.data());
    }

    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding padding) const {
        kernels::reference::conv2d(kernels::ConvGeometry::make(in_shape, out_c_, K, stride, padding), in, weight_ohwi_.data(), bias_.data(), out,
                                   {Act::min, Act::max});
    }

private:
    int in_c_;
    int out_c_;
    AlignedBuffer weight_ohwi_;
    AlignedBuffer bias_;
};

}  // namespace mnet
