// Classifier: the fully-connected logits layer, 1×1×K → 1×1×N (no activation;
// softmax is the caller's choice). Weights kept [N][K] as torchvision stores them.
#pragma once

#include <algorithm>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/pooling.hpp"
#include "mnet/layers/layer_info.hpp"

namespace mnet {

class Classifier {
public:
    Classifier(int in_features, int num_classes)
        : k_(in_features), n_(num_classes),
          weight_nk_(static_cast<std::size_t>(in_features) * num_classes),
          bias_(static_cast<std::size_t>(num_classes)) {}

    int in_channels() const noexcept { return k_; }
    int out_channels() const noexcept { return n_; }
    static std::string type() { return "fc"; }

    Shape output_shape(Shape in, Padding) const {
        require(in.h == 1 && in.w == 1 && in.c == k_, ErrorKind::shape,
                "Classifier: expected 1x1x" + std::to_string(k_) + " input, got " + to_string(in));
        return {1, 1, n_};
    }
    std::size_t scratch_floats(Shape, Padding) const noexcept { return 0; }

    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        rows.push_back({type(), in, output_shape(in, padding), weight_nk_.size(), weight_nk_.size() + bias_.size()});
    }

    WeightSlot slot(std::string prefix) {
        return {std::move(prefix), "", {n_, k_, 1, 1}, false, true,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    void set_weights(std::span<const float> weight_nk, std::span<const float> bias) {
        detail::check_weight_sizes("Classifier", weight_nk_.size(), weight_nk.size(), bias_.size(), bias.size());
        std::copy(weight_nk.begin(), weight_nk.end(), weight_nk_.data());
        std::copy(bias.begin(), bias.end(), bias_.data());
    }

    void forward(const float* in, Shape, float* out, float* /*scratch*/, Padding) const {
        kernels::reference::fully_connected(k_, n_, in, weight_nk_.data(), bias_.data(), out);
    }

private:
    int k_;
    int n_;
    AlignedBuffer weight_nk_;
    AlignedBuffer bias_;
};

}  // namespace mnet
