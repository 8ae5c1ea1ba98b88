// profile_layers (runtime/profile.hpp): one row per graph node with its shapes,
// layer types and multiply-adds (summing to the complexity report), positive
// times, with 1 and 2 threads, fused blocks as a Session runs them; and the table
// mnet-classify --profile prints.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/mnet.hpp"
#include "mnet/runtime/profile.hpp"
#include "support/random_model.hpp"

using namespace mnet;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("profile_layers: one row per node, MAdds add up to the complexity report, times positive", "[profile]") {
    const auto arch = GENERATE(Arch::mobilenet_v1, Arch::mobilenet_v2);
    const int threads = GENERATE(1, 2);
    ModelInfo info;
    info.arch = arch;
    info.width = 0.5f;
    info.resolution = 96;
    info.num_classes = 10;
    const Model model = test::random_model(info);
    const Graph& graph = model.graph();
    CAPTURE(to_string(arch), threads);

    const std::vector<LayerProfile> rows = profile_layers(model, 3, threads);
    REQUIRE(rows.size() == graph.nodes().size());
    std::uint64_t madds = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(i);
        CHECK(rows[i].name == graph.nodes()[i].name);
        CHECK(rows[i].in == graph.shape_before(i));
        CHECK(rows[i].out == graph.shape_before(i + 1));
        CHECK_FALSE(rows[i].types.empty());
        CHECK(rows[i].median_ms > 0);
        CHECK(rows[i].min_ms > 0);
        CHECK(rows[i].min_ms <= rows[i].median_ms);
        if (rows[i].madds > 0) CHECK(rows[i].gflops() > 0);
        madds += rows[i].madds;
    }
    CHECK(madds == stats::complexity(graph).madds);
    CHECK(rows.front().types == "conv3x3s2");
    if (arch == Arch::mobilenet_v2) {
        CHECK_THAT(rows[2].types, Contains("+"));  // a block: expand+dw+project
        // blocks run as the Session runs them: fused where its memory plan fuses them
        const MemoryPlan plan = plan_memory(graph, {.threads = threads});
        for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].band_rows == plan.nodes[i].band_rows);
        CHECK(rows[1].band_rows > 0);
        const auto unfused = profile_layers(model, 1, SessionOptions{.threads = threads, .fuse_blocks = false});
        CHECK(std::all_of(unfused.begin(), unfused.end(), [](const LayerProfile& r) { return r.band_rows == 0; }));
    }

    const std::string table = format_profile(rows);
    CHECK_THAT(table, StartsWith("node "));
    CHECK_THAT(table, Contains(rows.back().name));
    CHECK_THAT(table, Contains("total "));
    CHECK_THAT(table, Contains(std::to_string(madds) + " MAdds"));
    CHECK_THAT(table, !Contains("roof_ms"));

    // The roofline columns: a node's bytes are its weights and the activations it moves.
    for (const LayerProfile& r : rows) CHECK(r.activation_bytes >= 4u * (r.in.h * r.in.w * r.in.c + r.out.h * r.out.w * r.out.c));
    CHECK(rows.back().weight_bytes == 4u * (static_cast<std::uint64_t>(rows.back().in.c) + 1) * 10);  // FC K×N + bias
    const Machine machine{.peak_gflops = 100, .l2_gbps = 200, .l3_gbps = 50, .l2_bytes = 1 << 20, .l3_bytes = 32 << 20};
    const std::string roof = format_profile(rows, &machine, threads);
    CHECK_THAT(roof, Contains("roof_ms t/roof"));
    CHECK_THAT(roof, Contains("roofline "));
}

TEST_CASE("roofline: the larger of compute and memory time, activations from L2 when they fit", "[profile]") {
    const Machine m{.peak_gflops = 100, .l2_gbps = 200, .l3_gbps = 50, .l2_bytes = 1 << 20, .l3_bytes = 32 << 20};
    // 1 GFLOP at 100 GFLOP/s = 10 ms; 1 MB of weights from L3 at 50 GB/s = 0.02 ms.
    Roofline r = roofline(m, 1, 1e9, 1e6, 0);
    CHECK(r.compute_ms == Approx(10.0));
    CHECK(r.memory_ms == Approx(0.02));
    CHECK(r.ms() == Approx(10.0));
    // 4 MB of weights + 0.5 MB of activations (in L2): 0.08 + 0.0025 ms.
    r = roofline(m, 1, 1e6, 4e6, 5e5);
    CHECK(r.activations_in_l2);
    CHECK(r.ms() == Approx(0.0825));
    // 1.5 MB of activations spill one core's L2, not two cores'.
    CHECK_FALSE(roofline(m, 1, 0, 0, 1.5e6).activations_in_l2);
    const Roofline two = roofline(m, 2, 1e9, 0, 1.5e6);
    CHECK(two.activations_in_l2);
    CHECK(two.compute_ms == Approx(5.0));
}

TEST_CASE("measure_machine: a positive peak and bandwidths, L2 faster than L3", "[profile]") {
    const Machine m = measure_machine();
    CHECK(m.peak_gflops > 0);
    CHECK(m.l2_gbps > 0);
    CHECK(m.l3_gbps > 0);
    CHECK(m.l2_bytes > 0);
}

TEST_CASE("profile_layers: runs and threads must be positive", "[profile]") {
    ModelInfo info;
    info.width = 0.35f;
    info.resolution = 32;
    info.num_classes = 4;
    const Model model = test::random_model(info);
    CHECK_THROWS_AS(profile_layers(model, 0), Error);
    CHECK_THROWS_AS(profile_layers(model, 1, 0), Error);
}
