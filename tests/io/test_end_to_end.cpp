// From the JPEG to the logits: decode → preprocess (the model's own preset) →
// Session, against the float64 reference logits of each config in index.json
// (max abs 1e-3, top-5 identical). One table drives every config.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/mnet.hpp"
#include "support/data.hpp"
#include "support/reference.hpp"

using namespace mnet;

namespace {

void check_config_from_jpeg(const std::string& config) {
    const auto& info = test::reference_index().at("configs").at(config);
    const Model model = load(test::reference_weights(config));
    CHECK(model.input_spec().resolution == info.at("resolution").get<int>());
    CHECK(model.input_spec().preset == Preprocess::tf_inception);
    REQUIRE(model.num_classes() == info.at("logits_shape").at(0).get<int>());
    Session session(model, {.precision = Precision::float32});  // against the float64 reference
    float worst = 0;
    for (const std::string& image : test::reference_images()) {
        CAPTURE(config, image);
        const auto& out = info.at("outputs").at(image);
        const auto expected = test::read_f32(test::reference_file(out.at("logits").get<std::string>()));
        const std::vector<float> input =
            preprocess(read_image(test::data_file("images/" + image + ".jpg")), model.input_spec());
        const auto logits = session.run(input);
        const float max_diff = test::check_against_reference(logits, expected);
        worst = std::max(worst, max_diff);
        const int top1 = top_k(logits, 1)[0].index;
        CHECK(top1 == out.at("top1").get<int>());
        WARN(config << " " << image << ": max |logit - reference| = " << max_diff << ", top-1 " << top1);
    }
    WARN(config << ": max |logit - reference| from JPEG over all photos = " << worst);
}

}  // namespace

TEST_CASE("end to end: v2_1.0_224_float from JPEG", "[end_to_end][v2]") {
    check_config_from_jpeg("v2_1.0_224_float");
}

TEST_CASE("end to end: tflite configs from JPEG", "[end_to_end][tflite]") {
    // Every config of index.json whose weights are .tflite (V1 1.0-224 is two chained files).
    std::vector<std::string> configs;
    for (const std::string& config : test::reference_configs())
        if (test::reference_weights(config).front().ends_with(".tflite")) configs.push_back(config);
    REQUIRE(configs.size() == 6);
    for (const std::string& config : configs) {
        SECTION(config) { check_config_from_jpeg(config); }
    }
}
