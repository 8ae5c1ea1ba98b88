// Concat: joins its inputs along channels (DeepLab's ASPP joins the image-pooling
// branch and the 1x1 branch). The memory plan normally places each input in its
// channel slice of the output (producers that can write strided rows do so), and
// then forward has nothing to do; an input that is elsewhere (a tensor another
// node also reads, or the graph input) is copied into its slice.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "mnet/layers/layer.hpp"

namespace mnet {

/// Channel concatenation of two or more inputs of the same height and width.
class Concat {
public:
    static std::string type() { return "concat"; }  ///< Row label in complexity tables.

    /// Output h × w × (sum of channels); Error(shape) unless at least two inputs agree on h and w.
    static Shape output_shape(std::span<const Shape> in) {
        if (in.size() < 2) detail::fail(ErrorKind::shape, {"Concat: expected at least 2 inputs, got ", in.size()});
        Shape out{in[0].h, in[0].w, 0};
        for (const Shape& s : in) {
            if (s.h != out.h || s.w != out.w)
                detail::fail(ErrorKind::shape, {"Concat: inputs ", to_string(in[0]), " and ", to_string(s),
                                                " differ in height or width"});
            out.c += s.c;
        }
        return out;
    }
    /// The joined shape; the planner may alias the inputs into it.
    LayerPlan plan(const PlanArgs& a) const {
        LayerPlan p{output_shape(a.inputs)};
        p.concatenates = true;
        return p;
    }
    /// Copies each input that is not already in its slice.
    void forward(const NodeArgs& a) const {
        const std::size_t pixels = static_cast<std::size_t>(a.output.shape.h) * static_cast<std::size_t>(a.output.shape.w);
        const std::size_t elem = size_of(a.output.dtype);
        std::size_t offset = 0;  // channels before this input
        for (const ConstTensorView& in : a.inputs) {
            const auto* dst = static_cast<std::byte*>(a.output.data) + offset * elem;
            const std::size_t c = static_cast<std::size_t>(in.shape.c);
            if (in.data != dst) {
                a.par.split(pixels, [&](std::size_t p0, std::size_t p1) {
                    for (std::size_t p = p0; p < p1; ++p)
                        std::memcpy(const_cast<std::byte*>(dst) + p * a.output.pixel_stride * elem,
                                    static_cast<const std::byte*>(in.data) + p * in.pixel_stride * elem, c * elem);
                });
            }
            offset += c;
        }
    }
    /// No weights.
    void append_slots(const NodeNames&, std::vector<WeightSlot>&) {}
    /// A row without MAdds or parameters.
    void describe(const PlanArgs& a, std::vector<LayerStats>& rows) const {
        rows.push_back({type(), a.inputs[0], output_shape(a.inputs), 0, 0});
    }
    /// One concatenation of all its inputs along channels.
    void append_ops(std::string_view name, std::vector<OpStep>& ops) const {
        ops.push_back({OpStep::Kind::concat, 1, 1, 1, ActivationKind::linear, false, {}, std::string(name)});
    }
};

}  // namespace mnet
