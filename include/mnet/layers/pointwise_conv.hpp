// PointwiseConv<Act>: 1x1 convolution = GEMM over pixels, + bias + activation,
// optionally + a residual (the MobileNetV2 projection). Compile time: the
// activation. Runtime: channel counts. Weights packed at load into the layout
// of the GEMM kernel kernels/simd/backend.hpp picks (bias included).
#pragma once

#include <algorithm>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// 1x1 convolution (a GEMM over pixels) with activation Act; Act is compile-time,
/// channel counts runtime.
template <class Act>
class PointwiseConv {
public:
    static constexpr int kernel = 1;  ///< always 1
    static constexpr int stride = 1;  ///< always 1
    using activation = Act;           ///< ReLU6 or Linear (compile time)

    /// A 1x1 convolution from `in_channels` to `out_channels`; weights zero until set_weights.
    PointwiseConv(int in_channels, int out_channels)
        : in_c_(in_channels), out_c_(out_channels),
          packed_(kernels::pointwise_packed_floats(static_cast<std::size_t>(in_channels),
                                                   static_cast<std::size_t>(out_channels))) {}

    int in_channels() const noexcept { return in_c_; }   ///< Input channels.
    int out_channels() const noexcept { return out_c_; }  ///< Output channels.
    static std::string type() { return "conv1x1"; }  ///< Row label in complexity tables.

    /// Output shape for input `in`; Error(shape) on a channel mismatch.
    Shape output_shape(Shape in, Padding) const {
        detail::check_channels("PointwiseConv", in, in_c_);
        return {in.h, in.w, out_c_};
    }

    /// Output shape for one input, no scratch; it can write into a concatenation's slice.
    LayerPlan plan(const PlanArgs& a) const {
        LayerPlan p{output_shape(a.single("PointwiseConv"), a.padding)};
        p.strided_output = true;
        return p;
    }
    /// Runs forward() on the node's tensors (the output may be a strided channel slice).
    void forward(const NodeArgs& a) const {
        forward(a.in(), a.inputs[0].shape, a.out(), nullptr, a.padding, a.par, nullptr, a.output.pixel_stride);
    }
    /// Its one slot, under the node's weight and BN names.
    void append_slots(const NodeNames& n, std::vector<WeightSlot>& slots) { slots.push_back(slot(n.weight, n.batchnorm)); }
    /// Appends this layer's complexity row to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const { describe(a.single("PointwiseConv"), a.padding, rows); }
    /// One 1x1 convolution with Act fused.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::conv, 1, 1, 1, Act::kind, false, {}, std::string(name)});
    }

    /// Appends this layer's complexity row for input `in` to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape out = output_shape(in, padding);
        rows.push_back({type(), in, out, conv_madds(out, 1, in_c_), weight_count()});
    }

    /// What a loader fills: tensor names, expected OIHW shape, and set_weights as `assign`.
    WeightSlot slot(std::string weight_name, std::string bn_name) {
        return {std::move(weight_name), std::move(bn_name), {out_c_, in_c_, 1, 1}, false, false,
                [this](std::span<const float> w, std::span<const float> b) { set_weights(w, b); }};
    }

    /// Takes [Cout,Cin,1,1] weights and a bias of Cout values.
    void set_weights(std::span<const float> weight_oi, std::span<const float> bias) {
        detail::check_weight_sizes("PointwiseConv", weight_count(), weight_oi.size(), static_cast<std::size_t>(out_c_),
                                   bias.size());
        kernels::pointwise_pack(static_cast<std::size_t>(in_c_), static_cast<std::size_t>(out_c_), weight_oi.data(),
                                bias.data(), packed_.data());
    }

    /// out = act(in · W + b) (+ residual, added after the activation). Threads split the
    /// rows when the input (m × k) is at least as large as the weights (k × n): each core
    /// then reads its own rows, which the layer before it wrote on that core. Otherwise
    /// (the 14×14 expands and the 7×7 stage) they split the output panels, which halves
    /// each core's share of the weights (PERF-NOTES §6). Output pixels are `out_stride`
    /// floats apart (0: out_channels(); more for a slice of a concatenation).
    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding, Parallel par = {},
                 const float* residual = nullptr, std::size_t out_stride = 0) const {
        const std::size_t m = static_cast<std::size_t>(in_shape.h) * static_cast<std::size_t>(in_shape.w);
        const std::size_t k = static_cast<std::size_t>(in_c_), n = static_cast<std::size_t>(out_c_);
        const std::size_t panels = kernels::pointwise_panels(k, n), mr = kernels::pointwise_mr(k);
        const kernels::Epilogue ep{Act::min, Act::max, residual, out_stride == n ? 0 : out_stride};
        if (m >= n || panels < static_cast<std::size_t>(par.threads())) {
            par.split((m + mr - 1) / mr, [&](std::size_t b0, std::size_t b1) {
                kernels::pointwise(m, k, n, in, packed_.data(), out, ep, b0 * mr, std::min(m, b1 * mr), 0, panels);
            });
        } else {
            par.split(panels, [&](std::size_t p0, std::size_t p1) {
                kernels::pointwise(m, k, n, in, packed_.data(), out, ep, 0, m, p0, p1);
            });
        }
    }

    /// One thread's `pixels` rows: out = act(in · W + b) (+ residual), all output channels.
    void forward_rows(const float* in, std::size_t pixels, float* out, const float* residual = nullptr) const noexcept {
        const std::size_t k = static_cast<std::size_t>(in_c_), n = static_cast<std::size_t>(out_c_);
        kernels::pointwise(pixels, k, n, in, packed_.data(), out, {Act::min, Act::max, residual}, 0, pixels, 0,
                           kernels::pointwise_panels(k, n));
    }

private:
    std::size_t weight_count() const noexcept { return static_cast<std::size_t>(in_c_) * static_cast<std::size_t>(out_c_); }

    int in_c_;
    int out_c_;
    AlignedBuffer packed_;
};

}  // namespace mnet
