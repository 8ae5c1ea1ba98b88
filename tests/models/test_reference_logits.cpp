// End to end against ../shared/reference: the stored preprocessed input through
// the real V2 weights must give the float64 reference logits.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "mnet/mnet.hpp"
#include "support/data.hpp"

using namespace mnet;

TEST_CASE("reference: v2_1.0_224_float logits from stored inputs", "[reference][v2]") {
    const Model model = load(test::data_file("weights/mobilenet_v2_1.0_224.safetensors"));
    CHECK(model.info().arch == Arch::mobilenet_v2);
    CHECK(model.info().padding == Padding::tf_same);
    CHECK(model.num_classes() == 1001);
    const int threads = GENERATE(1, 2);
    const bool fused = GENERATE(true, false);  // fused inverted residuals (default) and whole tensors
    CAPTURE(threads, fused);
    Session session(model, {.threads = threads, .fuse_blocks = fused});
    float worst = 0;
    for (const std::string& image : test::reference_images()) {
        CAPTURE(image);
        const auto input = test::read_f32(test::data_file("reference/v2_1.0_224_float/" + image + ".input.f32"));
        const auto expected = test::read_f32(test::data_file("reference/v2_1.0_224_float/" + image + ".logits.f32"));
        REQUIRE(input.size() == session.input_size());
        const auto logits = session.run(input);
        worst = std::max(worst, test::check_against_reference(logits, expected));
    }
    WARN("v2_1.0_224_float max |logit - reference| = " << worst << (fused ? " (fused" : " (unfused") << ", threads "
                                                       << threads << ")");
}
