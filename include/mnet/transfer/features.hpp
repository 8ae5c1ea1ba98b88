// Where a model's features are: the pooled activations just before its classifier
// (1024·α for V1, 1280·max(1, α) for V2), or the output of a feature extractor
// (a model without classifier). A Session asked for features stops there; a
// model with a head (attach_head) runs there and then applies the head.
#pragma once

#include <cstddef>
#include <memory>
#include <variant>

#include "mnet/core/error.hpp"
#include "mnet/models/model.hpp"
#include "mnet/transfer/head.hpp"

namespace mnet {

/// Nodes of `graph` up to its pooled features: all of them but a final Classifier.
inline std::size_t feature_node_count(const Graph& graph) noexcept {
    const auto& nodes = graph.nodes();
    return !nodes.empty() && std::holds_alternative<Classifier>(nodes.back().layer) ? nodes.size() - 1 : nodes.size();
}

/// Floats of one image's pooled features (the input width of a head).
inline std::size_t feature_size(const Graph& graph) noexcept {
    return graph.shape_before(feature_node_count(graph)).size();
}

/// `base` with `head` in place of its classifier (labels then come from the head).
/// Error(shape) if the head does not read as many features as `base` pools.
inline Model attach_head(const Model& base, std::shared_ptr<const Head> head) {
    if (!head) detail::fail(ErrorKind::argument, {"attach_head: no head"});
    const std::size_t want = feature_size(base.graph());
    if (head->in_features() != want)
        detail::fail(ErrorKind::shape, {base.info().source, ": the head reads ", head->in_features(),
                                        " features, the model pools ", want, " (", to_string(base.info().arch),
                                        " width ", base.info().width, ")"});
    return base.with_head(std::move(head));
}

}  // namespace mnet
