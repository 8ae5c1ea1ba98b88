// Graph construction: channel rounding, block structure, weight naming.
#include <catch2/catch.hpp>

#include <variant>

#include "mnet/mnet.hpp"

using namespace mnet;

TEST_CASE("MobileNetV2::make_divisible matches the reference rounding", "[model][v2][rounding]") {
    CHECK(MobileNetV2::make_divisible(32 * 1.0) == 32);
    CHECK(MobileNetV2::make_divisible(32 * 0.35) == 16);   // 11.2 → 8 < 90 % → 16
    CHECK(MobileNetV2::make_divisible(16 * 0.35) == 8);    // 5.6 → floor to the divisor minimum
    CHECK(MobileNetV2::make_divisible(24 * 0.75) == 24);   // 18 → 16 < 16.2 → 24
    CHECK(MobileNetV2::make_divisible(96 * 0.75) == 72);
    CHECK(MobileNetV2::make_divisible(160 * 1.4) == 224);
    CHECK(MobileNetV2::make_divisible(24 * 1.4) == 32);    // 33.6 → 32 ≥ 30.24
    CHECK(MobileNetV2::make_divisible(20) == 24);           // ties round up: int(20 + 4) // 8 · 8
    CHECK(MobileNetV2::last_channels(0.5f) == 1280);
    CHECK(MobileNetV2::last_channels(1.0f) == 1280);
    CHECK(MobileNetV2::last_channels(1.4f) == 1792);
    STATIC_REQUIRE(MobileNetV2::make_divisible(32 * 0.5) == 16);
}

TEST_CASE("MobileNetV1::channels truncates like TF-slim, with a minimum of 8", "[model][v1][rounding]") {
    CHECK(MobileNetV1::channels(32, 0.75f) == 24);
    CHECK(MobileNetV1::channels(1024, 0.75f) == 768);
    CHECK(MobileNetV1::channels(32, 0.25f) == 8);
    CHECK(MobileNetV1::channels(64, 0.1f) == 8);
    CHECK(MobileNetV1::channels(100, 0.33f) == 33);  // 33.0: truncation, not rounding
}

TEST_CASE("MobileNetV2 1.0-224: 17 bottlenecks, residuals where shapes allow", "[model][v2]") {
    const Graph g = MobileNetV2::build({1.0f, 224, 1001, Padding::tf_same});
    REQUIRE(g.nodes().size() == 1 + 17 + 1 + 2);
    int residuals = 0, stride2 = 0;
    for (const Node& n : g.nodes()) {
        if (const auto* b = std::get_if<InvertedResidual<Stride<1>>>(&n.layer)) residuals += b->has_residual();
        if (std::holds_alternative<InvertedResidual<Stride<2>>>(n.layer)) ++stride2;
    }
    CHECK(residuals == 10);  // (2-1) + (3-1) + (4-1) + (3-1) + (3-1): repeats after the first of each stage
    CHECK(stride2 == 4);
    CHECK(g.shape_before(1) == Shape{112, 112, 32});
    CHECK(g.shape_before(18) == Shape{7, 7, 320});
    CHECK(g.output_shape() == Shape{1, 1, 1001});
    const auto& first = std::get<InvertedResidual<Stride<1>>>(g.nodes()[1].layer);
    CHECK_FALSE(first.has_expand());  // t = 1
}

TEST_CASE("MobileNetV2: weight slots follow torchvision's state dict", "[model][v2][naming]") {
    Graph g = MobileNetV2::build({1.0f, 224, 1000, Padding::symmetric});
    const auto slots = g.weight_slots();
    REQUIRE(slots.size() == 1 + 2 + 16 * 3 + 1 + 1);
    CHECK(slots[0].weight == "features.0.0");
    CHECK(slots[0].batchnorm == "features.0.1");
    CHECK(slots[1].weight == "features.1.conv.0.0");
    CHECK(slots[1].depthwise);
    CHECK(slots[2].weight == "features.1.conv.1");
    CHECK(slots[2].batchnorm == "features.1.conv.2");
    CHECK(slots[3].weight == "features.2.conv.0.0");
    CHECK(slots[5].weight == "features.2.conv.2");
    CHECK(slots[5].batchnorm == "features.2.conv.3");
    CHECK(slots[slots.size() - 2].weight == "features.18.0");
    CHECK(slots.back().weight == "classifier.1");
    CHECK(slots.back().fully_connected);
    CHECK(slots.back().oihw == std::array<int, 4>{1000, 1280, 1, 1});
}

TEST_CASE("MobileNetV1 0.25-128: 13 separable pairs, TF-slim channels", "[model][v1]") {
    Graph g = MobileNetV1::build({0.25f, 128, 1001, Padding::tf_same});
    REQUIRE(g.nodes().size() == 1 + 26 + 2);
    CHECK(g.shape_before(1) == Shape{64, 64, 8});
    CHECK(g.shape_before(27) == Shape{4, 4, 256});
    const auto slots = g.weight_slots();
    REQUIRE(slots.size() == 1 + 26 + 1);
    CHECK(slots[1].weight == "features.1.0");
    CHECK(slots[2].weight == "features.1.3");
    CHECK(slots[2].batchnorm == "features.1.4");
    CHECK(slots[26].oihw == std::array<int, 4>{256, 256, 1, 1});
}

TEST_CASE("Graphs reject invalid configurations", "[model]") {
    CHECK_THROWS_AS(MobileNetV2::build({0.0f, 224, 1001, Padding::tf_same}), Error);
    CHECK_THROWS_AS(MobileNetV1::build({1.0f, 0, 1001, Padding::tf_same}), Error);
}

TEST_CASE("weight_count equals the weights of the graph's slots, without building it", "[model][weight_count]") {
    // Loaders refuse a graph needing more values than a file holds before allocating it,
    // so this count must be exact for every configuration, not an estimate.
    for (Arch arch : {Arch::mobilenet_v1, Arch::mobilenet_v2})
        for (float width : {0.05f, 0.25f, 0.35f, 0.5f, 0.75f, 1.0f, 1.3f, 1.4f, 2.0f})
            for (int classes : {1, 10, 1001}) {
                ModelInfo info;
                info.arch = arch;
                info.width = width;
                info.num_classes = classes;
                info.resolution = 32;
                CAPTURE(to_string(arch), width, classes);
                Graph graph = build_graph(info);
                std::uint64_t slots = 0;
                for (const WeightSlot& slot : graph.weight_slots()) slots += slot.weight_count();
                CHECK(weight_count(info) == slots);
            }
}
