// InvertedResidual<Stride>: the MobileNetV2 block. 1x1 expand (ReLU6, absent
// when t = 1) → 3x3 depthwise (ReLU6, stride S, dilation d) → 1x1 linear
// projection, plus the block input when stride is 1 and channels match. Compile
// time: stride. Runtime: channels, expansion factor t and dilation (DeepLab's
// backbone dilates the last blocks instead of striding them).
// Two ways to run it, same bits:
//  - unfused: whole tensors; scratch holds the expanded and the depthwise tensors.
//  - fused (MobileNetV2 §5.1, "memory efficient inference"), in bands of output
//    rows: each thread keeps the expanded input rows its band reads in a ring of
//    (rows − 1)·S + 2·d + 1 rows (each expanded row is computed once: the halo rows stay
//    in the ring for the next band), runs the depthwise into a band buffer and
//    projects that into the output. The expanded tensor never exists, and what
//    does stays in L2 between the three steps.
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/layers/depthwise_conv.hpp"
#include "mnet/layers/layer.hpp"
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
    /// hidden channels (no expand conv when the ratio is 1) and a depthwise conv of
    /// dilation `dilation`; Error(argument) if the ratio or the dilation is < 1.
    InvertedResidual(int in_channels, int out_channels, int expand_ratio, int dilation = 1)
        : in_c_(in_channels), out_c_(out_channels), hidden_(in_channels * expand_ratio),
          depthwise_(hidden_, dilation), project_(hidden_, out_channels) {
        if (expand_ratio < 1)
            detail::fail(ErrorKind::argument, {"InvertedResidual: expand ratio must be >= 1, got ", expand_ratio});
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

    /// Bytes of the expand and project weights (what every band of a fused run reads).
    std::size_t weight_bytes() const noexcept {
        const std::size_t hidden = static_cast<std::size_t>(hidden_);
        const std::size_t floats = (expand_ ? static_cast<std::size_t>(in_c_) * hidden : 0) +
                                   hidden * static_cast<std::size_t>(out_c_);
        return floats * sizeof(float);
    }

    /// Input rows of the expanded tensor that `rows` output rows read.
    int ring_rows(int rows) const noexcept { return (rows - 1) * stride + 2 * depthwise_.dilation() + 1; }

    /// Floats of one thread's band buffers for bands of `rows` output rows: the ring of
    /// expanded rows (none without an expansion: the depthwise reads the block input)
    /// and the depthwise output of one band.
    std::size_t band_floats(Shape in, Padding padding, int rows) const {
        const std::size_t hidden = static_cast<std::size_t>(hidden_);
        const Shape dw = depthwise_.output_shape({in.h, in.w, hidden_}, padding);
        const std::size_t ring = expand_ ? align_floats(static_cast<std::size_t>(std::min(ring_rows(rows), in.h)) *
                                                        static_cast<std::size_t>(in.w) * hidden)
                                         : 0;
        return ring + align_floats(static_cast<std::size_t>(rows) * static_cast<std::size_t>(dw.w) * hidden);
    }

    /// Output rows per band when the block runs fused with at most `band_bytes` of band
    /// buffers per thread (at least 1 row, at most the whole output).
    int band_rows(Shape in, Padding padding, std::size_t band_bytes) const {
        const int out_h = depthwise_.output_shape({in.h, in.w, hidden_}, padding).h;
        int rows = 1;
        while (rows < out_h && band_floats(in, padding, rows + 1) * sizeof(float) <= band_bytes) ++rows;
        return rows;
    }

    /// Floats of scratch: unfused (band_rows = 0), the expanded tensor (if any) and the
    /// depthwise output; fused, the band buffers of each thread that gets rows.
    std::size_t scratch_floats(Shape in, Padding padding, int band_rows = 0, int threads = 1) const {
        const Shape expanded{in.h, in.w, hidden_};
        const Shape dw = depthwise_.output_shape(expanded, padding);
        if (band_rows > 0)
            return static_cast<std::size_t>(std::min(threads, dw.h)) * band_floats(in, padding, band_rows);
        return (expand_ ? align_floats(expanded.size()) : 0) + align_floats(dw.size());
    }

    /// Output shape and scratch for one input: fused in bands when the options allow it
    /// and the weights fit the band budget (README, "Fused inverted residuals"), else whole.
    LayerPlan plan(const PlanArgs& a) const {
        const Shape in = a.single("InvertedResidual");
        LayerPlan p{output_shape(in, a.padding)};
        if (a.fuse_blocks && weight_bytes() <= a.band_bytes) p.band_rows = band_rows(in, a.padding, a.band_bytes);
        p.scratch_bytes = scratch_floats(in, a.padding, p.band_rows, a.threads) * sizeof(float);
        return p;
    }
    /// Runs the block as planned (fused when plan.band_rows > 0).
    void forward(const NodeArgs& a) const {
        forward(a.in(), a.inputs[0].shape, a.out(), a.scratch_floats(), a.padding, a.par, a.plan->band_rows);
    }
    /// Appends the block's slots under the node's name (see the overload below).
    void append_slots(const NodeNames& n, std::vector<WeightSlot>& slots) { append_slots(n.name, slots); }
    /// Appends one complexity row per convolution (expand, depthwise, project) to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const {
        const Shape in = a.single("InvertedResidual");
        const Shape expanded{in.h, in.w, hidden_};
        if (expand_) expand_->describe(in, a.padding, rows);
        depthwise_.describe(expanded, a.padding, rows);
        project_.describe(depthwise_.output_shape(expanded, a.padding), a.padding, rows);
    }
    /// What a file keeps apart: "{name} expand" (if any), "{name} depthwise", "{name} project"
    /// and, with the skip connection, the "{name} residual" sum of the block input and the projection.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        const std::string n(name);
        const std::size_t first = ops.size();
        if (expand_) expand_->append_ops(n + " expand", ops);
        depthwise_.append_ops(n + " depthwise", ops);
        project_.append_ops(n + " project", ops);
        if (!has_residual()) return;
        ops[first].feeds_add = true;
        ops.push_back({OpStep::Kind::add, 1, 1, 1, ActivationKind::linear, false, {}, n + " residual"});
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

    /// Runs the block on one image, unfused (band_rows = 0) or fused in bands of
    /// `band_rows` output rows; `scratch` holds scratch_floats(in_shape, padding,
    /// band_rows, par.threads()) floats; `out` must not overlap `in`.
    void forward(const float* in, Shape in_shape, float* out, float* scratch, Padding padding, Parallel par = {},
                 int band_rows = 0) const {
        if (band_rows > 0) return forward_fused(in, in_shape, out, scratch, padding, par, band_rows);
        const Shape expanded{in_shape.h, in_shape.w, hidden_};
        const float* dw_in = in;
        float* dw_out = scratch;
        if (expand_) {
            expand_->forward(in, in_shape, scratch, nullptr, padding, par);
            dw_in = scratch;
            dw_out = scratch + align_floats(expanded.size());
        }
        depthwise_.forward(dw_in, expanded, dw_out, nullptr, padding, par);
        const Shape dw_shape = depthwise_.output_shape(expanded, padding);
        project_.forward(dw_out, dw_shape, out, nullptr, padding, par, has_residual() ? in : nullptr);
    }

private:
    /// Each thread takes a contiguous share of the output rows (its own band buffers,
    /// one barrier for the whole block) and walks it band by band.
    void forward_fused(const float* in, Shape in_shape, float* out, float* scratch, Padding padding, Parallel par,
                       int band_rows) const {
        const kernels::ConvGeometry g = depthwise_.geometry({in_shape.h, in_shape.w, hidden_}, padding);
        const std::size_t per_thread = band_floats(in_shape, padding, band_rows);
        const std::size_t shares = static_cast<std::size_t>(std::min(par.threads(), g.out_h));
        const std::size_t out_h = static_cast<std::size_t>(g.out_h);
        par.split(shares, [&](std::size_t s0, std::size_t s1) {
            for (std::size_t share = s0; share < s1; ++share)
                run_bands(g, in, out, scratch + share * per_thread, band_rows, static_cast<int>(out_h * share / shares),
                          static_cast<int>(out_h * (share + 1) / shares));
        });
    }

    /// Output rows [y_begin, y_end), `band_rows` at a time, with one thread's buffers.
    void run_bands(const kernels::ConvGeometry& g, const float* in, float* out, float* buffers, int band_rows,
                   int y_begin, int y_end) const {
        const std::size_t hidden = static_cast<std::size_t>(hidden_), in_w = static_cast<std::size_t>(g.in_w);
        const std::size_t in_c = static_cast<std::size_t>(in_c_), out_c = static_cast<std::size_t>(out_c_);
        const std::size_t out_w = static_cast<std::size_t>(g.out_w);
        const int ring = std::min(ring_rows(band_rows), g.in_h);
        float* expanded = buffers;  // ring: expanded row iy at row iy mod `ring`
        float* dw_band = expand_ ? buffers + align_floats(static_cast<std::size_t>(ring) * in_w * hidden) : buffers;
        int expanded_end = 0;  // expanded rows [.., expanded_end) are in the ring
        for (int y0 = y_begin; y0 < y_end; y0 += band_rows) {
            const int y1 = std::min(y_end, y0 + band_rows);
            const float* dw_in = in;
            kernels::RowWindow rows{0, y0};
            if (expand_) {
                const int need_begin = std::max(0, y0 * stride - g.pad_top);
                const int need_end = std::min(g.in_h, (y1 - 1) * stride - g.pad_top + kernels::band_input_rows(g, 1));
                for (int iy = std::max(expanded_end, need_begin); iy < need_end;) {
                    // the rows up to the ring's wrap are one contiguous GEMM
                    const int count = std::min(need_end - iy, ring - iy % ring);
                    expand_->forward_rows(in + static_cast<std::size_t>(iy) * in_w * in_c,
                                          static_cast<std::size_t>(count) * in_w,
                                          expanded + static_cast<std::size_t>(iy % ring) * in_w * hidden);
                    iy += count;
                }
                expanded_end = need_end;
                dw_in = expanded;
                rows.in_ring = ring;
            }
            depthwise_.forward_rows(g, dw_in, dw_band, y0, y1, rows);
            const std::size_t first = static_cast<std::size_t>(y0) * out_w;
            project_.forward_rows(dw_band, static_cast<std::size_t>(y1 - y0) * out_w, out + first * out_c,
                                  has_residual() ? in + first * in_c : nullptr);
        }
    }

    int in_c_;
    int out_c_;
    int hidden_;
    std::optional<PointwiseConv<ReLU6>> expand_;
    DepthwiseConv<3, S, ReLU6> depthwise_;
    PointwiseConv<Linear> project_;
};

}  // namespace mnet
