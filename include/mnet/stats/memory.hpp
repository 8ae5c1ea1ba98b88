// Memory report: what each node of a Session's plan keeps alive (input, output,
// scratch), which inverted residuals run fused and in bands of how many rows, and
// the peak — the size of the Session's arena. Printed by `mnet-stats --memory`.
#pragma once

#include <cstdio>
#include <string>
#include <variant>

#include "mnet/models/graph.hpp"
#include "mnet/runtime/memory_plan.hpp"

namespace mnet::stats {

/// One line per node (bytes: its output, its scratch, and everything alive while it
/// runs), then the output region and exactly one line `peak_activation_bytes=<integer>`.
inline std::string format_memory_plan(const Graph& graph, const MemoryPlan& plan) {
    std::string out;
    char line[240];
    std::snprintf(line, sizeof line, "%-4s %-22s %-16s %-14s %-14s %10s %10s %10s %s\n", "#", "node", "type", "input",
                  "output", "out_bytes", "scratch", "live", "execution");
    out += line;
    for (std::size_t i = 0; i < plan.nodes.size(); ++i) {
        const NodeMemory& n = plan.nodes[i];
        const Node& node = graph.nodes()[i];
        const std::string type = std::visit([](const auto& l) { return l.type(); }, node.layer);
        const TensorPlan& t = plan.tensors[i + 1];
        std::string execution = n.band_rows > 0 ? "fused, bands of " + std::to_string(n.band_rows) + " rows"
                                : n.scratch > 0 ? "whole tensors"
                                                : "";
        if (t.alias_of >= 0) execution += (execution.empty() ? "" : ", ") + std::string("into its concatenation");
        std::snprintf(line, sizeof line, "%-4zu %-22s %-16s %-14s %-14s %10zu %10zu %10zu %s\n", i, node.name.c_str(),
                      type.c_str(), to_string(plan.tensors[static_cast<std::size_t>(node.inputs[0])].shape).c_str(),
                      to_string(t.shape).c_str(), t.bytes, n.scratch, plan.live_bytes(i), execution.c_str());
        out += line;
    }
    std::snprintf(line, sizeof line, "output region %zu bytes\npeak_activation_bytes=%zu\n", plan.output_region_bytes(),
                  plan.peak_activation_bytes());
    return out + line;
}

/// The same report for an integer session's plan (Session::precision() == integer): one
/// line per op it runs (its output's element type, shape and bytes, and everything alive
/// while it runs, the uint8 input included), then the output region and exactly one line
/// `peak_activation_bytes=<integer>`.
inline std::string format_integer_memory_plan(const MemoryPlan& plan) {
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "%-4s %-5s %-14s %10s %10s\n", "#", "type", "output", "out_bytes", "live");
    out += line;
    std::snprintf(line, sizeof line, "%-4s %-5s %-14s %10zu %10s\n", "in", to_string(plan.tensors[0].dtype),
                  to_string(plan.tensors[0].shape).c_str(), plan.tensors[0].bytes, "");
    out += line;
    for (std::size_t i = 0; i < plan.nodes.size(); ++i) {
        const TensorPlan& t = plan.tensors[i + 1];
        std::snprintf(line, sizeof line, "%-4zu %-5s %-14s %10zu %10zu\n", i, to_string(t.dtype), to_string(t.shape).c_str(),
                      t.bytes, plan.live_bytes(i));
        out += line;
    }
    std::snprintf(line, sizeof line, "output region %zu bytes (float logits)\npeak_activation_bytes=%zu\n",
                  plan.output_region_bytes(), plan.peak_activation_bytes());
    return out + line;
}

}  // namespace mnet::stats
