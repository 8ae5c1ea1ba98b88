// The static memory plan of a Session: how each node runs (inverted residuals
// fused in row bands or not) and how much arena that takes. A MobileNet is a
// chain, so at any node only its input, its output and its scratch are alive:
// the arena puts the input at one end, the output at the other and the scratch
// beside the input, alternating ends from node to node. Its size is the largest
// input + scratch + output of any node, plus the logits of a batch — the exact
// peak activation memory of the plan (`mnet-stats --memory` prints it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/core/error.hpp"
#include "mnet/models/graph.hpp"
#include "mnet/core/parallel.hpp"

namespace mnet {

/// How a Session runs: threads, the largest batch, and how inverted residuals execute.
struct SessionOptions {
    int threads = 1;    ///< worker threads (1 = run inline on the caller's thread)
    int max_batch = 1;  ///< largest N that `run` accepts
    /// Run inverted residuals in row bands so the expanded tensor never exists
    /// (MobileNetV2 §5.1); false runs every block on whole tensors (for comparison).
    bool fuse_blocks = true;
    /// Band buffers per thread of a fused block: rows per band are the most that fit.
    /// The default (tuned on Zen4, README "Fused inverted residuals") keeps a band in L2.
    std::size_t band_bytes = std::size_t{64} * 1024;
};

/// What one node needs (floats, each rounded up to the arena alignment).
struct NodeMemory {
    std::size_t input = 0;    ///< its input (0 for the first node: the caller's buffer)
    std::size_t output = 0;   ///< its output (0 for the last node: the logits region)
    std::size_t scratch = 0;  ///< its scratch (expanded tensors, or band buffers when fused)
    int band_rows = 0;        ///< output rows per band of a fused inverted residual, else 0
    std::size_t live() const noexcept { return input + output + scratch; }  ///< all three at once
};

/// A Session's arena: per-node needs, the activation region and the logits.
struct MemoryPlan {
    std::vector<NodeMemory> nodes;      ///< one per graph node
    std::size_t activation_floats = 0;  ///< max over nodes of NodeMemory::live()
    std::size_t logits_floats = 0;      ///< max_batch × classes, aligned
    /// Floats of the whole arena.
    std::size_t arena_floats() const noexcept { return activation_floats + logits_floats; }
    /// The peak activation memory of a session: its whole arena, in bytes.
    std::size_t peak_activation_bytes() const noexcept { return arena_floats() * sizeof(float); }
};

namespace detail {

template <class L>
struct is_inverted_residual : std::false_type {};
template <class S>
struct is_inverted_residual<InvertedResidual<S>> : std::true_type {};

/// Output rows per band of node `layer` under `options`, 0 to run it unfused. A fused
/// block reads its expand and project weights once per band, so blocks whose weights
/// alone outgrow the band budget (the 14×14 and 7×7 stages: 74 KB-1.2 MB) stay
/// unfused: their tensors are small, and bands would stream the weights from L2 or
/// memory again and again (README, "Fused inverted residuals", has the measurements).
template <class L>
int band_rows_for(const L& layer, Shape in, Padding padding, const SessionOptions& options) {
    if constexpr (is_inverted_residual<L>::value) {
        if (options.fuse_blocks && layer.weight_bytes() <= options.band_bytes)
            return layer.band_rows(in, padding, options.band_bytes);
    }
    return 0;
}

/// Runs node `layer` the way `node` plans it: an inverted residual fused in bands of
/// node.band_rows (unfused when 0), any other layer as is. Session and profile_layers
/// both run nodes through this.
template <class L>
void forward_planned(const L& layer, const NodeMemory& node, const float* in, Shape in_shape, float* out,
                     float* scratch, Padding padding, Parallel par) {
    if constexpr (is_inverted_residual<L>::value)
        layer.forward(in, in_shape, out, scratch, padding, par, node.band_rows);
    else
        layer.forward(in, in_shape, out, scratch, padding, par);
}

}  // namespace detail

/// The plan a Session with `options` uses for `graph`; Error(argument) on bad options.
inline MemoryPlan plan_memory(const Graph& graph, const SessionOptions& options) {
    require(options.threads >= 1 && options.threads <= 256, ErrorKind::argument,
            "Session: threads must be in [1, 256], got " + std::to_string(options.threads));
    require(options.max_batch >= 1, ErrorKind::argument,
            "Session: max_batch must be >= 1, got " + std::to_string(options.max_batch));
    require(options.band_bytes >= 1, ErrorKind::argument, "Session: band_bytes must be >= 1");
    MemoryPlan plan;
    const std::size_t count = graph.nodes().size();
    plan.nodes.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        NodeMemory& node = plan.nodes[i];
        const Shape in = graph.shape_before(i);
        std::visit(
            [&](const auto& layer) {
                node.band_rows = detail::band_rows_for(layer, in, graph.padding(), options);
                if constexpr (detail::is_inverted_residual<std::decay_t<decltype(layer)>>::value)
                    node.scratch = layer.scratch_floats(in, graph.padding(), node.band_rows, options.threads);
                else
                    node.scratch = layer.scratch_floats(in, graph.padding());
            },
            graph.nodes()[i].layer);
        node.scratch = align_floats(node.scratch);
        node.input = i == 0 ? 0 : align_floats(in.size());
        node.output = i + 1 == count ? 0 : align_floats(graph.shape_before(i + 1).size());
        plan.activation_floats = std::max(plan.activation_floats, node.live());
    }
    plan.logits_floats = align_floats(graph.output_shape().size() * static_cast<std::size_t>(options.max_batch));
    return plan;
}

}  // namespace mnet
