// profile_layers: where an inference's time goes, node by node. A Session with the
// caller's options (its plan, arena and threads; inverted residuals fused or not as
// the plan decides) runs `runs` times after one warm-up pass and times each node's
// forward(); each row gives the node's median time, multiply-adds and achieved GFLOP/s,
// and, given the Machine (roofline.hpp), its roofline time and how far above it the
// node runs. profile_integer_ops does the same for the ops of an integer session
// (quantized models). Used by `mnet-classify --profile` and `mnet-latency --layers`. Not part
// of <mnet/mnet.hpp>: include it where you profile.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/core/error.hpp"
#include "mnet/io/detail/tflite_codes.hpp"
#include "mnet/models/model.hpp"
#include "mnet/quant/program.hpp"
#include "mnet/runtime/roofline.hpp"
#include "mnet/runtime/session.hpp"

namespace mnet {

/// One graph node's share of an inference.
struct LayerProfile {
    std::string name;         ///< node name ("features.3")
    std::string types;        ///< its layers' complexity-row types, joined by '+' ("conv1x1+dwconv3x3s2+conv1x1")
    Shape in;                 ///< input activation (one image)
    Shape out;                ///< output activation
    std::uint64_t madds = 0;  ///< multiply-adds: the node's rows of stats::complexity
    double median_ms = 0;     ///< median time of one forward over the runs
    double min_ms = 0;        ///< fastest run
    int band_rows = 0;        ///< rows per band if the node is a fused inverted residual, else 0
    std::uint64_t weight_bytes = 0;      ///< fp32 weights the node reads (its layers' parameters × 4)
    std::uint64_t activation_bytes = 0;  ///< activations read + written: each layer's input and output,
                                         ///< or only the node's when it is a fused block (the rest stays in L1/L2)

    /// Achieved GFLOP/s at the median time (2 FLOPs per multiply-add).
    double gflops() const noexcept {
        return median_ms > 0 ? 2.0 * static_cast<double>(madds) / median_ms * 1e-6 : 0.0;
    }
};

namespace detail {

/// Runs `session` once to warm up (caches, page faults, pool start-up), then `runs`
/// times on a constant input, and stores each node's median and fastest time in `rows`
/// (one per memory_plan() node).
inline void time_rows(Session& session, int runs, std::vector<LayerProfile>& rows) {
    const std::size_t nodes = rows.size();
    const std::vector<float> input(session.input_size(), 0.5f);
    std::vector<std::vector<double>> ms(nodes, std::vector<double>(static_cast<std::size_t>(runs)));
    std::vector<double> pass(nodes);
    for (int r = -1; r < runs; ++r) {
        session.run_timed(input, pass);
        if (r >= 0)
            for (std::size_t i = 0; i < nodes; ++i) ms[i][static_cast<std::size_t>(r)] = pass[i];
    }
    for (std::size_t i = 0; i < nodes; ++i) {
        std::vector<double>& t = ms[i];
        std::sort(t.begin(), t.end());
        const std::size_t n = t.size();
        rows[i].median_ms = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
        rows[i].min_ms = t.front();
    }
}

}  // namespace detail

/// Times each node of `model`'s graph as a Session with `options` runs it (the same
/// plan and arena): one warm-up pass, then `runs` timed passes (runs ≥ 1) on a
/// constant input, every node's forward() timed alone. One row per graph node, in
/// execution order. Error(argument) for runs < 1 or options a Session refuses. The
/// sum of the medians is close to a Session's latency.
inline std::vector<LayerProfile> profile_layers(const Model& model, int runs, const SessionOptions& options) {
    if (runs < 1) detail::fail(ErrorKind::argument, {"profile_layers: runs must be >= 1, got ", runs});
    SessionOptions one = options;
    one.max_batch = 1;
    one.precision = Precision::float32;  // the nodes timed are the float graph's
    Session session(model, one);
    const Graph& graph = model.graph();
    const MemoryPlan& plan = session.memory_plan();
    const std::size_t nodes = graph.nodes().size();
    std::vector<LayerProfile> rows(nodes);
    std::vector<Shape> in;
    std::vector<Shape> shapes;
    for (const TensorPlan& t : plan.tensors) shapes.push_back(t.shape);
    for (std::size_t i = 0; i < nodes; ++i) {
        LayerProfile& row = rows[i];
        row.name = graph.nodes()[i].name;
        row.in = shapes[static_cast<std::size_t>(graph.nodes()[i].inputs[0])];
        row.out = shapes[i + 1];
        row.band_rows = plan.nodes[i].band_rows;
        std::vector<LayerStats> stats;
        const PlanArgs args = graph.plan_args(i, shapes, in);
        std::visit([&](const auto& layer) { layer.describe(args, stats); }, graph.nodes()[i].layer);
        const auto bytes = [](Shape sh) {
            return std::uint64_t{4} * static_cast<std::uint64_t>(sh.h) * static_cast<std::uint64_t>(sh.w) *
                   static_cast<std::uint64_t>(sh.c);
        };
        for (const LayerStats& s : stats) {
            row.madds += s.madds;
            row.weight_bytes += 4 * s.params;
            if (row.band_rows == 0) row.activation_bytes += bytes(s.in) + bytes(s.out);
            row.types += (row.types.empty() ? "" : "+") + s.type;
        }
        if (row.band_rows > 0) row.activation_bytes = bytes(row.in) + bytes(row.out);
    }
    detail::time_rows(session, runs, rows);
    return rows;
}

/// profile_layers with `threads` threads and the default SessionOptions otherwise.
inline std::vector<LayerProfile> profile_layers(const Model& model, int runs, int threads = 1) {
    return profile_layers(model, runs, SessionOptions{.threads = threads});
}

/// Times each op of a quantized model's integer program as an integer Session with
/// `options` runs it (Precision::integer; the ops the logits need, in execution order):
/// one warm-up pass, then `runs` timed passes. Rows as profile_layers', named after the
/// op's file and index ("op 12", or "f1.op 3" in a chained second file) with types
/// such as conv1x1, dwconv3x3s2, add, mean; MAdds count the convolutions and
/// FULLY_CONNECTED, weight_bytes their int8/uint8 weights and int32 biases,
/// activation_bytes each op's input and output. Error(argument) for runs < 1,
/// Error(unsupported) when the model has no integer program for these options.
inline std::vector<LayerProfile> profile_integer_ops(const Model& model, int runs, const SessionOptions& options) {
    if (runs < 1) detail::fail(ErrorKind::argument, {"profile_integer_ops: runs must be >= 1, got ", runs});
    SessionOptions one = options;
    one.max_batch = 1;
    one.precision = Precision::integer;
    Session session(model, one);
    const quant::Program& program = *model.integer_program();
    const auto shape_of = [&](int id) { return detail::image_shape(program.tensors[static_cast<std::size_t>(id)].shape); };
    std::vector<LayerProfile> rows;
    for (const std::size_t k : program.ops_for(program.logits)) {
        const quant::ProgramOp& op = program.ops[k];
        LayerProfile row;
        // Appended piece by piece: g++ 12's -Wrestrict misfires on "literal" + std::string.
        if (op.file > 0) (row.name = "f").append(std::to_string(op.file)).append(".");
        row.name.append("op ").append(std::to_string(op.index));
        row.out = shape_of(op.output);
        row.activation_bytes = program.tensors[static_cast<std::size_t>(op.output)].bytes;
        bool first = true;
        for (const int id : op.inputs) {
            if (id < 0) continue;
            const quant::Tensor& t = program.tensors[static_cast<std::size_t>(id)];
            if (t.constant) {
                row.weight_bytes += t.bytes;
            } else {
                row.activation_bytes += t.bytes;
                if (first) row.in = shape_of(id);
                first = false;
            }
        }
        const bool conv = op.code == io::tflite_codes::conv_2d, depthwise = op.code == io::tflite_codes::depthwise_conv_2d;
        if ((conv || depthwise) && op.inputs.size() >= 2) {
            const std::vector<int>& w = program.tensors[static_cast<std::size_t>(op.inputs[1])].shape;  // [o|1, kh, kw, i|o]
            const int stride = row.out.h > 0 ? (row.in.h + row.out.h - 1) / row.out.h : 1;
            row.types = depthwise ? "dwconv" : "conv";
            row.types += std::to_string(w[1]) + "x" + std::to_string(w[2]);
            if (w[1] != 1 || w[2] != 1) row.types.append("s").append(std::to_string(stride));
            row.madds = static_cast<std::uint64_t>(row.out.size()) * static_cast<std::uint64_t>(w[1]) *
                        static_cast<std::uint64_t>(w[2]) * static_cast<std::uint64_t>(depthwise ? 1 : w[3]);
        } else if (op.code == io::tflite_codes::fully_connected && op.inputs.size() >= 2) {
            row.types = "fc";
            row.madds = program.tensors[static_cast<std::size_t>(op.inputs[1])].numel();
        } else {
            row.types = io::tflite_codes::op_name(op.code);
            std::transform(row.types.begin(), row.types.end(), row.types.begin(),
                           [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        }
        rows.push_back(std::move(row));
    }
    detail::time_rows(session, runs, rows);
    return rows;
}

/// The table mnet-classify --profile and mnet-latency --layers print: per node its
/// name, layer types, input -> output shape, median ms, GFLOP/s and share of the
/// total; then a line `total <ms> ms <GFLOP/s> GFLOP/s` (sum of the medians). With a
/// `machine` (measure_machine()) and the profile's `threads`, four more columns: % of
/// the FMA peak, the roofline time (roofline()), time / roofline and where the
/// activations live (L2 or L3; weights always come from L3), and a roofline total.
/// `rate` names the rate column: integer profiles pass "GOP/s" and no machine (the
/// roofline is the float one).
inline std::string format_profile(const std::vector<LayerProfile>& rows, const Machine* machine = nullptr,
                                  int threads = 1, const char* rate = "GFLOP/s") {
    double total_ms = 0, total_roof = 0;
    std::uint64_t total_madds = 0;
    for (const LayerProfile& r : rows) {
        total_ms += r.median_ms;
        total_madds += r.madds;
    }
    std::string out;
    char line[320];
    std::snprintf(line, sizeof line, "%-14s %-52s %-12s    %-12s %10s %8s %7s", "node", "layers", "input", "output",
                  "median_ms", rate, "share");
    out += line;
    out += machine ? "  %peak  roof_ms t/roof act\n" : "\n";
    const double peak = machine ? machine->peak_gflops * std::max(1, threads) : 0;
    for (const LayerProfile& r : rows) {
        const std::string layers = r.band_rows > 0 ? r.types + " (fused, " + std::to_string(r.band_rows) + "-row bands)" : r.types;
        std::snprintf(line, sizeof line, "%-14s %-52s %-12s -> %-12s %10.3f %8.1f %6.1f%%", r.name.c_str(),
                      layers.c_str(), to_string(r.in).c_str(), to_string(r.out).c_str(), r.median_ms, r.gflops(),
                      total_ms > 0 ? 100.0 * r.median_ms / total_ms : 0.0);
        out += line;
        if (machine) {
            const Roofline roof = roofline(*machine, threads, 2.0 * static_cast<double>(r.madds),
                                           static_cast<double>(r.weight_bytes), static_cast<double>(r.activation_bytes));
            total_roof += roof.ms();
            std::snprintf(line, sizeof line, " %6.1f%% %8.3f %6.2f %s%s\n", peak > 0 ? 100.0 * r.gflops() / peak : 0.0,
                          roof.ms(), roof.ms() > 0 ? r.median_ms / roof.ms() : 0.0,
                          roof.activations_in_l2 ? "L2" : "L3", roof.memory_ms > roof.compute_ms ? " mem" : "");
            out += line;
        } else {
            out += "\n";
        }
    }
    const double gflops = total_ms > 0 ? 2.0 * static_cast<double>(total_madds) / total_ms * 1e-6 : 0.0;
    std::snprintf(line, sizeof line, "total %.3f ms %.1f %s (%zu nodes, %llu MAdds)\n", total_ms, gflops, rate,
                  rows.size(), static_cast<unsigned long long>(total_madds));
    out += line;
    if (machine) {
        std::snprintf(line, sizeof line,
                      "roofline %.3f ms (time/roofline %.2f); machine per core: FMA peak %.1f GFLOP/s, read L2 %.0f GB/s, "
                      "L3 %.0f GB/s, L2 %zu KiB, %d thread(s)\n",
                      total_roof, total_roof > 0 ? total_ms / total_roof : 0.0, machine->peak_gflops, machine->l2_gbps,
                      machine->l3_gbps, machine->l2_bytes / 1024, std::max(1, threads));
        out += line;
    }
    return out;
}

}  // namespace mnet
