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

/// One line per node (bytes), then exactly one line `peak_activation_bytes=<integer>`.
inline std::string format_memory_plan(const Graph& graph, const MemoryPlan& plan) {
    std::string out;
    char line[200];
    std::snprintf(line, sizeof line, "%-4s %-14s %-14s %-14s %-14s %10s %10s %10s %10s %s\n", "#", "node", "type",
                  "input", "output", "in_bytes", "out_bytes", "scratch", "live", "execution");
    out += line;
    for (std::size_t i = 0; i < plan.nodes.size(); ++i) {
        const NodeMemory& n = plan.nodes[i];
        const std::string type = std::visit([](const auto& l) { return l.type(); }, graph.nodes()[i].layer);
        const bool block = std::visit([](const auto& l) { return detail::is_inverted_residual<std::decay_t<decltype(l)>>::value; },
                                      graph.nodes()[i].layer);
        const std::string execution =
            n.band_rows > 0 ? "fused, bands of " + std::to_string(n.band_rows) + " rows" : block ? "unfused" : "";
        std::snprintf(line, sizeof line, "%-4zu %-14s %-14s %-14s %-14s %10zu %10zu %10zu %10zu %s\n", i,
                      graph.nodes()[i].name.c_str(), type.c_str(), to_string(graph.shape_before(i)).c_str(),
                      to_string(graph.shape_before(i + 1)).c_str(), n.input * sizeof(float), n.output * sizeof(float),
                      n.scratch * sizeof(float), n.live() * sizeof(float), execution.c_str());
        out += line;
    }
    std::snprintf(line, sizeof line, "logits region %zu bytes\npeak_activation_bytes=%zu\n",
                  plan.logits_floats * sizeof(float), plan.peak_activation_bytes());
    return out + line;
}

}  // namespace mnet::stats
