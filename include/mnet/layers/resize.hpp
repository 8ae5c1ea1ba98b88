// ResizeBilinear: brings a tensor to the height and width of another one (DeepLab's
// image-pooling branch: 1×1 back to the feature map), with TFLite's
// RESIZE_BILINEAR flags. It reads two tensors: the one it resizes and the one whose
// size it takes, so the graph stays valid at any input size.
#pragma once

#include <string>
#include <vector>

#include "mnet/core/resize_flags.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// Bilinear resize of input 0 to the height and width of input 1.
class ResizeBilinear {
public:
    /// A resize with TFLite's flags; Error(argument) if both are set (TFLite forbids it).
    explicit ResizeBilinear(ResizeFlags flags = {}) : flags_(flags) {
        if (flags.align_corners && flags.half_pixel_centers)
            detail::fail(ErrorKind::argument, {"ResizeBilinear: align_corners and half_pixel_centers are exclusive"});
    }
    static std::string type() { return "resize_bilinear"; }  ///< Row label in complexity tables.
    ResizeFlags flags() const noexcept { return flags_; }     ///< As constructed.

    /// in[1].h × in[1].w × in[0].c; it can write into a concatenation's slice.
    LayerPlan plan(const PlanArgs& a) const {
        if (a.inputs.size() != 2)
            detail::fail(ErrorKind::shape, {"ResizeBilinear: expected 2 inputs (data, size), got ", a.inputs.size()});
        LayerPlan p{{a.inputs[1].h, a.inputs[1].w, a.inputs[0].c}};
        p.strided_output = true;
        return p;
    }
    /// Output rows are split across the pool's threads.
    void forward(const NodeArgs& a) const {
        const Shape out = a.output.shape;
        const kernels::ResizeGeometry g =
            kernels::ResizeGeometry::make(a.inputs[0].shape, out.h, out.w, flags_.align_corners, flags_.half_pixel_centers);
        a.par.split(static_cast<std::size_t>(out.h), [&](std::size_t y0, std::size_t y1) {
            kernels::resize_bilinear(g, a.in(0), a.out(), static_cast<int>(y0), static_cast<int>(y1),
                                                a.output.pixel_stride);
        });
    }
    /// No weights.
    void append_slots(const NodeNames&, std::vector<WeightSlot>&) {}
    /// A row without MAdds or parameters.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const {
        rows.push_back({type(), a.inputs[0], plan(a).output, 0, 0});
    }
    /// One bilinear resize with its flags.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::resize, 1, 1, 1, ActivationKind::linear, false, flags_, std::string(name)});
    }

private:
    ResizeFlags flags_;
};

}  // namespace mnet
