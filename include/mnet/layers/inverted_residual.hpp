// InvertedResidual<Stride>: the MobileNetV2 block. 1x1 expand (ReLU6, absent
// when t = 1) → 3x3 depthwise (ReLU6, stride S) → 1x1 linear projection, plus
// the block input when stride is 1 and channels match. Compile time: stride.
// Runtime: channels and expansion factor t. Scratch holds the expanded and the
// depthwise tensors.
#pragma once

#include <optional>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/layers/depthwise_conv.hpp"
#include "mnet/layers/pointwise_conv.hpp"

namespace mnet {

/// The MobileNetV2 block: 1x1 expand (ReLU6) → 3x3 depthwise (ReLU6, stride S) → 1x1
/// linear projection, plus the input when shapes allow. S is compile-time; channels
/// and the expansion ratio t are runtime.
template <class S>
class InvertedResidual {
public:
    static constexpr int stride = S::value;  ///< stride S of the depthwise conv

    /// A block from `in_channels` to `out_channels` with `in_channels · expand_ratio`
    /// hidden channels (no expand conv when the ratio is 1); Error(argument) if it is < 1.
    InvertedResidual(int in_channels, int out_channels, int expand_ratio)
        : in_c_(in_channels), out_c_(out_channels), hidden_(in_channels * expand_ratio),
          depthwise_(hidden_), project_(hidden_, out_channels) {
        require(expand_ratio >= 1, ErrorKind::argument,
                "InvertedResidual: expand ratio must be >= 1, got " + std::to_string(expand_ratio));
        if (expand_ratio != 1) expand_.emplace(in_channels, hidden_);
    }

    int in_channels() const noexcept { return in_c_; }      ///< Input channels.
    int out_channels() const noexcept { return out_c_; }    ///< Output channels.
    int hidden_channels() const noexcept { return hidden_; }  ///< Channels of the expanded tensor.
    bool has_expand() const noexcept { return expand_.has_value(); }  ///< Expansion ratio above 1.
    /// The skip connection exists exactly where shapes allow it (paper, Fig. 4).
    bool has_residual() const noexcept { return stride == 1 && in_c_ == out_c_; }
    /// Label of the block: "bottleneck_s1" or "bottleneck_s2".
    static std::string type() { return "bottleneck_s" + std::to_string(stride); }

    /// Output shape for input `in`; Error(shape) on a channel mismatch.
    Shape output_shape(Shape in, Padding padding) const {
        detail::check_channels("InvertedResidual", in, in_c_);
        const Shape dw = depthwise_.output_shape({in.h, in.w, hidden_}, padding);
        return {dw.h, dw.w, out_c_};
    }

    /// Floats of scratch: the expanded tensor (if any) and the depthwise output.
    std::size_t scratch_floats(Shape in, Padding padding) const {
        const Shape expanded{in.h, in.w, hidden_};
        const Shape dw = depthwise_.output_shape(expanded, padding);
        return (expand_ ? align_floats(expanded.size()) : 0) + align_floats(dw.size());
    }

    /// Appends one complexity row per convolution (expand, depthwise, project) to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        const Shape expanded{in.h, in.w, hidden_};
        if (expand_) expand_->describe(in, padding, rows);
        depthwise_.describe(expanded, padding, rows);
        project_.describe(depthwise_.output_shape(expanded, padding), padding, rows);
    }

    /// Appends the block's weight slots (torchvision names) to `slots`. With an
    /// expansion: `{prefix}.conv.{0.0,0.1,1.0,1.1,2,3}`; without: `{prefix}.conv.{0.0,0.1,1,2}`.
    void append_slots(const std::string& prefix, std::vector<WeightSlot>& slots) {
        const std::string conv = prefix + ".conv.";
        int i = 0;
        if (expand_) {
            slots.push_back(expand_->slot(conv + "0.0", conv + "0.1"));
            ++i;
        }
        const std::string dw = conv + std::to_string(i);
        slots.push_back(depthwise_.slot(dw + ".0", dw + ".1"));
        slots.push_back(project_.slot(conv + std::to_string(i + 1), conv + std::to_string(i + 2)));
    }

    /// Runs the block on one image: `scratch` holds scratch_floats() floats for the
    /// expanded and depthwise tensors; `out` must not overlap `in`.
    void forward(const float* in, Shape in_shape, float* out, float* scratch, Padding padding,
                 Parallel par = {}) const {
        const Shape expanded{in_shape.h, in_shape.w, hidden_};
        const float* dw_in = in;
        float* dw_out = scratch;
        if (expand_) {
            expand_->forward(in, in_shape, scratch, nullptr, padding, par);
            dw_in = scratch;
            dw_out = scratch + align_floats(expanded.size());
        }
        depthwise_.forward(dw_in, expanded, dw_out, nullptr, padding, par);
        const Shape dw_shape = kernels::ConvGeometry::make(expanded, hidden_, 3, stride, padding).out_shape();
        project_.forward(dw_out, dw_shape, out, nullptr, padding, par, has_residual() ? in : nullptr);
    }

    /// The expand conv (empty when the ratio is 1).
    const std::optional<PointwiseConv<ReLU6>>& expand() const noexcept { return expand_; }
    const DepthwiseConv<3, S, ReLU6>& depthwise() const noexcept { return depthwise_; }  ///< The depthwise conv.
    const PointwiseConv<Linear>& project() const noexcept { return project_; }          ///< The projection.

private:
    int in_c_;
    int out_c_;
    int hidden_;
    std::optional<PointwiseConv<ReLU6>> expand_;
    DepthwiseConv<3, S, ReLU6> depthwise_;
    PointwiseConv<Linear> project_;
};

}  // namespace mnet
