// Classifier: the fully-connected logits layer, 1×1×K → 1×1×N (no activation;
// softmax is the caller's choice). Weights arrive [N][K] as torchvision stores
// them and are packed at load (bias included) for the GEMV kernels/simd/backend.hpp picks.
#pragma once

#include <algorithm>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// The fully-connected logits layer: 1×1×K → 1×1×N, no activation.
class Classifier {
public:
    /// K = `in_features` inputs, N = `num_classes` outputs; weights zero until set_weights.
    Classifier(int in_features, int num_classes)
        : k_(in_features), n_(num_classes),
          packed_(kernels::fc_packed_floats(static_cast<std::size_t>(in_features),
                                            static_cast<std::size_t>(num_classes))) {}

    int in_channels() const noexcept { return k_; }   ///< Input channels.
    int out_channels() const noexcept { return n_; }  ///< Output channels.
    static std::string type() { return "fc"; }  ///< Row label in complexity tables.

    /// 1×1×N; Error(shape) unless `in` is 1×1×K.
    Shape output_shape(Shape in, Padding) const {
        if (in.h != 1 || in.w != 1 || in.c != k_)
            detail::fail(ErrorKind::shape, {"Classifier: expected 1x1x", k_, " input, got ", to_string(in)});
        return {1, 1, n_};
    }

    /// 1×1×N for one 1×1×K input, no scratch.
    LayerPlan plan(const PlanArgs& a) const { return {output_shape(a.single("Classifier"), a.padding)}; }
    /// Runs forward() on the node's tensors.
    void forward(const NodeArgs& a) const { forward(a.in(), a.inputs[0].shape, a.out(), nullptr, a.padding, a.par); }
    /// Its one slot, under the node's weight name (no BatchNorm).
    void append_slots(const NodeNames& n, std::vector<WeightSlot>& slots) { slots.push_back(slot(n.weight)); }
    /// Appends the FC row to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const { describe(a.single("Classifier"), a.padding, rows); }
    /// The logits: one fully-connected (or 1x1 convolution) step, no activation.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::logits, 1, 1, 1, ActivationKind::linear, false, {}, std::string(name)});
    }

    /// Appends the FC row (MAdds K·N, params K·N + N) to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        rows.push_back({type(), in, output_shape(in, padding), weight_count(), weight_count() + static_cast<std::size_t>(n_)});
    }

    /// What a loader fills: `prefix` (e.g. "classifier.1"), shape [N, K], set_weights.
    WeightSlot slot(std::string prefix) {
        return {std::move(prefix), "", {n_, k_, 1, 1}, false, true,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes [N][K] weights and N biases; Error(shape) on a size mismatch.
    void set_weights(std::span<const float> weight_nk, std::span<const float> bias) {
        detail::check_weight_sizes("Classifier", weight_count(), weight_nk.size(), static_cast<std::size_t>(n_), bias.size());
        kernels::fc_pack(static_cast<std::size_t>(k_), static_cast<std::size_t>(n_), weight_nk.data(), bias.data(),
                         packed_.data());
    }

    /// Output panels are split across the pool's threads (both cores stream half the weights).
    void forward(const float* in, Shape, float* out, float* /*scratch*/, Padding, Parallel par = {}) const {
        const std::size_t k = static_cast<std::size_t>(k_), n = static_cast<std::size_t>(n_);
        par.split(kernels::fc_panels(n), [&](std::size_t p0, std::size_t p1) {
            kernels::fully_connected(k, n, in, packed_.data(), out, p0, p1);
        });
    }

private:
    std::size_t weight_count() const noexcept { return static_cast<std::size_t>(k_) * static_cast<std::size_t>(n_); }

    int k_;
    int n_;
    AlignedBuffer packed_;
};

}  // namespace mnet
