// GlobalAvgPool: H×W×C → 1×1×C, the mean over all pixels. No weights.
#pragma once

#include "mnet/kernels/simd/backend.hpp"
#include "mnet/layers/layer.hpp"

namespace mnet {

/// Global average pooling: H×W×C → 1×1×C. No weights.
class GlobalAvgPool {
public:
    static std::string type() { return "avgpool"; }  ///< Row label in complexity tables.
    /// 1×1×C.
    Shape output_shape(Shape in, Padding) const noexcept { return {1, 1, in.c}; }

    /// 1×1×C for one input, no scratch.
    LayerPlan plan(const PlanArgs& a) const { return {output_shape(a.single("GlobalAvgPool"), a.padding)}; }
    /// Runs forward() on the node's tensors.
    void forward(const NodeArgs& a) const { forward(a.in(), a.inputs[0].shape, a.out(), nullptr, a.padding, a.par); }
    /// No weights.
    void append_slots(const NodeNames&, std::vector<WeightSlot>&) {}
    /// Appends its row to `rows`.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const { describe(a.single("GlobalAvgPool"), a.padding, rows); }
    /// One global average pool.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::pool, 1, 1, 1, ActivationKind::linear, false, {}, std::string(name)});
    }
    /// Appends its row (no MAdds, no params) to `rows`.
    void describe(Shape in, Padding padding, std::vector<LayerStats>& rows) const {
        rows.push_back({type(), in, output_shape(in, padding), 0, 0});
    }
    /// Runs inline: 7·7·1280 adds are not worth a barrier.
    void forward(const float* in, Shape in_shape, float* out, float* /*scratch*/, Padding, Parallel = {}) const {
        kernels::global_avgpool(static_cast<std::size_t>(in_shape.h) * in_shape.w, in_shape.c, in, out);
    }
};

}  // namespace mnet
