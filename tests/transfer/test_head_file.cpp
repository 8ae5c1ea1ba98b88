// Head files (transfer/head_file.hpp): what is written reads back the same, a
// model loads with a head file after it, and malformed heads are refused with
// mnet::Error (the rows through mnet::load are in tests/io/test_bad_files.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mnet/mnet.hpp"
#include "mnet/transfer/head_file.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"

using namespace mnet;

namespace {

Head small_head(std::size_t k = 4, bool normalize = true) {
    std::vector<float> w(2 * k);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - 1.0f;
    return Head(w, {0.5f, -0.125f}, {"tabby cat", "hot dog (ü)"}, 12.5f, normalize);
}

/// A head file's bytes with the given tensors and metadata.
std::vector<std::uint8_t> head_bytes(std::vector<io::RawTensor> tensors, std::map<std::string, std::string> meta) {
    return io::to_safetensors(tensors, meta);
}

std::map<std::string, std::string> good_meta() {
    return {{"mnet_head", "1"}, {"classes", "a\nb"}, {"normalize", "l2"}, {"scale", "16"}, {"in_features", "3"}};
}

std::vector<io::RawTensor> good_tensors() {
    return {io::f32_tensor("weight", {2, 3}, {1, 0, 0, 0, 1, 0}), io::f32_tensor("bias", {2}, {0, 0})};
}

}  // namespace

TEST_CASE("head file: what is written reads back exactly", "[transfer][head]") {
    for (const bool normalize : {true, false}) {
        const Head head = small_head(5, normalize);
        const std::vector<std::uint8_t> bytes = head_to_safetensors(head);
        const Head back = read_head_memory(bytes, "head.safetensors");
        CHECK(back.weight() == head.weight());
        CHECK(back.bias() == head.bias());
        CHECK(back.names() == head.names());
        CHECK(back.scale() == head.scale());
        CHECK(back.normalize() == normalize);
        CHECK(back.in_features() == 5);
    }
    const Head odd(std::vector<float>{0.1f, 0.2f}, {0.3f}, {"x"}, 1.0f / 3.0f, true);
    CHECK(read_head_memory(head_to_safetensors(odd), "odd").scale() == 1.0f / 3.0f);  // shortest round trip
}

TEST_CASE("head file: mnet::load({base, head}) replaces the classifier and its labels", "[transfer][head]") {
    const std::string base_path = test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite");
    const Model base = load(base_path);
    std::vector<float> w(2 * 256, 0.0f);
    w[0] = 1.0f;        // class "first": feature 0
    w[256 + 1] = 1.0f;  // class "second": feature 1
    const Head head(w, {0.0f, 0.0f}, {"first", "second"}, 2.0f, false);
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "mnet_test_head.safetensors";
    write_head(file.string(), head);
    const Model model = load(std::vector<std::string>{base_path, file.string()});
    std::filesystem::remove(file);
    REQUIRE(model.head() != nullptr);
    CHECK(model.head()->names() == std::vector<std::string>{"first", "second"});
    CHECK(model.num_classes() == 2);
    const std::vector<float> input = preprocess(read_image(test::data_file("images/parrot.jpg")), model.input_spec());
    Session features(base, {.output = SessionOutput::features});
    const std::vector<float> f(features.run(input).begin(), features.run(input).end());
    Session session(model);
    const std::span<const float> logits = session.run(input);
    REQUIRE(logits.size() == 2);
    CHECK(logits[0] == Approx(2.0 * f[0]).margin(1e-6));
    CHECK(logits[1] == Approx(2.0 * f[1]).margin(1e-6));
}

TEST_CASE("head file: malformed heads are refused", "[transfer][head][bad]") {
    using K = ErrorKind;
    const auto read = [](const std::vector<std::uint8_t>& bytes) { read_head_memory(bytes, "h.safetensors"); };
    REQUIRE_NOTHROW(read(head_bytes(good_tensors(), good_meta())));
    const auto with = [](const char* key, const char* value) {
        auto m = good_meta();
        if (value) m[key] = value;
        else m.erase(key);
        return head_bytes(good_tensors(), m);
    };
    test::require_error([&] { read(with("mnet_head", nullptr)); }, K::format, {"h.safetensors", "not an mnet head"});
    test::require_error([&] { read(with("mnet_head", "2")); }, K::unsupported, {"mnet_head version '2'"});
    test::require_error([&] { read(with("classes", "a")); }, K::shape, {"classes holds 1 names, weight has 2 rows"});
    test::require_error([&] { read(with("classes", "a\nb\nc")); }, K::shape, {"classes holds 3 names"});
    test::require_error([&] { read(with("classes", "a\n")); }, K::format, {"class 1 name must be 1-256 bytes"});
    test::require_error([&] { read(with("classes", "a\r\nb")); }, K::format, {"line breaks"});
    test::require_error([&] { read(with("in_features", "4")); }, K::shape, {"in_features '4' does not match"});
    test::require_error([&] { read(with("in_features", "3x")); }, K::shape, {"in_features '3x'"});
    test::require_error([&] { read(with("scale", "-1")); }, K::format, {"scale must be finite and positive"});
    test::require_error([&] { read(with("scale", "nan")); }, K::format, {"scale must be finite and positive"});
    test::require_error([&] { read(with("scale", "one")); }, K::format, {"scale 'one' is not a number"});
    test::require_error([&] { read(with("normalize", "l1")); }, K::format, {"normalize 'l1'"});

    const float nan = std::numeric_limits<float>::quiet_NaN();
    test::require_error([&] { read(head_bytes({io::f32_tensor("weight", {2, 3}, {1, 0, nan, 0, 1, 0}),
                                               io::f32_tensor("bias", {2}, {0, 0})}, good_meta())); },
                        K::format, {"h.safetensors", "'weight'", "non-finite value at index 2"});
    test::require_error([&] { read(head_bytes({io::f32_tensor("weight", {2, 3}, {1, 0, 0, 0, 1, 0}),
                                               io::f32_tensor("bias", {2}, {0, INFINITY})}, good_meta())); },
                        K::format, {"'bias'", "non-finite"});
    test::require_error([&] { read(head_bytes({io::f32_tensor("weight", {6}, {1, 0, 0, 0, 1, 0}),
                                               io::f32_tensor("bias", {2}, {0, 0})}, good_meta())); },
                        K::shape, {"expected weight [N, K] and bias [N]", "[6]"});
    test::require_error([&] { read(head_bytes({io::f32_tensor("weight", {2, 3}, {1, 0, 0, 0, 1, 0})}, good_meta())); },
                        K::shape, {"missing tensor 'bias'"});
    auto extra = good_tensors();
    extra.push_back(io::f32_tensor("features.0.0.weight", {1}, {1}));
    test::require_error([&] { read(head_bytes(extra, good_meta())); }, K::format, {"unexpected tensor 'features.0.0.weight'"});
    auto f64 = good_tensors();
    f64[1].dtype = "F64";
    f64[1].bytes.resize(16, 0);
    test::require_error([&] { read(head_bytes(f64, good_meta())); }, K::format, {"must be F32"});
}

TEST_CASE("head: the constructor refuses inconsistent or non-finite heads", "[transfer][head][bad]") {
    using K = ErrorKind;
    const std::vector<std::string> two{"a", "b"};
    test::require_error([&] { Head({1, 2, 3, 4}, {0}, two, 1, true); }, K::argument, {"2 classes but 1 biases"});
    test::require_error([&] { Head({1, 2, 3}, {0, 0}, two, 1, true); }, K::argument, {"not a whole number of rows"});
    test::require_error([&] { Head({}, {}, {}, 1, true); }, K::argument, {"no class"});
    test::require_error([&] { Head({1, NAN, 3, 4}, {0, 0}, two, 1, true); }, K::argument,
                        {"non-finite weight at row 0, column 1"});
    test::require_error([&] { Head({1, 2, 3, 4}, {0, 0}, {"a", "b\nc"}, 1, true); }, K::argument,
                        {"class 1 name", "line breaks"});
    test::require_error([&] { Head({1, 2, 3, 4}, {0, 0}, {"a", ""}, 1, true); }, K::argument, {"class 1 name"});
    test::require_error([&] { Head({1, 2, 3, 4}, {0, 0}, two, 0, true); }, K::argument, {"scale must be finite"});
}

TEST_CASE("head file: byte flips and truncations never crash", "[transfer][head][bad][fuzz]") {
    const std::vector<std::uint8_t> good = head_to_safetensors(small_head(7));
    std::uint32_t state = 12345;
    const auto next = [&] { return state = state * 1664525u + 1013904223u; };
    int refused = 0, read_ok = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<std::uint8_t> bytes = good;
        if (trial % 10 == 0) {
            bytes.resize(next() % bytes.size());
        } else {
            for (int f = 0; f < 1 + trial % 3; ++f) bytes[next() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8));
        }
        try {
            const Head h = read_head_memory(bytes, "flip");
            CHECK(h.num_classes() == h.bias().size());
            ++read_ok;
        } catch (const Error&) {
            ++refused;
        }
    }
    CHECK(refused > 0);
    CHECK(read_ok > 0);  // flips inside the weights leave a valid head
}
