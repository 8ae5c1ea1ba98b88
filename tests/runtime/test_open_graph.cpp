// The open graph: Sessions planned per input size (MobileNets at any size, reshape
// without touching weights), tensors that live until their last reader, branches and
// a concatenation whose producers write straight into its channel slices.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/mnet.hpp"
#include "support/counting_allocator.hpp"
#include "support/data.hpp"
#include "support/random_model.hpp"

using namespace mnet;

namespace {

/// No two arena buffers (tensors that are not slices, and scratch) whose lives overlap
/// share a byte, and everything fits the arena.
void check_plan_is_sound(const MemoryPlan& plan) {
    struct Buffer {
        std::size_t begin, end;
        int first, last;
    };
    std::vector<Buffer> buffers;
    for (const TensorPlan& t : plan.tensors)
        if (!t.external && t.alias_of < 0) buffers.push_back({t.offset, t.offset + t.bytes, t.first, t.last});
    for (std::size_t i = 0; i < plan.nodes.size(); ++i)
        if (plan.nodes[i].scratch)
            buffers.push_back({plan.nodes[i].scratch_offset, plan.nodes[i].scratch_offset + plan.nodes[i].scratch,
                               static_cast<int>(i), static_cast<int>(i)});
    for (std::size_t a = 0; a < buffers.size(); ++a) {
        CHECK(buffers[a].end <= plan.arena_bytes);
        for (std::size_t b = a + 1; b < buffers.size(); ++b) {
            const bool lives_overlap = buffers[a].first <= buffers[b].last && buffers[b].first <= buffers[a].last;
            const bool bytes_overlap = buffers[a].begin < buffers[b].end && buffers[b].begin < buffers[a].end;
            CHECK_FALSE((lives_overlap && bytes_overlap));
        }
    }
    // every tensor lives until its last reader
    for (std::size_t t = 0; t < plan.tensors.size(); ++t) CHECK(plan.tensors[t].last >= plan.tensors[t].first);
}

ModelInfo deeplab_info(float width, int resolution, int output_stride = 16) {
    ModelInfo info;
    info.arch = Arch::deeplab_v3;
    info.width = width;
    info.resolution = resolution;
    info.num_classes = 21;
    info.output_stride = output_stride;
    info.preprocess = Preprocess::deeplab;
    return info;
}

}  // namespace

TEST_CASE("open graph: V2 1.0 classifies at 160, 257 and 320 (reference@R)", "[reference][v2][graph]") {
    const Model model = load(test::data_file("weights/mobilenet_v2_1.0_224.safetensors"));
    const int threads = GENERATE(1, 2);
    for (const int r : {160, 257, 320}) {
        CAPTURE(r, threads);
        const std::string dir = "reference/v2_1.0_224_float@" + std::to_string(r) + "/";
        Session direct(model, {.threads = threads, .input_height = r, .input_width = r});
        Session reshaped(model, {.threads = threads});
        reshaped.reshape(r, r);
        REQUIRE(direct.input_shape() == Shape{r, r, 3});
        REQUIRE(reshaped.memory_plan().arena_bytes == direct.memory_plan().arena_bytes);
        float worst = 0;
        for (const std::string& image : test::reference_images()) {
            CAPTURE(image);
            const auto input = test::read_f32(test::data_file(dir + image + ".input.f32"));
            const auto expected = test::read_f32(test::data_file(dir + image + ".logits.f32"));
            REQUIRE(input.size() == direct.input_size());
            worst = std::max(worst, test::check_against_reference(direct.run(input), expected));
            const auto again = reshaped.run(input);
            const auto first = direct.run(input);
            CHECK(std::equal(again.begin(), again.end(), first.begin()));
        }
        WARN("v2_1.0_224_float@" << r << " max |logit - reference| = " << worst << " (threads " << threads << ")");
    }
}

TEST_CASE("open graph: a Session refuses sizes a model cannot take", "[runtime][graph]") {
    const Model model = test::random_model(ModelInfo{});
    CHECK_THROWS_AS(Session(model, {.input_height = 0, .input_width = 5}), Error);
    CHECK_THROWS_AS(Session(model, {.input_height = 9000, .input_width = 9000}), Error);
    Session session(model);
    CHECK_THROWS_AS(session.reshape(-1, 3), Error);
    CHECK(session.input_shape() == Shape{224, 224, 3});  // a failed reshape keeps the old plan
    session.reshape(33, 47);  // non-square works too
    CHECK(session.input_shape() == Shape{33, 47, 3});
    CHECK(session.output_size() == 1001);
    const auto input = test::random_input(session.input_size());
    CHECK(session.run(input).size() == 1001);
}

TEST_CASE("memory plan: lives end at the last reader, buffers never collide", "[runtime][memory][graph]") {
    ModelInfo v1;
    v1.arch = Arch::mobilenet_v1;
    v1.width = 0.5f;
    v1.resolution = 160;
    for (const ModelInfo& info : {ModelInfo{}, v1, deeplab_info(0.5f, 129), deeplab_info(1.0f, 65, 8)}) {
        const Graph graph = build_graph(info);
        for (const SessionOptions options : {SessionOptions{}, SessionOptions{.threads = 2},
                                             SessionOptions{.fuse_blocks = false}, SessionOptions{.max_batch = 3}}) {
            CAPTURE(to_string(info.arch), info.width, options.threads, options.fuse_blocks, options.max_batch);
            const MemoryPlan plan = plan_memory(graph, options);
            check_plan_is_sound(plan);
            for (std::size_t i = 0; i < graph.nodes().size(); ++i)
                for (int r : graph.nodes()[i].inputs) CHECK(plan.tensors[static_cast<std::size_t>(r)].last >= static_cast<int>(i));
        }
    }
}

TEST_CASE("memory plan: DeepLab's branches write into the concatenation", "[runtime][memory][graph]") {
    const Graph graph = build_graph(deeplab_info(1.0f, 513));
    const MemoryPlan plan = plan_memory(graph, {});
    std::size_t concat = 0;
    for (std::size_t i = 0; i < graph.nodes().size(); ++i)
        if (std::holds_alternative<Concat>(graph.nodes()[i].layer)) concat = i;
    REQUIRE(concat > 0);
    const TensorPlan& joined = plan.tensors[concat + 1];
    CHECK(joined.shape == Shape{33, 33, 512});
    std::size_t channel = 0;
    for (int r : graph.nodes()[concat].inputs) {
        const TensorPlan& part = plan.tensors[static_cast<std::size_t>(r)];
        CHECK(part.alias_of == static_cast<int>(concat + 1));
        CHECK(part.channel_offset == channel);
        CHECK(part.pixel_stride == 512);
        CHECK(part.offset == joined.offset + channel * sizeof(float));
        channel += static_cast<std::size_t>(part.shape.c);
    }
    // the backbone output is read by the 1x1 branch and the pool: alive until both ran
    const int backbone = graph.nodes()[concat].inputs[1] - 1;  // aspp0's node reads the backbone output
    CHECK(plan.tensors[static_cast<std::size_t>(graph.nodes()[static_cast<std::size_t>(backbone)].inputs[0])].last > backbone);
}

TEST_CASE("concat: zero-copy slices give the same bits as copying", "[runtime][graph]") {
    // input → a = conv(input), b = conv(input) → concat(a, b) → conv; and the same with
    // `a` also read by the last node (so it cannot live in the slice and is copied).
    for (const bool shared_branch : {false, true}) {
        CAPTURE(shared_branch);
        auto make = [&] {
            std::vector<Node> nodes;
            nodes.push_back({PointwiseConv<ReLU>(5, 7), "a", "a", "", {0}});
            nodes.push_back({PointwiseConv<Linear>(5, 9), "b", "b", "", {0}});
            nodes.push_back({Concat{}, "concat", "", "", {1, 2}});
            if (shared_branch)
                nodes.push_back({Concat{}, "tail", "", "", {3, 1}});
            else
                nodes.push_back({PointwiseConv<Linear>(16, 3), "tail", "tail", "", {3}});
            Graph g({5, 3, 5}, Padding::tf_same, std::move(nodes));
            std::mt19937 rng(7);
            std::uniform_real_distribution<float> d(-1.0f, 1.0f);
            for (WeightSlot& slot : g.weight_slots()) {
                std::vector<float> w(slot.weight_count()), b(slot.out_channels());
                for (float& v : w) v = d(rng);
                for (float& v : b) v = d(rng);
                slot.assign(w, b);
            }
            return g;
        };
        Graph graph = make();
        const Model model(ModelInfo{}, make());
        for (const int threads : {1, 2}) {
            Session session(model, {.threads = threads});
            const MemoryPlan& plan = session.memory_plan();
            CHECK(plan.tensors[1].alias_of == (shared_branch ? -1 : 3));
            CHECK(plan.tensors[2].alias_of == 3);
            const auto input = test::random_input(5 * 3 * 5, 3);
            const auto out = session.run(input);
            // by hand: each conv on its own, then joined
            const auto& a = std::get<PointwiseConv<ReLU>>(graph.nodes()[0].layer);
            const auto& b = std::get<PointwiseConv<Linear>>(graph.nodes()[1].layer);
            std::vector<float> ya(15 * 7), yb(15 * 9), joined(15 * 16);
            a.forward(input.data(), {5, 3, 5}, ya.data(), nullptr, Padding::tf_same);
            b.forward(input.data(), {5, 3, 5}, yb.data(), nullptr, Padding::tf_same);
            for (std::size_t p = 0; p < 15; ++p) {
                std::copy_n(ya.begin() + static_cast<long>(p * 7), 7, joined.begin() + static_cast<long>(p * 16));
                std::copy_n(yb.begin() + static_cast<long>(p * 9), 9, joined.begin() + static_cast<long>(p * 16 + 7));
            }
            std::vector<float> want;
            if (shared_branch) {
                for (std::size_t p = 0; p < 15; ++p) {
                    want.insert(want.end(), joined.begin() + static_cast<long>(p * 16), joined.begin() + static_cast<long>(p * 16 + 16));
                    want.insert(want.end(), ya.begin() + static_cast<long>(p * 7), ya.begin() + static_cast<long>(p * 7 + 7));
                }
            } else {
                want.resize(15 * 3);
                std::get<PointwiseConv<Linear>>(graph.nodes()[3].layer)
                    .forward(joined.data(), {5, 3, 16}, want.data(), nullptr, Padding::tf_same);
            }
            REQUIRE(out.size() == want.size());
            CHECK(std::equal(out.begin(), out.end(), want.begin()));
        }
    }
}

TEST_CASE("open graph: a node may only read earlier tensors", "[runtime][graph]") {
    std::vector<Node> nodes;
    nodes.push_back({PointwiseConv<ReLU>(3, 4), "a", "a", "", {1}});
    CHECK_THROWS_WITH(Graph({2, 2, 3}, Padding::tf_same, std::move(nodes)), Catch::Contains("reads tensor 1"));
}

TEST_CASE("Session: DeepLab run() performs no heap allocation", "[runtime][session][alloc][graph]") {
    const Model model = test::random_model(deeplab_info(0.5f, 97));
    Session session(model, {.threads = 2});
    CHECK(session.output_shape() == Shape{7, 7, 21});
    const auto input = test::random_input(session.input_size());
    session.run(input);
    const long before = test::alloc::count();
    session.run(input);
    CHECK(test::alloc::count() - before == 0);
}
