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
