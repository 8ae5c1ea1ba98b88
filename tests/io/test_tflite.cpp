// The .tflite importer on the real files: each reference config's stored input
// through mnet must give its float64 reference logits (max abs 1e-3, same top-5),
// with arch, α, resolution and classes inferred as index.json states them. Then
// synthetic files (tests/io/test_tflite_builder.hpp) cover the weight encodings
// and graph variants the real files do not have.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "io/test_tflite_builder.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/mnet.hpp"
#include "support/data.hpp"

using namespace mnet;

namespace {

struct ReferenceConfig {
    std::vector<std::string> weights;
    std::string arch;
    double width = 0;
    int resolution = 0;
    int classes = 0;
};

/// What index.json says about a config (weights are listed as "shared/weights/...").
ReferenceConfig reference_config(const std::string& name) {
    const std::vector<std::uint8_t> bytes = io::read_file(test::data_file("reference/index.json"));
    const auto index = nlohmann::json::parse(bytes.begin(), bytes.end());
    const auto& c = index.at("configs").at(name);
    ReferenceConfig r;
    for (const auto& p : c.at("weights")) {
        std::string path = p.get<std::string>();
        if (path.starts_with("shared/")) path = path.substr(7);
        r.weights.push_back(test::data_file(path));
    }
    r.arch = c.at("arch").get<std::string>();
    r.width = c.at("width_multiplier").get<double>();
    r.resolution = c.at("resolution").get<int>();
    r.classes = c.at("logits_shape").at(0).get<int>();
    return r;
}

void check_reference_config(const std::string& config) {
    const ReferenceConfig want = reference_config(config);
    const Model model = load(want.weights);  // two files chain (V1 1.0-224)
    CHECK(to_string(model.info().arch) == want.arch);
    CHECK(model.info().width == Approx(want.width));
    CHECK(model.info().resolution == want.resolution);
    CHECK(model.num_classes() == want.classes);
    CHECK(model.info().padding == Padding::tf_same);
    CHECK(model.info().preprocess == Preprocess::tf_inception);
    for (const std::string& path : want.weights)
        CHECK_THAT(model.info().source, Catch::Contains(std::filesystem::path(path).filename().string()));

    Session session(model, {.precision = Precision::float32});  // against the float64 reference
    float worst = 0;
    std::ostringstream top1;
    for (const std::string& image : test::reference_images()) {
        CAPTURE(config, image);
        const auto input = test::read_f32(test::data_file("reference/" + config + "/" + image + ".input.f32"));
        const auto expected = test::read_f32(test::data_file("reference/" + config + "/" + image + ".logits.f32"));
        REQUIRE(input.size() == session.input_size());
        const auto logits = session.run(input);
        worst = std::max(worst, test::check_against_reference(logits, expected));
        top1 << " " << image << "=" << top_k(logits, 1)[0].index;
    }
    WARN(config << ": max |logit - reference| = " << worst << "; top-1" << top1.str());
}

}  // namespace

TEST_CASE("tflite: v2_1.0_224_quant (uint8) logits from stored inputs", "[tflite][reference][v2]") {
    check_reference_config("v2_1.0_224_quant");
}

TEST_CASE("tflite: v2_1.0_224_ptq (int8 per-channel, QUANTIZE/MEAN) logits from stored inputs", "[tflite][reference][v2]") {
    check_reference_config("v2_1.0_224_ptq");
}

TEST_CASE("tflite: v1_1.0_224_quant (extractor + head chained) logits from stored inputs", "[tflite][reference][v1]") {
    check_reference_config("v1_1.0_224_quant");
}

TEST_CASE("tflite: v1_0.75_192_quant logits from stored inputs", "[tflite][reference][v1]") {
    check_reference_config("v1_0.75_192_quant");
}

TEST_CASE("tflite: v1_0.5_160_quant logits from stored inputs", "[tflite][reference][v1]") {
    check_reference_config("v1_0.5_160_quant");
}

TEST_CASE("tflite: v1_0.25_128_quant logits from stored inputs", "[tflite][reference][v1]") {
    check_reference_config("v1_0.25_128_quant");
}

TEST_CASE("tflite: loading from memory gives the same model as loading the file", "[tflite]") {
    const std::string extractor = test::data_file("weights/tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
    const std::string head = test::data_file("weights/tflite/mobilenet_quant_v1_224_head_layers.tflite");
    const std::string small = test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite");

    SECTION("one file") {
        const std::vector<std::uint8_t> bytes = io::read_file(small);
        Session from_file(load(small));
        Session from_memory(io::load_tflite_memory(bytes, "small.tflite"));
        const auto input = test::read_f32(test::data_file("reference/v1_0.25_128_quant/parrot.input.f32"));
        const auto a = from_file.run(input);
        const std::vector<float> first(a.begin(), a.end());
        const auto b = from_memory.run(input);
        CHECK(std::equal(first.begin(), first.end(), b.begin(), b.end()));
        CHECK(from_memory.model().info().source == "small.tflite");
    }
    SECTION("two chained files") {
        const std::vector<std::uint8_t> e = io::read_file(extractor), h = io::read_file(head);
        const std::vector<io::TfliteBytes> parts{{e, "extractor"}, {h, "head"}};
        Session from_memory(io::load_tflite_memory(parts));
        Session from_files(load(std::vector<std::string>{extractor, head}));
        const auto input = test::read_f32(test::data_file("reference/v1_1.0_224_quant/coffee.input.f32"));
        const auto a = from_files.run(input);
        const std::vector<float> first(a.begin(), a.end());
        const auto b = from_memory.run(input);
        CHECK(std::equal(first.begin(), first.end(), b.begin(), b.end()));
        CHECK(from_memory.model().info().source == "extractor + head");
    }
}

namespace {

/// The model a synthetic file describes, built directly from its OIHW weights.
Model direct_model(const test::SyntheticModel& m) {
    Graph graph = build_graph(m.info);
    std::vector<WeightSlot> slots = graph.weight_slots();
    REQUIRE(slots.size() == m.weights_oihw.size());
    for (std::size_t i = 0; i < slots.size(); ++i) slots[i].assign(m.weights_oihw[i], m.biases[i]);
    return Model(m.info, std::move(graph));
}

}  // namespace

TEST_CASE("tflite: synthetic V1 files in every weight encoding equal the directly built model", "[tflite][synthetic]") {
    using W = test::SyntheticOptions::Weights;
    test::SyntheticOptions opt;
    opt.weights = GENERATE(W::float32, W::float16, W::uint8, W::int8_per_channel);
    opt.fully_connected = GENERATE(false, true);
    opt.quantize_io = GENERATE(false, true);
    CAPTURE(static_cast<int>(opt.weights), opt.fully_connected, opt.quantize_io);

    const test::SyntheticModel file = test::make_synthetic_v1(opt);
    const Model imported = io::load_tflite_memory(file.bytes, "synthetic.tflite");
    CHECK(imported.info().arch == Arch::mobilenet_v1);
    CHECK(imported.info().width == Approx(opt.width));
    CHECK(imported.info().resolution == opt.resolution);
    CHECK(imported.num_classes() == opt.classes);

    Session a(imported, {.precision = Precision::float32}), b(direct_model(file));
    std::vector<float> input(a.input_size());
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = std::sin(0.37f * static_cast<float>(i));
    const auto got_span = a.run(input);
    const std::vector<float> got(got_span.begin(), got_span.end());
    const auto want = b.run(input);
    REQUIRE(got.size() == want.size());
    float max_diff = 0, spread = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        max_diff = std::max(max_diff, std::abs(got[i] - want[i]));
        spread = std::max(spread, std::abs(want[i] - want[0]));
    }
    CHECK(spread > 1e-3f);  // the weights reach the logits, so a layout slip would show
    CHECK(max_diff <= 1e-5f);
}
