// The static memory plan of a Session for one input size: every tensor's shape,
// element type and place, every node's scratch, and how each node runs (inverted
// residuals fused in row bands or not). Liveness as TFLite's arena planner does it:
// a tensor lives from the node that writes it to the last node that reads it, a
// node's scratch only while it runs, and two buffers share bytes only when their
// lives do not overlap (greedy by size: largest first, each at the lowest offset
// free for its whole life). A concatenation's inputs are placed in its channel
// slices when their producers can write strided rows, so it copies nothing. The
// graph input is the caller's buffer and the graph output a region of its own
// (max_batch results); the arena is exactly arena_bytes + output region, the peak
// activation memory (`mnet-stats --memory` prints it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/core/tensor.hpp"
#include "mnet/models/graph.hpp"
#include "mnet/transfer/features.hpp"

namespace mnet {

/// What Session::run returns per image.
enum class SessionOutput {
    logits,         ///< the model's output: logits (the head's, if the model has one) or segmentation logits
    features,       ///< the pooled features before the classifier (transfer/features.hpp)
    unit_features,  ///< the same, L2-normalised
};

/// The arithmetic a Session runs a model in.
enum class Precision {
    /// integer for a quantized .tflite model (as TensorFlow Lite runs it) when the session's
    /// options allow it (logits output, native input size, no head), else float32
    automatic,
    /// TFLite's integer kernels, bit-exact with its reference kernels (quant/README.md):
    /// uint8/int8 activations; Error(unsupported) for a float model or options it cannot honour
    integer,
    /// float activations (a quantized model's weights dequantized at load)
    float32,
};

/// "automatic", "integer" or "float32".
constexpr const char* to_string(Precision p) noexcept {
    switch (p) {
        case Precision::automatic: return "automatic";
        case Precision::integer: return "integer";
        case Precision::float32: return "float32";
    }
    return "?";
}

/// How a Session runs: threads, batch, input size, and how inverted residuals execute.
struct SessionOptions {
    int threads = 1;    ///< worker threads (1 = run inline on the caller's thread)
    int max_batch = 1;  ///< largest N that `run` accepts
    /// Input height and width to plan for (0: the model's native resolution). MobileNets
    /// are fully convolutional up to the global pool, so any size ≥ 32 classifies.
    int input_height = 0;
    int input_width = 0;  ///< see input_height
    /// Run inverted residuals in row bands so the expanded tensor never exists
    /// (MobileNetV2 §5.1); false runs every block on whole tensors (for comparison).
    bool fuse_blocks = true;
    /// Band buffers per thread of a fused block: rows per band are the most that fit.
    /// The default (tuned on Zen4, README "Fused inverted residuals") keeps a band in L2.
    std::size_t band_bytes = std::size_t{64} * 1024;
    /// Logits, or the pooled features before the classifier (a model with a head runs to
    /// its features for logits too).
    SessionOutput output = SessionOutput::logits;
    /// Integer or float execution; by default a quantized model runs in integers.
    Precision precision = Precision::automatic;
};

/// Where one tensor lives.
struct TensorPlan {
    Shape shape;                   ///< h × w × c of one image
    DType dtype = DType::f32;      ///< element type
    std::size_t bytes = 0;         ///< its own bytes, aligned (0 for an alias or the graph input)
    std::size_t offset = 0;        ///< bytes from the arena start (of the output region for the output)
    std::size_t pixel_stride = 0;  ///< elements between pixels (wider inside a concatenation)
    int first = 0;                 ///< node that writes it (-1: the graph input)
    int last = 0;                  ///< last node that reads it
    int alias_of = -1;             ///< the concatenation tensor it is a slice of, or -1
    std::size_t channel_offset = 0;  ///< its first channel in that concatenation
    bool external = false;         ///< the caller's input, or the output region
};

/// What one node needs and how it runs.
struct NodeMemory {
    LayerPlan layer;               ///< the layer's own plan (output, scratch, bands)
    std::size_t scratch_offset = 0;  ///< bytes from the arena start
    std::size_t scratch = 0;       ///< scratch bytes (aligned)
    int band_rows = 0;             ///< output rows per band of a fused inverted residual, else 0
};

/// A Session's plan: tensors (id 0 = input, i + 1 = node i's output), nodes, sizes.
struct MemoryPlan {
    Shape input;                       ///< the input it was made for
    std::vector<TensorPlan> tensors;   ///< one per tensor id
    std::vector<NodeMemory> nodes;     ///< one per node a run executes (all, or up to the features)
    std::size_t arena_bytes = 0;       ///< activations and scratch
    std::size_t output_bytes = 0;      ///< one image's output (images lie back to back)
    int max_batch = 1;                 ///< images the output region holds

    /// Bytes of the output region (max_batch results).
    std::size_t output_region_bytes() const noexcept {
        return align_bytes(output_bytes * static_cast<std::size_t>(max_batch));
    }
    /// The peak activation memory of a session: its whole arena, in bytes.
    std::size_t peak_activation_bytes() const noexcept { return arena_bytes + output_region_bytes(); }
    /// The graph output's shape.
    Shape output() const noexcept { return tensors.back().shape; }
    /// Bytes of arena tensors and scratch alive while node i runs.
    std::size_t live_bytes(std::size_t i) const noexcept {
        std::size_t live = nodes[i].scratch;
        for (const TensorPlan& t : tensors)
            if (!t.external && t.alias_of < 0 && t.first <= static_cast<int>(i) && static_cast<int>(i) <= t.last)
                live += t.bytes;
        return live;
    }
};

namespace detail {

/// One buffer to place: bytes and the node range it lives over.
struct Interval {
    std::size_t bytes;
    int first, last;
    std::size_t* offset;  // where the chosen offset goes
};

/// Greedy by size: largest first, each at the lowest offset that no placed buffer with
/// an overlapping life uses. Returns the arena size.
inline std::size_t place(std::vector<Interval> items) {
    std::stable_sort(items.begin(), items.end(), [](const Interval& a, const Interval& b) { return a.bytes > b.bytes; });
    std::vector<const Interval*> placed;
    std::size_t size = 0;
    for (Interval& item : items) {
        std::vector<std::pair<std::size_t, std::size_t>> busy;  // [begin, end) of overlapping lives
        for (const Interval* p : placed)
            if (p->first <= item.last && item.first <= p->last) busy.emplace_back(*p->offset, *p->offset + p->bytes);
        std::sort(busy.begin(), busy.end());
        std::size_t at = 0;
        for (const auto& [b, e] : busy) {
            if (at + item.bytes <= b) break;
            at = std::max(at, e);
        }
        *item.offset = at;
        placed.push_back(&item);
        size = std::max(size, at + item.bytes);
    }
    return size;
}

}  // namespace detail

/// The plan a Session with `options` uses for `graph` (at options' input size, else the
/// native one); Error(argument) on bad options, Error(shape) on a size the graph cannot take.
inline MemoryPlan plan_memory(const Graph& graph, const SessionOptions& options) {
    if (options.threads < 1 || options.threads > 256)
        detail::fail(ErrorKind::argument, {"Session: threads must be in [1, 256], got ", options.threads});
    if (options.max_batch < 1)
        detail::fail(ErrorKind::argument, {"Session: max_batch must be >= 1, got ", options.max_batch});
    if (options.band_bytes < 1) detail::fail(ErrorKind::argument, {"Session: band_bytes must be >= 1"});
    Shape input = graph.input_shape();
    if (options.input_height || options.input_width) {
        if (options.input_height < 1 || options.input_width < 1 || options.input_height > 8192 ||
            options.input_width > 8192)
            detail::fail(ErrorKind::argument, {"Session: input size must be in [1, 8192], got ", options.input_height,
                                               "x", options.input_width});
        input = {options.input_height, options.input_width, input.c};
    }

    const std::vector<Node>& nodes = graph.nodes();
    const std::size_t count = options.output == SessionOutput::logits ? nodes.size() : feature_node_count(graph);
    MemoryPlan plan;
    plan.input = input;
    plan.max_batch = options.max_batch;
    plan.nodes.resize(count);
    plan.tensors.resize(count + 1);
    plan.tensors[0] = {input, DType::f32, 0, 0, static_cast<std::size_t>(input.c), -1, -1, -1, 0, true};

    std::vector<Shape> shapes{input}, in;
    for (std::size_t i = 0; i < count; ++i) {
        PlanArgs args = graph.plan_args(i, shapes, in);
        args.threads = options.threads;
        args.fuse_blocks = options.fuse_blocks;
        args.band_bytes = options.band_bytes;
        NodeMemory& node = plan.nodes[i];
        node.layer = std::visit([&](const auto& l) { return l.plan(args); }, nodes[i].layer);
        node.band_rows = node.layer.band_rows;
        node.scratch = align_bytes(node.layer.scratch_bytes);
        const Shape out = node.layer.output;
        shapes.push_back(out);
        TensorPlan& t = plan.tensors[i + 1];
        t.shape = out;
        t.dtype = node.layer.dtype;
        t.bytes = align_bytes(out.size() * size_of(t.dtype));
        t.pixel_stride = static_cast<std::size_t>(out.c);
        t.first = t.last = static_cast<int>(i);
        for (int r : nodes[i].inputs) plan.tensors[static_cast<std::size_t>(r)].last = static_cast<int>(i);
    }
    TensorPlan& output = plan.tensors.back();
    output.external = true;
    plan.output_bytes = output.shape.size() * size_of(output.dtype);

    // Concatenations: an input written by a node that can write strided rows, read by
    // nothing else, goes straight into its slice (its life joins the concatenation's).
    std::vector<int> readers(count + 1, 0);
    for (const Node& n : nodes)
        for (int r : n.inputs) ++readers[static_cast<std::size_t>(r)];
    for (std::size_t i = 0; i < count; ++i) {
        if (!plan.nodes[i].layer.concatenates) continue;
        TensorPlan& joined = plan.tensors[i + 1];
        std::size_t channel = 0;
        for (int r : nodes[i].inputs) {
            TensorPlan& part = plan.tensors[static_cast<std::size_t>(r)];
            const LayerPlan* producer = r > 0 ? &plan.nodes[static_cast<std::size_t>(r - 1)].layer : nullptr;
            const bool own = producer && producer->strided_output && readers[static_cast<std::size_t>(r)] == 1 &&
                             !part.external && part.alias_of < 0 && part.dtype == joined.dtype;
            if (own) {
                part.alias_of = static_cast<int>(i + 1);
                part.channel_offset = channel;
                part.pixel_stride = static_cast<std::size_t>(joined.shape.c);
                part.bytes = 0;
                joined.first = std::min(joined.first, part.first);
            }
            channel += static_cast<std::size_t>(part.shape.c);
        }
    }

    std::vector<detail::Interval> items;
    for (TensorPlan& t : plan.tensors)
        if (!t.external && t.alias_of < 0) items.push_back({t.bytes, t.first, std::max(t.first, t.last), &t.offset});
    for (std::size_t i = 0; i < count; ++i)
        if (plan.nodes[i].scratch)
            items.push_back({plan.nodes[i].scratch, static_cast<int>(i), static_cast<int>(i), &plan.nodes[i].scratch_offset});
    plan.arena_bytes = detail::place(std::move(items));
    for (TensorPlan& t : plan.tensors)
        if (t.alias_of >= 0) {
            const TensorPlan& joined = plan.tensors[static_cast<std::size_t>(t.alias_of)];
            t.offset = joined.offset + t.channel_offset * size_of(t.dtype);
            t.external = joined.external;
        }
    return plan;
}

}  // namespace mnet
