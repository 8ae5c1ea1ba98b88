// safetensors: the real V2 file, a torchvision checkpoint written by our own
// writer (checked against an independent naive forward), and a table of bad files.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "mnet/mnet.hpp"
#include "support/data.hpp"
#include "support/torchvision_checkpoint.hpp"

using namespace mnet;

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

std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("mnet_test_" + std::to_string(::getpid()) + "_" + name);
}

/// A small valid file (V2 α 0.35, 10 classes) to break in the bad-file table.
const std::vector<std::uint8_t>& small_valid_file() {
    static const std::vector<std::uint8_t> bytes =
        io::to_safetensors(test::to_raw(test::random_v2_state_dict(0.35, 10, 7)), {{"resolution", "32"}});
    return bytes;
}

/// Parses the header of `bytes`, lets `edit` change it, and re-serialises with the same data.
std::vector<std::uint8_t> edit_header(const std::vector<std::uint8_t>& bytes,
                                      const std::function<void(nlohmann::json&)>& edit) {
    std::uint64_t len = 0;
    std::memcpy(&len, bytes.data(), 8);
    nlohmann::json header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(len));
    edit(header);
    const std::string text = header.dump();
    const std::size_t data = bytes.size() - 8 - static_cast<std::size_t>(len);
    std::vector<std::uint8_t> out(8 + text.size() + data);
    const std::uint64_t new_len = text.size();
    std::memcpy(out.data(), &new_len, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::memcpy(out.data() + 8 + text.size(), bytes.data() + 8 + len, data);
    return out;
}

Model load_bytes(std::vector<std::uint8_t> bytes) {
    return io::load_safetensors(io::SafetensorsFile("bad.safetensors", std::move(bytes)));
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

TEST_CASE("safetensors: bad files fail with a message naming the problem", "[io][safetensors][bad]") {
    const auto& good = small_valid_file();
    REQUIRE_NOTHROW(load_bytes(good));

    SECTION("empty file") { CHECK_THROWS_WITH(load_bytes({}), Catch::Contains("too short")); }
    SECTION("truncated inside the length field") {
        CHECK_THROWS_WITH(load_bytes({good.begin(), good.begin() + 5}), Catch::Contains("too short"));
    }
    SECTION("truncated inside the header") {
        CHECK_THROWS_WITH(load_bytes({good.begin(), good.begin() + 200}), Catch::Contains("exceeds the file"));
    }
    SECTION("truncated inside the data") {
        CHECK_THROWS_WITH(load_bytes({good.begin(), good.end() - 100}), Catch::Contains("out of range"));
    }
    SECTION("header length 2^63") {
        auto bytes = good;
        const std::uint64_t huge = std::uint64_t{1} << 63;
        std::memcpy(bytes.data(), &huge, 8);
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("header length 9223372036854775808 exceeds"));
    }
    SECTION("header is not JSON") {
        auto bytes = good;
        bytes[8] = '#';
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("not valid JSON"));
    }
    SECTION("header is not an object") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h = nlohmann::json::array({1, 2}); })),
                          Catch::Contains("not a JSON object"));
    }
    SECTION("wrong dtype") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["features.0.0.weight"]["dtype"] = "I32";
                          })),
                          Catch::Contains("'features.0.0.weight': expected dtype F32") && Catch::Contains("found I32"));
    }
    SECTION("unknown dtype") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["classifier.1.bias"]["dtype"] = "Q4"; })),
                          Catch::Contains("unknown dtype 'Q4'"));
    }
    SECTION("missing tensor") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h.erase("features.5.conv.1.1.running_var"); })),
                          Catch::Contains("missing tensor 'features.5.conv.1.1.running_var'"));
    }
    SECTION("extra tensor") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["features.99.weight"] = {{"dtype", "F32"}, {"shape", {0}}, {"data_offsets", {0, 0}}};
                          })),
                          Catch::Contains("unexpected tensor 'features.99.weight'"));
    }
    SECTION("wrong shape names tensor, expected and found") {
        // same byte count, different shape: passes the format checks, fails against the graph
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["features.2.conv.0.0.weight"]["shape"] = {8, 48, 1, 1};
                          })),
                          Catch::Contains("'features.2.conv.0.0.weight': expected shape [48,8,1,1], found [8,48,1,1]"));
    }
    SECTION("shape disagrees with the byte count") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["classifier.1.bias"]["shape"] = {11}; })),
                          Catch::Contains("needs 44 bytes, data_offsets give 40"));
    }
    SECTION("data offsets past the end") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["classifier.1.bias"]["data_offsets"] = {1ull << 40, (1ull << 40) + 40};
                          })),
                          Catch::Contains("out of range"));
    }
    SECTION("overlapping data offsets") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["classifier.1.bias"]["data_offsets"] = h["features.0.1.weight"]["data_offsets"];
                              h["classifier.1.bias"]["shape"] = h["features.0.1.weight"]["shape"];
                          })),
                          Catch::Contains("overlap"));
    }
    SECTION("shape overflowing size_t") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) {
                              h["classifier.1.bias"]["shape"] = {1ull << 40, 1ull << 40};
                          })),
                          Catch::Contains("overflows"));
    }
    SECTION("negative dimension") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["classifier.1.bias"]["shape"] = {-10}; })),
                          Catch::Contains("non-negative"));
    }
    SECTION("metadata value not a string") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["__metadata__"]["resolution"] = 32; })),
                          Catch::Contains("is not a string"));
    }
    SECTION("metadata number not a number") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["__metadata__"]["bn_eps"] = "tiny"; })),
                          Catch::Contains("'bn_eps' is not a number"));
    }
    SECTION("unsupported padding") {
        CHECK_THROWS_WITH(load_bytes(edit_header(good, [](nlohmann::json& h) { h["__metadata__"]["padding"] = "reflect"; })),
                          Catch::Contains("padding must be"));
    }
    SECTION("not a MobileNet") {
        CHECK_THROWS_WITH(load_bytes(io::to_safetensors({io::f32_tensor("fc.weight", {2, 2}, {1, 2, 3, 4})})),
                          Catch::Contains("no MobileNetV1/V2 tensors"));
    }
}

TEST_CASE("safetensors: NaN weights and negative variances are reported", "[io][safetensors][bad]") {
    test::StateDict sd = test::random_v2_state_dict(0.35, 10, 9);
    sd.tensors["features.3.conv.1.0.weight"].values[5] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(load_bytes(io::to_safetensors(test::to_raw(sd))),
                      Catch::Contains("'features.3.conv.1.0.weight': non-finite value at index 5"));
    sd = test::random_v2_state_dict(0.35, 10, 9);
    sd.tensors["features.0.1.running_var"].values[0] = -1.0f;
    CHECK_THROWS_WITH(load_bytes(io::to_safetensors(test::to_raw(sd))), Catch::Contains("negative variance"));
}

TEST_CASE("load: unknown extension and missing file", "[io]") {
    CHECK_THROWS_WITH(load("model.onnx"), Catch::Contains("unknown model file type"));
    CHECK_THROWS_WITH(load("/nonexistent/m.safetensors"), Catch::Contains("cannot open"));
}
