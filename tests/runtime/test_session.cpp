// Session: batch runs, input checks, and no heap allocation inside run().
#include <catch2/catch.hpp>

#include "mnet/mnet.hpp"
#include "support/counting_allocator.hpp"
#include "support/random_model.hpp"

using namespace mnet;

TEST_CASE("Session: run() performs no heap allocation", "[runtime][session][alloc]") {
    const int threads = GENERATE(1, 2);
    CAPTURE(threads);
    ModelInfo info;
    info.width = 0.5f;
    info.resolution = 96;
    const Model model = test::random_model(info);
    Session session(model, {.threads = threads, .max_batch = 2});
    const auto input = test::random_input(2 * session.input_size());
    session.run(input);  // warm-up: nothing may be allocated lazily either, but count from here
    const long before = test::alloc::count();
    for (int i = 0; i < 3; ++i) {
        session.run(input);
        session.run(std::span<const float>(input).first(session.input_size()));
    }
    CHECK(test::alloc::count() - before == 0);
}

TEST_CASE("Session: a batch gives the same logits as single images", "[runtime][session]") {
    ModelInfo info;
    info.arch = Arch::mobilenet_v1;
    info.width = 0.25f;
    info.resolution = 64;
    info.num_classes = 10;
    const Model model = test::random_model(info);
    Session single(model);
    Session batched(model, {.threads = 1, .max_batch = 3});
    const auto input = test::random_input(3 * single.input_size());
    const auto all = batched.run(input);
    REQUIRE(all.size() == 30);
    std::vector<float> copy(all.begin(), all.end());
    for (std::size_t n = 0; n < 3; ++n) {
        const auto one = single.run(std::span<const float>(input).subspan(n * single.input_size(), single.input_size()));
        for (std::size_t c = 0; c < 10; ++c) CHECK(one[c] == copy[n * 10 + c]);
    }
}

TEST_CASE("Session: rejects bad inputs and options", "[runtime][session]") {
    ModelInfo info;
    info.width = 0.35f;
    info.resolution = 32;
    const Model model = test::random_model(info);
    Session session(model);
    CHECK_THROWS_WITH(session.run(std::vector<float>(100)), Catch::Contains("expected a multiple of 3072 floats"));
    CHECK_THROWS_WITH(session.run(std::vector<float>(2 * 3072)), Catch::Contains("at most 1 images"));
    CHECK_THROWS_AS(session.run({}), Error);
    CHECK_THROWS_AS(Session(model, {.threads = 0}), Error);
    CHECK(session.arena_bytes() > 0);
}

TEST_CASE("Session: logits are bit-identical for any thread count", "[runtime][session][threads]") {
    for (Arch arch : {Arch::mobilenet_v1, Arch::mobilenet_v2}) {
        ModelInfo info;
        info.arch = arch;
        info.width = arch == Arch::mobilenet_v1 ? 0.5f : 1.0f;
        info.resolution = 96;  // odd shapes below: 48, 24, 12, 6, 3
        const Model model = test::random_model(info, 11);
        const auto input = test::random_input(static_cast<std::size_t>(96 * 96 * 3), 12);
        Session one(model);
        const std::vector<float> expected(one.run(input).begin(), one.run(input).end());
        for (int threads : {2, 3, 4}) {
            CAPTURE(to_string(arch), threads);
            Session many(model, {.threads = threads});
            for (int repeat = 0; repeat < 3; ++repeat) {
                const auto got = many.run(input);
                REQUIRE(got.size() == expected.size());
                CHECK(std::equal(got.begin(), got.end(), expected.begin()));
            }
        }
    }
}
