// The bad-input table: every loader and the image decoder on inputs they must
// refuse, each through the public entry point a program uses (mnet::load or
// mnet::read_image on a file on disk), each expecting mnet::Error of one kind
// whose message names the file and the problem. Then the inputs that look odd
// but are valid (1x1, grayscale, 16-bit) and must work end to end, and a replay
// of every crash input the fuzzers found (tests/data/fuzz/, see tests/fuzz/).
// Deeper per-format cases live beside each reader (test_tflite_bad_files.cpp,
// test_image.cpp); the CLI on bad files is tests/examples/classify_bad_inputs.sh.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "fuzz/safetensors_header_input.hpp"
#include "io/test_tflite_builder.hpp"
#include "io/test_tflite_deeplab_builder.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/mnet.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"
#include "support/image_files.hpp"
#include "support/safetensors_files.hpp"

using namespace mnet;
using test::Bytes;

namespace {

/// Removes a temporary file or directory when the row is done.
struct TempPath {
    std::filesystem::path path;
    ~TempPath() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

/// `bytes` as a file named `name` (in the temp directory), loaded as a model.
void load_file(const std::string& name, const Bytes& bytes) {
    const TempPath file{test::temp_file(name)};
    test::write_bytes(file.path, bytes);
    load(file.path.string());
}

/// The small V1 .tflite with a head file of `bytes` after it (mnet::load({base, head})).
void load_with_head(const Bytes& bytes) {
    const TempPath file{test::temp_file("head.safetensors")};
    test::write_bytes(file.path, bytes);
    load(std::vector<std::string>{test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"),
                                  file.path.string()});
}

/// A head file (transfer/head_file.hpp) of `rows` × `k` weights, value `w` at index 0.
Bytes head_file(std::int64_t rows, std::int64_t k, float w, const std::string& classes) {
    std::vector<float> weight(static_cast<std::size_t>(rows * k), 0.5f);
    weight[0] = w;
    return io::to_safetensors({io::f32_tensor("weight", {rows, k}, weight),
                               io::f32_tensor("bias", {rows}, std::vector<float>(static_cast<std::size_t>(rows), 0.0f))},
                              {{"mnet_head", "1"}, {"classes", classes}, {"normalize", "l2"}, {"scale", "16"},
                               {"in_features", std::to_string(k)}});
}

/// `bytes` as an image file named `name`, read and prepared for a 224 network.
Image image_file(const std::string& name, const Bytes& bytes) {
    const TempPath file{test::temp_file(name)};
    test::write_bytes(file.path, bytes);
    Image image = read_image(file.path.string());
    REQUIRE(preprocess(image, {224, Preprocess::tf_inception}).size() == 224u * 224 * 3);
    REQUIRE(preprocess(image, {224, Preprocess::torchvision}).size() == 224u * 224 * 3);
    return image;
}

Bytes text(const std::string& s) { return {s.begin(), s.end()}; }
Bytes cut(const Bytes& b, std::size_t n) { return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)}; }

/// The small valid V2 file with one JSON edit.
Bytes edited(const std::function<void(nlohmann::json&)>& edit) {
    return test::edit_header(test::small_valid_safetensors(), edit);
}

/// A torchvision state dict (V2 α 0.35, 10 classes) after `change`.
Bytes state_dict_edited(const std::function<void(test::StateDict&)>& change) {
    test::StateDict sd = test::random_v2_state_dict(0.35, 10, 9);
    change(sd);
    return io::to_safetensors(test::to_raw(sd));
}

/// The same with one tensor changed.
Bytes state_dict_with(const std::string& name, const std::function<void(test::StateTensor&)>& change) {
    return state_dict_edited([&](test::StateDict& sd) { change(sd.tensors.at(name)); });
}

/// The same with tensor `name` stored as F64 and element 0 set to `value`.
Bytes state_dict_f64(const std::string& name, double value) {
    const test::StateDict sd = test::random_v2_state_dict(0.35, 10, 9);
    std::vector<io::RawTensor> raw = test::to_raw(sd);
    for (io::RawTensor& t : raw) {
        if (t.name != name) continue;
        const std::vector<float>& v = sd.at(name).values;
        t.dtype = "F64";
        t.bytes.resize(v.size() * 8);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double d = i == 0 ? value : v[i];
            std::memcpy(t.bytes.data() + 8 * i, &d, 8);
        }
    }
    return io::to_safetensors(raw);
}

Bytes synthetic_tflite(const std::function<void(test::SyntheticOptions&)>& corrupt) {
    test::SyntheticOptions opt;
    corrupt(opt);
    return test::make_synthetic_v1(opt).bytes;
}

/// A small DeepLab .tflite (test_tflite_deeplab_builder.hpp) with one corruption.
Bytes synthetic_deeplab(const std::function<void(test::SyntheticDeepLabOptions&)>& corrupt) {
    test::SyntheticDeepLabOptions opt;
    corrupt(opt);
    return test::make_synthetic_deeplab(opt);
}

struct BadInput {
    std::string name;
    std::function<void()> run;
    ErrorKind kind;
    std::vector<std::string> message;  ///< parts the message must contain
};

std::vector<BadInput> bad_inputs() {
    const Bytes& st = test::small_valid_safetensors();
    const Bytes small_tflite = io::read_file(test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"));
    const Bytes photo = io::read_file(test::data_file("images/coffee.jpg"));
    auto huge_length = st;
    const std::uint64_t two_63 = std::uint64_t{1} << 63;
    std::memcpy(huge_length.data(), &two_63, 8);
    auto not_json = st;
    not_json[8] = '#';
    const auto fuzz_input = [](const std::string& file) { return io::read_file(test::test_input("fuzz/" + file)); };
    using K = ErrorKind;
    return {
        // ---- .safetensors: each section truncated, then the header's fields one at a time
        {"safetensors: empty file", [] { load_file("empty.safetensors", {}); }, K::format,
         {"empty.safetensors", "file too short for a safetensors header (0 bytes)"}},
        {"safetensors: truncated in the length field", [&] { load_file("cut5.safetensors", cut(st, 5)); }, K::format,
         {"cut5.safetensors", "file too short", "(5 bytes)"}},
        {"safetensors: truncated in the header", [&] { load_file("cut200.safetensors", cut(st, 200)); }, K::format,
         {"cut200.safetensors", "header length", "exceeds the file (200 bytes)"}},
        {"safetensors: truncated in the data", [&] { load_file("cutdata.safetensors", cut(st, st.size() - 100)); },
         K::format, {"cutdata.safetensors", "out of range (data section is"}},
        {"safetensors: header length 2^63", [=] { load_file("huge.safetensors", huge_length); }, K::format,
         {"huge.safetensors", "header length 9223372036854775808 exceeds the file"}},
        {"safetensors: header is not JSON", [=] { load_file("notjson.safetensors", not_json); }, K::format,
         {"notjson.safetensors", "header is not valid JSON"}},
        {"safetensors: data offsets past the end",
         [] {
             load_file("past.safetensors", edited([](nlohmann::json& h) {
                           h["classifier.1.bias"]["data_offsets"] = {1ull << 40, (1ull << 40) + 40};
                       }));
         },
         K::format, {"past.safetensors", "tensor 'classifier.1.bias'", "data_offsets [1099511627776,1099511627816] out of range"}},
        {"safetensors: overlapping data offsets",
         [] {
             load_file("overlap.safetensors", edited([](nlohmann::json& h) {
                           h["classifier.1.bias"]["data_offsets"] = h["features.0.1.weight"]["data_offsets"];
                           h["classifier.1.bias"]["shape"] = h["features.0.1.weight"]["shape"];
                       }));
         },
         K::format, {"overlap.safetensors", "tensor data ranges overlap at byte"}},
        {"safetensors: shape disagrees with the byte count",
         [] { load_file("bytes.safetensors", edited([](nlohmann::json& h) { h["classifier.1.bias"]["shape"] = {11}; })); },
         K::format, {"tensor 'classifier.1.bias'", "shape [11] of F32 needs 44 bytes, data_offsets give 40"}},
        {"safetensors: shape overflows 64 bits",
         [] {
             load_file("overflow.safetensors",
                       edited([](nlohmann::json& h) { h["classifier.1.bias"]["shape"] = {1ull << 40, 1ull << 40}; }));
         },
         K::format, {"tensor 'classifier.1.bias'", "overflows"}},
        {"safetensors: unknown dtype",
         [] { load_file("q4.safetensors", edited([](nlohmann::json& h) { h["classifier.1.bias"]["dtype"] = "Q4"; })); },
         K::format, {"tensor 'classifier.1.bias'", "unknown dtype 'Q4'"}},
        {"safetensors: wrong dtype",
         [] { load_file("i32.safetensors", edited([](nlohmann::json& h) { h["features.0.0.weight"]["dtype"] = "I32"; })); },
         K::shape, {"i32.safetensors", "tensor 'features.0.0.weight'", "expected dtype F32", "found I32"}},
        {"safetensors: missing tensor",
         [] {
             load_file("missing.safetensors",
                       edited([](nlohmann::json& h) { h.erase("features.5.conv.1.1.running_var"); }));
         },
         K::shape, {"missing.safetensors", "missing tensor 'features.5.conv.1.1.running_var'"}},
        {"safetensors: extra tensor",
         [] {
             load_file("extra.safetensors", edited([](nlohmann::json& h) {
                           h["features.99.weight"] = {{"dtype", "F32"}, {"shape", {0}}, {"data_offsets", {0, 0}}};
                       }));
         },
         K::shape, {"extra.safetensors", "unexpected tensor 'features.99.weight'"}},
        {"safetensors: wrong shape (same byte count)",
         [] {
             load_file("shape.safetensors", edited([](nlohmann::json& h) {
                           h["features.2.conv.0.0.weight"]["shape"] = {8, 48, 1, 1};
                       }));
         },
         K::shape, {"tensor 'features.2.conv.0.0.weight'", "expected shape [48,8,1,1], found [8,48,1,1]"}},
        {"safetensors: num_classes disagrees with the classifier",
         [] {
             load_file("classes.safetensors",
                       edited([](nlohmann::json& h) { h["__metadata__"]["num_classes"] = "1000000"; }));
         },
         K::shape, {"num_classes '1000000' disagrees with tensor 'classifier.1.bias' [10]"}},
        {"safetensors: num_classes 10^6 on a small file (fuzz: a 4 GB graph before the fix)",
         [=] {
             const Bytes header = fuzz_input("safetensors_header_num_classes_1e6.json");
             load_file("classes1e6.safetensors", fuzz::safetensors_from_header(header.data(), header.size()));
         },
         K::shape, {"classes1e6.safetensors", "num_classes '1000000' disagrees with tensor 'classifier.1.bias' [3]"}},
        {"safetensors: metadata asks for a graph larger than the file",
         [] {
             load_file("wide.safetensors",
                       edited([](nlohmann::json& h) { h["__metadata__"]["width_multiplier"] = "4"; }));
         },
         K::shape, {"wide.safetensors", "mobilenet_v2 width 4 with 10 classes needs", "weights, the file stores only"}},
        {"safetensors: NaN in a weight",
         [] {
             load_file("nan.safetensors", state_dict_with("features.3.conv.1.0.weight", [](test::StateTensor& t) {
                           t.values[5] = std::numeric_limits<float>::quiet_NaN();
                       }));
         },
         K::format, {"nan.safetensors", "tensor 'features.3.conv.1.0.weight': non-finite value at index 5"}},
        {"safetensors: Inf in a weight",
         [] {
             load_file("inf.safetensors", state_dict_with("classifier.1.weight", [](test::StateTensor& t) {
                           t.values[7] = -std::numeric_limits<float>::infinity();
                       }));
         },
         K::format, {"tensor 'classifier.1.weight': non-finite value at index 7"}},
        {"safetensors: F64 weight beyond float range",
         [] { load_file("f64.safetensors", state_dict_f64("features.0.0.weight", 1e300)); }, K::format,
         {"tensor 'features.0.0.weight': non-finite or out-of-float-range value at index 0"}},
        {"safetensors: negative BN variance",
         [] {
             load_file("var.safetensors",
                       state_dict_with("features.0.1.running_var", [](test::StateTensor& t) { t.values[0] = -1.0f; }));
         },
         K::format, {"tensor 'features.0.1.running_var' has a negative variance at 0"}},
        {"safetensors: BatchNorm folding overflows float",
         [] {
             load_file("fold.safetensors", state_dict_edited([](test::StateDict& sd) {
                           sd.tensors.at("features.0.1.weight").values[2] = 3e38f;  // γ
                           sd.tensors.at("features.0.1.running_var").values[2] = 0.0f;
                       }));
         },
         K::format, {"fold.safetensors", "folding BatchNorm 'features.0.1' into 'features.0.0' overflows float at output channel 2"}},
        {"safetensors: not a MobileNet",
         [] { load_file("fc.safetensors", io::to_safetensors({io::f32_tensor("fc.weight", {2, 2}, {1, 2, 3, 4})})); },
         K::unsupported, {"fc.safetensors", "no MobileNetV1/V2 tensors found"}},

        // ---- .tflite
        {"tflite: empty file", [] { load_file("empty.tflite", {}); }, K::format,
         {"empty.tflite", "empty file (expected a .tflite flatbuffer)"}},
        {"tflite: truncated at half", [=] { load_file("half.tflite", cut(small_tflite, small_tflite.size() / 2)); },
         K::format, {"half.tflite", "malformed .tflite flatbuffer"}},
        {"tflite: text file named .tflite", [] { load_file("text.tflite", text("not a model, just some text\n")); },
         K::format, {"text.tflite", "not a .tflite file: file identifier is 'a mo', expected 'TFL3'"}},
        {"tflite: unsupported op",
         [] { load_file("maxpool.tflite", synthetic_tflite([](auto& o) { o.insert_op = 17; })); }, K::unsupported,
         {"maxpool.tflite", "op 1: unsupported op MAX_POOL_2D"}},
        {"tflite: buffer index out of range",
         [] { load_file("buffer.tflite", synthetic_tflite([](auto& o) { o.bad_buffer_index = true; })); }, K::format,
         {"buffer.tflite", "layer0/weights", "buffer index 9999 out of range"}},
        {"tflite: wrong weight shape",
         [] { load_file("shape.tflite", synthetic_tflite([](auto& o) { o.wrong_shape_conv = 2; })); }, K::shape,
         {"shape.tflite", "op 2 (CONV_2D)", "expected shape [16,1,1,8]", "found [17,1,1,8]"}},
        {"tflite DeepLab: CONCATENATION along height",
         [] { load_file("axis.tflite", synthetic_deeplab([](auto& o) { o.concat_axis = 1; })); }, K::unsupported,
         {"axis.tflite", "(CONCATENATION): expected a concatenation along channels for concat"}},
        {"tflite DeepLab: RESIZE_BILINEAR to a size computed at run time",
         [] { load_file("size.tflite", synthetic_deeplab([](auto& o) { o.resize_size_runtime = true; })); },
         K::unsupported,
         {"size.tflite", "(RESIZE_BILINEAR): expected the size as 2 constant INT32 value(s), found tensor",
          "image_pooling.resize/size' INT32 [2] computed at run time"}},
        {"tflite DeepLab: ARG_MAX missing",
         [] { load_file("argmax.tflite", synthetic_deeplab([](auto& o) { o.drop_arg_max = true; })); }, K::unsupported,
         {"argmax.tflite", "the model output tensor 'ArgMax' is not computed from the logits (by RESIZE_BILINEAR, then "
                           "ARG_MAX over channels): tensor 'ResizeBilinear_2' is"}},
        {"tflite DeepLab: an op after the logits that is not resize or ARG_MAX",
         [] { load_file("softmax.tflite", synthetic_deeplab([](auto& o) { o.softmax_after_logits = true; })); },
         K::unsupported, {"softmax.tflite", "(SOFTMAX): not part of DeepLabv3-MobileNetV2"}},

        // ---- any model path
        {"model: missing file", [] { load("/nonexistent/mnet/model.safetensors"); }, K::io,
         {"/nonexistent/mnet/model.safetensors", "cannot open file"}},
        {"model: a directory named .safetensors",
         [] {
             const TempPath dir{test::temp_file("dir.safetensors")};
             std::filesystem::create_directory(dir.path);
             load(dir.path.string());
         },
         K::io, {"dir.safetensors", "not a regular file"}},
        {"model: unknown extension", [] { load_file("model.onnx", text("onnx")); }, K::unsupported,
         {"model.onnx", "unknown model file type"}},

        // ---- images
        {"image: zero-byte file", [] { image_file("empty.jpg", {}); }, K::format, {"empty.jpg", "empty file, not an image"}},
        {"image: truncated JPEG", [=] { image_file("cut.jpg", cut(photo, photo.size() / 2)); }, K::format,
         {"cut.jpg", "cannot decode JPEG image"}},
        {"image: JPEG cut after its first marker", [=] { image_file("cut3.jpg", cut(photo, 3)); }, K::format,
         {"cut3.jpg", "cannot decode JPEG image"}},
        {"image: text file named .jpg", [] { image_file("notes.jpg", text("this is not a picture\n")); }, K::format,
         {"notes.jpg", "not a JPEG, PNG, BMP, GIF or PNM file (unrecognised signature)"}},
        {"image: TGA-like noise that stb alone would accept",
         [] { image_file("noise.jpg", {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 24, 0, 'a', 'b', 'c'}); },
         K::format, {"noise.jpg", "unrecognised signature"}},
        {"image: PNG without image data", [] { image_file("hollow.png", test::make_png(4, 4, 2, 8, {}, false)); },
         K::format, {"hollow.png", "cannot decode PNG image"}},
        {"image: PNG 16385 pixels wide", [] { image_file("wide.png", test::make_png(16385, 1, 2, 8, {}, false)); },
         K::unsupported, {"wide.png", "16385x1, larger than the limit (16384 per side, 100 megapixels)"}},
        {"image: PNG of 100.01 megapixels", [] { image_file("big.png", test::make_png(10001, 10000, 2, 8, {}, false)); },
         K::unsupported, {"big.png", "10001x10000, larger than the limit"}},
        {"image: PNG chunk longer than the file (fuzz)",
         [=] { image_file("idat.png", fuzz_input("image_png_idat_length_2gib.png")); }, K::format,
         {"idat.png", "cannot decode PNG image: chunk 'IDAT' claims 2130706495 bytes, only"}},
        {"image: PNG with an empty first IDAT chunk (fuzz)",
         [=] { image_file("empty_idat.png", fuzz_input("image_png_empty_idat.png")); }, K::format,
         {"empty_idat.png", "cannot decode PNG image: empty IDAT chunk before any image data"}},
        {"image: JPEG Huffman table of 4080 codes (fuzz)",
         [=] { image_file("dht.jpg", fuzz_input("image_jpeg_dht_4080_codes.jpg")); }, K::format,
         {"dht.jpg", "Huffman table (DHT) defines", "at most 256 are allowed"}},
        {"image: JPEG Huffman table of 341 codes (fuzz)",
         [=] { image_file("dht341.jpg", fuzz_input("image_jpeg_dht_341_codes.jpg")); }, K::format,
         {"dht341.jpg", "cannot decode JPEG image: Huffman table (DHT) defines 341 codes, at most 256 are allowed"}},
        {"image: JPEG Huffman table after 0xFF fill bytes (fuzz: the first check missed it)",
         [=] { image_file("padded.jpg", fuzz_input("image_jpeg_dht_after_padding.jpg")); }, K::format,
         {"padded.jpg", "cannot decode JPEG image: Huffman table (DHT) defines", "at most 256 are allowed"}},
        {"image: PNM width of 37 digits (fuzz)", [=] { image_file("wide.ppm", fuzz_input("image_pnm_width_37_digits.ppm")); },
         K::format, {"wide.ppm", "cannot decode PNM image: header number of 37 digits (at most 9)"}},
        {"image: 16-bit PGM (stb 2.27 overflowed its buffer; fuzz)",
         [=] { image_file("gray16.pgm", fuzz_input("image_pgm16_gray_valid.pgm")); }, K::unsupported,
         {"gray16.pgm", "cannot decode PNM image: 16-bit samples (maxval 65535) are not supported"}},
        {"image: 16-bit PGM cut short (fuzz: stb 2.27 heap overflow)",
         [=] { image_file("gray16cut.pgm", fuzz_input("image_pgm16_gray_truncated.pgm")); }, K::unsupported,
         {"gray16cut.pgm", "cannot decode PNM image: 16-bit samples (maxval 65535) are not supported"}},
        {"image: PPM with its pixel data cut short", [] { image_file("cut.ppm", text("P6\n3 2\n255\nabcde")); },
         K::format, {"cut.ppm", "pixel data truncated: 3x2 needs 18 bytes, the file has 5"}},
        {"head: width does not match the base model's features",
         [] { load_with_head(head_file(2, 10, 0.5f, "cat\ndog")); }, K::shape,
         {"0.25_128_quant.tflite", "the head reads 10 features, the model pools 256"}},
        {"head: NaN weight", [] { load_with_head(head_file(2, 256, std::nanf(""), "cat\ndog")); }, K::format,
         {"head.safetensors", "tensor 'weight': non-finite value at index 0"}},
        {"head: a class name with a newline (one name too many)",
         [] { load_with_head(head_file(2, 256, 0.5f, "cat\nhot\ndog")); }, K::shape,
         {"head.safetensors", "classes holds 3 names, weight has 2 rows"}},
        {"head: a class name with a carriage return",
         [] { load_with_head(head_file(2, 256, 0.5f, "cat\r\ndog")); }, K::format,
         {"head.safetensors", "class 0 name must be 1-256 bytes without line breaks"}},
        {"head: a head file alone", [] { load_file("head.safetensors", head_file(2, 256, 0.5f, "cat\ndog")); },
         K::argument, {"head.safetensors", "a classifier head (mnet-imprint): load it after its base model"}},
        {"image: missing file", [] { read_image("/nonexistent/mnet/none.jpg"); }, K::io, {"/nonexistent/mnet/none.jpg"}},
        {"image: a directory", [] { read_image(test::data_file("images")); }, K::io, {"is a directory"}},
    };
}

}  // namespace

TEST_CASE("bad inputs: each is refused with mnet::Error of its kind that names the file and the problem", "[io][bad]") {
    const std::vector<BadInput> rows = bad_inputs();
    REQUIRE(rows.size() >= 20);
    for (const BadInput& row : rows) {
        DYNAMIC_SECTION(row.name) { test::require_error(row.run, row.kind, row.message); }
    }
}

TEST_CASE("bad inputs: odd but valid images work end to end", "[io][bad][image]") {
    SECTION("1x1 PNG") {
        const Image im = image_file("one.png", test::make_png(1, 1, 2, 8, {9, 99, 199}));
        CHECK(im.width == 1);
        CHECK(im.height == 1);
        CHECK(im.rgb == Bytes{9, 99, 199});
    }
    SECTION("1x1 JPEG") {
        const Image im = image_file("one.jpg", test::jpeg_of(Image{1, 1, {200, 100, 50}}));
        CHECK(im.width == 1);
        CHECK(im.height == 1);
    }
    SECTION("grayscale PNG") {
        const Image im = image_file("gray.png", test::make_png(3, 1, 0, 8, {0, 128, 255}));
        CHECK(im.rgb == Bytes{0, 0, 0, 128, 128, 128, 255, 255, 255});
    }
    SECTION("16-bit RGB PNG") {
        const Image im = image_file("rgb16.png", test::make_png(1, 2, 2, 16, {0x12FF, 0xAB00, 0xFFFF, 0, 0x0101, 0x8000}));
        CHECK(im.rgb == Bytes{0x12, 0xAB, 0xFF, 0x00, 0x01, 0x80});
    }
    SECTION("16-bit grayscale PNG") {
        const Image im = image_file("gray16.png", test::make_png(2, 1, 0, 16, {0x0100, 0xFE80}));
        CHECK(im.rgb == Bytes{1, 1, 1, 0xFE, 0xFE, 0xFE});
    }
    SECTION("8-bit PGM") {
        const Image im = image_file("gray.pgm", text("P5 2 1 255\n\x10\xf0"));
        CHECK(im.rgb == Bytes{0x10, 0x10, 0x10, 0xf0, 0xf0, 0xf0});
    }
}

TEST_CASE("bad inputs: every fuzzer-found input is refused or decoded and never crashes", "[io][bad][fuzz]") {
    // tests/data/fuzz/<reader>_<what>.<ext>: the inputs that crashed a fuzz target before
    // the fix named in the reader's header (safetensors_header_*: a JSON header for the
    // header-mode target, made into a file the way that target does). Under the sanitizer
    // build this replays them through the same entry points; the rows above assert what
    // each kind of input reports.
    int replayed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::test_input("fuzz"))) {
        const std::string name = entry.path().filename().string();
        CAPTURE(name);
        const Bytes bytes = io::read_file(entry.path().string());
        try {
            if (name.starts_with("image_")) {
                const Image image = decode_image(bytes, name);
                CHECK(preprocess(image, {32, Preprocess::torchvision}).size() == 32u * 32 * 3);
            } else if (name.starts_with("safetensors_header_")) {  // an input of the header-mode target
                io::load_safetensors(io::SafetensorsFile(name, fuzz::safetensors_from_header(bytes.data(), bytes.size())));
            } else if (name.starts_with("safetensors_")) {
                io::load_safetensors(io::SafetensorsFile(name, bytes));
            } else if (name.starts_with("tflite_")) {
                io::load_tflite_memory(bytes, name);
            } else {
                FAIL("tests/data/fuzz/" << name << ": name must start with image_, safetensors_ or tflite_");
            }
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Catch::Contains(name));
        }
        ++replayed;
    }
    CHECK(replayed >= 1);
}
