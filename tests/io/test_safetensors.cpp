// safetensors: the real V2 file, a torchvision checkpoint written by our own
// writer (checked against an independent naive forward), metadata and dtypes.
// Bad files are in the bad-input table, tests/io/test_bad_files.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "mnet/io/safetensors_model.hpp"
#include "mnet/mnet.hpp"
#include "support/data.hpp"
#include "support/safetensors_files.hpp"
#include "support/torchvision_checkpoint.hpp"

using namespace mnet;
using test::temp_file;

namespace {

std::vector<float> random_input(int resolution, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(static_cast<std::size_t>(resolution) * resolution * 3);
    for (float& x : v) x = dist(rng);
    return v;
}

double max_abs_diff(std::span<const float> a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("safetensors: the shipped V2 file and its metadata", "[io][safetensors]") {
    const io::SafetensorsFile file(test::data_file("weights/mobilenet_v2_1.0_224.safetensors"));
    CHECK(file.tensors().size() == 262);
    CHECK(file.metadata().at("padding") == "tf_same");
    const Model model = io::load_safetensors(file);
    CHECK(model.info().arch == Arch::mobilenet_v2);
    CHECK(model.info().width == 1.0f);
    CHECK(model.info().resolution == 224);
    CHECK(model.info().num_classes == 1001);
    CHECK(model.info().padding == Padding::tf_same);
    CHECK(model.info().preprocess == Preprocess::tf_inception);
}

TEST_CASE("safetensors: a torchvision mobilenet_v2 state dict loads and matches a naive forward",
          "[io][safetensors][torchvision]") {
    const test::StateDict sd = test::random_v2_state_dict(0.5, 1000, 42);
    const auto path = temp_file("torchvision_v2.safetensors");
    io::write_safetensors(path.string(), test::to_raw(sd));  // no metadata, as torch.save would give
    const Model model = load(path.string());
    std::filesystem::remove(path);
    // inferred as torchvision implies it
    CHECK(model.info().arch == Arch::mobilenet_v2);
    CHECK(model.info().width == 0.5f);
    CHECK(model.info().num_classes == 1000);
    CHECK(model.info().padding == Padding::symmetric);
    CHECK(model.info().preprocess == Preprocess::torchvision);
    REQUIRE(model.info().resolution == 224);

    Session session(model);
    const auto input = random_input(224, 1);
    const auto logits = session.run(input);
    const auto expected = test::naive_v2_forward(sd, 0.5, input, 224, 1e-5, Padding::symmetric);
    const double err = max_abs_diff(logits, expected);
    WARN("torchvision checkpoint: max |mnet - naive double forward| = " << err);
    CHECK(err < 1e-3);
    CHECK(top_k(logits, 1)[0].index == static_cast<int>(std::max_element(expected.begin(), expected.end()) - expected.begin()));
}

TEST_CASE("safetensors: metadata selects padding and BN eps, and they matter", "[io][safetensors]") {
    const test::StateDict sd = test::random_v2_state_dict(0.35, 16, 3);
    const auto bytes = io::to_safetensors(test::to_raw(sd), {{"resolution", "64"}, {"padding", "tf_same"}, {"bn_eps", "0.001"}});
    const Model model = io::load_safetensors(io::SafetensorsFile("tf_same.safetensors", bytes));
    CHECK(model.info().resolution == 64);
    Session session(model);
    const auto input = random_input(64, 2);
    const auto logits = session.run(input);
    const auto same = test::naive_v2_forward(sd, 0.35, input, 64, 1e-3, Padding::tf_same);
    const auto symmetric = test::naive_v2_forward(sd, 0.35, input, 64, 1e-3, Padding::symmetric);
    CHECK(max_abs_diff(logits, same) < 1e-4);
    CHECK(max_abs_diff(logits, symmetric) > 1e-3);  // the padding split changes the answer
}

TEST_CASE("safetensors: F16 and BF16 tensors are widened; folded-BN files load", "[io][safetensors]") {
    // a 2-element F16 and BF16 tensor read back exactly
    std::vector<io::RawTensor> raw{{"h", "F16", {2}, {0x00, 0x3C, 0x00, 0xC0}},    // 1.0, -2.0
                                   {"b", "BF16", {2}, {0x80, 0x3F, 0x40, 0x40}}};  // 1.0, 3.0
    const io::SafetensorsFile file("halves.safetensors", io::to_safetensors(raw));
    CHECK(file.read_floats("h") == std::vector<float>{1.0f, -2.0f});
    CHECK(file.read_floats("b") == std::vector<float>{1.0f, 3.0f});
}

TEST_CASE("load: unknown extension and missing file", "[io]") {
    CHECK_THROWS_WITH(load("model.onnx"), Catch::Contains("unknown model file type"));
    CHECK_THROWS_WITH(load("/nonexistent/m.safetensors"), Catch::Contains("cannot open"));
}
