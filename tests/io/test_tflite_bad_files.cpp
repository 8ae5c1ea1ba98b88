// The .tflite importer on files it must refuse: empty, truncated, garbage,
// indices out of range, unsupported ops, wrong shapes and options, broken
// chains. Each must throw mnet::Error of the right kind whose message names the
// file and the problem; random byte flips must never crash or throw anything else.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "io/test_tflite_builder.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/mnet.hpp"
#include "mnet/quant/reference_interpreter.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"

using namespace mnet;
using Catch::Contains;
using test::require_error;

namespace {

Model load_synthetic(const test::SyntheticOptions& opt) {
    return io::load_tflite_memory(test::make_synthetic_v1(opt).bytes, "synthetic.tflite");
}

std::string small_model_path() { return test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"); }

/// Byte offset of a table's field inside `bytes` (the verified real file), via its vtable.
template <class Table>
std::size_t field_offset(const std::vector<std::uint8_t>& bytes, const Table* table, flatbuffers::voffset_t field) {
    const auto* t = reinterpret_cast<const flatbuffers::Table*>(table);
    const flatbuffers::voffset_t at = t->GetOptionalFieldOffset(field);
    REQUIRE(at != 0);
    return static_cast<std::size_t>(reinterpret_cast<const std::uint8_t*>(table) - bytes.data()) + at;
}

}  // namespace

TEST_CASE("tflite bad files: empty and tiny files", "[tflite][bad_file]") {
    require_error([] { io::load_tflite_memory({}, "empty.tflite"); }, ErrorKind::format, {"empty.tflite", "empty file"});
    const std::vector<std::uint8_t> tiny{0x1c, 0, 0, 0, 'T', 'F'};
    require_error([&] { io::load_tflite_memory(tiny, "tiny.tflite"); }, ErrorKind::format, {"tiny.tflite", "too small"});
}

TEST_CASE("tflite bad files: a missing file is an io error", "[tflite][bad_file]") {
    require_error([] { load("/nonexistent/model.tflite"); }, ErrorKind::io, {"/nonexistent/model.tflite", "cannot open"});
}

TEST_CASE("tflite bad files: truncated real file", "[tflite][bad_file]") {
    // The extractor: the Coral quant models end with a zip of labels after the
    // flatbuffer, and cutting into that leaves a valid model.
    const std::vector<std::uint8_t> bytes =
        io::read_file(test::data_file("weights/tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"));
    const std::size_t size = bytes.size();
    const std::size_t cut = GENERATE_COPY(values<std::size_t>({1, 7, 8, 12, 64, 1000, 100000, size / 2, size - 64, size - 1}));
    CAPTURE(cut, size);
    const std::vector<std::uint8_t> part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    require_error([&] { io::load_tflite_memory(part, "cut.tflite"); }, ErrorKind::format,
                  {"cut.tflite", cut < 8 ? "too small" : "malformed .tflite flatbuffer"});
}

TEST_CASE("tflite bad files: garbage bytes", "[tflite][bad_file]") {
    std::mt19937 rng(42);
    std::vector<std::uint8_t> junk(4096);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    junk[4] = 'J';  // make sure the identifier is not TFL3 by chance
    require_error([&] { io::load_tflite_memory(junk, "junk.bin"); }, ErrorKind::format, {"junk.bin", "not a .tflite file"});

    SECTION("with a TFL3 identifier the verifier catches it") {
        std::memcpy(junk.data() + 4, "TFL3", 4);
        require_error([&] { io::load_tflite_memory(junk, "junk.tflite"); }, ErrorKind::format, {"junk.tflite", "malformed"});
    }
    SECTION("all zero with a TFL3 identifier") {
        std::vector<std::uint8_t> zeros(256, 0);
        std::memcpy(zeros.data() + 4, "TFL3", 4);
        require_error([&] { io::load_tflite_memory(zeros, "zeros.tflite"); }, ErrorKind::format, {"zeros.tflite", "malformed"});
    }
}

TEST_CASE("tflite bad files: buffer index out of range", "[tflite][bad_file]") {
    SECTION("synthetic") {
        test::SyntheticOptions opt;
        opt.bad_buffer_index = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::format,
                      {"synthetic.tflite", "layer0/weights", "buffer index 9999 out of range"});
    }
    SECTION("real file with one tensor's buffer index patched") {
        std::vector<std::uint8_t> bytes = io::read_file(small_model_path());
        namespace fb = io::tflite_schema;
        const fb::Model* model = fb::GetModel(bytes.data());
        const fb::Tensor* tensor = model->subgraphs()->Get(0)->tensors()->Get(3);
        const std::size_t at = field_offset(bytes, tensor, fb::Tensor::VT_BUFFER);
        const std::uint32_t huge = 0x7fffffff;
        std::memcpy(bytes.data() + at, &huge, 4);
        require_error([&] { io::load_tflite_memory(bytes, "patched.tflite"); }, ErrorKind::format,
                      {"patched.tflite", "tensor 3", "buffer index 2147483647 out of range"});
    }
}

TEST_CASE("tflite bad files: unsupported ops are named", "[tflite][bad_file]") {
    SECTION("a builtin op inside the graph") {
        test::SyntheticOptions opt;
        opt.insert_op = 17;  // MAX_POOL_2D
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported,
                      {"synthetic.tflite", "op 1", "unsupported op MAX_POOL_2D"});
    }
    SECTION("an op code beyond the names mnet knows") {
        test::SyntheticOptions opt;
        opt.insert_op = 200;
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported, {"unsupported op builtin op #200"});
    }
    SECTION("a custom op") {
        test::SyntheticOptions opt;
        opt.insert_custom = "MyFancyOp";
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported, {"unsupported op CUSTOM 'MyFancyOp'"});
    }
    SECTION("real file whose AVERAGE_POOL_2D opcode became MAX_POOL_2D") {
        std::vector<std::uint8_t> bytes = io::read_file(small_model_path());
        namespace fb = io::tflite_schema;
        const fb::Model* model = fb::GetModel(bytes.data());
        bool patched = false;
        for (const fb::OperatorCode* code : *model->operator_codes()) {
            if (code->builtin_code() != 1) continue;
            const std::int8_t byte_code = 17;
            const std::int32_t int_code = 17;
            std::memcpy(bytes.data() + field_offset(bytes, code, fb::OperatorCode::VT_DEPRECATED_BUILTIN_CODE), &byte_code, 1);
            std::memcpy(bytes.data() + field_offset(bytes, code, fb::OperatorCode::VT_BUILTIN_CODE), &int_code, 4);
            patched = true;
        }
        REQUIRE(patched);
        require_error([&] { io::load_tflite_memory(bytes, "maxpool.tflite"); }, ErrorKind::unsupported,
                      {"maxpool.tflite", "op 27", "unsupported op MAX_POOL_2D"});
    }
}

TEST_CASE("tflite bad files: wrong-shape weights name op, tensor, expected and found", "[tflite][bad_file]") {
    test::SyntheticOptions opt;
    opt.wrong_shape_conv = 2;  // the first pointwise conv: 8 → 16 channels at α 0.25
    require_error([&] { load_synthetic(opt); }, ErrorKind::shape,
                  {"synthetic.tflite", "op 2 (CONV_2D)", "layer2/weights", "expected shape [16,1,1,8]", "found [17,1,1,8]"});
}

TEST_CASE("tflite bad files: indices and sizes out of range", "[tflite][bad_file]") {
    test::SyntheticOptions opt;
    SECTION("opcode index") {
        opt.bad_opcode_index = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::format, {"op 0", "opcode index 999 out of range"});
    }
    SECTION("tensor index") {
        opt.bad_tensor_index = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::format, {"(CONV_2D)", "tensor index 12345 out of range"});
    }
    SECTION("buffer shorter than shape × element size") {
        opt.short_buffer = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::format,
                      {"layer0/bias", "holds 28 bytes, expected 32"});
    }
    SECTION("per-channel scales of the wrong length") {
        opt.weights = test::SyntheticOptions::Weights::int8_per_channel;
        opt.bad_scale_count = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::format,
                      {"layer0/weights", "7 quantization scales, expected 1 or 8"});
    }
}

TEST_CASE("tflite bad files: options the MobileNet graph does not have", "[tflite][bad_file]") {
    test::SyntheticOptions opt;
    SECTION("stride") {
        opt.wrong_stride = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported,
                      {"op 3 (DEPTHWISE_CONV_2D)", "stride 1x1, expected 2x2"});
    }
    SECTION("padding") {
        opt.valid_padding = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported, {"op 0 (CONV_2D)", "padding VALID, expected SAME"});
    }
    SECTION("activation") {
        opt.no_relu = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported,
                      {"op 2 (CONV_2D)", "fused activation NONE, expected RELU6"});
    }
    SECTION("graph output is not the logits") {
        opt.output_is_stem = true;
        require_error([&] { load_synthetic(opt); }, ErrorKind::unsupported, {"not computed from the logits"});
    }
}

TEST_CASE("tflite bad files: a head must follow its extractor", "[tflite][bad_file]") {
    const std::string extractor = test::data_file("weights/tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
    const std::string head = test::data_file("weights/tflite/mobilenet_quant_v1_224_head_layers.tflite");
    CHECK(load(extractor).num_classes() == 0);  // a feature extractor alone (tests/transfer)
    require_error([&] { load(head); }, ErrorKind::unsupported, {"head_layers.tflite", "classifier head"});
    require_error([&] { load(std::vector<std::string>{head, extractor}); }, ErrorKind::unsupported,
                  {"head_layers.tflite", "classifier head"});
    test::SyntheticOptions opt;
    opt.stop_after_pool = true;
    CHECK(load_synthetic(opt).num_classes() == 0);
    SECTION("a head after a complete model does not chain") {
        require_error([&] { load(std::vector<std::string>{small_model_path(), head}); }, ErrorKind::unsupported,
                      {"0.25_128_quant.tflite"});
    }
}

TEST_CASE("tflite bad files: random byte flips never crash", "[tflite][bad_file][fuzz]") {
    const std::vector<std::uint8_t> original = io::read_file(small_model_path());
    // Structure bytes: before the appended label zip and outside every weight buffer,
    // so half the flips hit tables, vtables, offsets and vectors rather than weights.
    namespace fb = io::tflite_schema;
    const std::uint8_t zip_magic[4] = {'P', 'K', 3, 4};
    const auto zip = std::search(original.begin(), original.end(), zip_magic, zip_magic + 4);
    std::vector<bool> is_weight(original.size(), false);
    for (const fb::Buffer* b : *fb::GetModel(original.data())->buffers())
        if (b->data())
            for (std::size_t i = 0; i < b->data()->size(); ++i)
                is_weight[static_cast<std::size_t>(b->data()->data() - original.data()) + i] = true;
    std::vector<std::size_t> structure;
    for (std::size_t i = 0; i < static_cast<std::size_t>(zip - original.begin()); ++i)
        if (!is_weight[i]) structure.push_back(i);
    REQUIRE(structure.size() > 1000);

    std::mt19937 rng(2024);
    int rejected = 0, loaded = 0;
    const int rounds = 200;
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::uint8_t> bytes = original;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const std::size_t at = round % 2 ? structure[rng() % structure.size()] : rng() % bytes.size();
            bytes[at] = static_cast<std::uint8_t>(rng());
        }
        try {
            const Model m = io::load_tflite_memory(bytes, "flipped.tflite");
            ++loaded;
        } catch (const Error& e) {
            ++rejected;
            CHECK_THAT(std::string(e.what()), Contains("flipped.tflite"));
        }
    }
    WARN("byte flips: " << rejected << " rejected with mnet::Error, " << loaded << " still loaded");
    CHECK(rejected > rounds / 4);  // the structure flips must mostly be caught
}

namespace {

/// The first tensor named `name` in a verified .tflite held in `bytes` (mutable access for patching).
const io::tflite_schema::Tensor* tensor_named(const std::vector<std::uint8_t>& bytes, const std::string& name) {
    for (const io::tflite_schema::Tensor* t : *io::tflite_schema::GetModel(bytes.data())->subgraphs()->Get(0)->tensors())
        if (t->name() && t->name()->str() == name) return t;
    FAIL("no tensor named " << name);
    return nullptr;
}

/// Overwrites the bytes of `value` at `where` (a pointer into `bytes`).
template <class T>
void patch(std::vector<std::uint8_t>& bytes, const void* where, T value) {
    const auto at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(where) - bytes.data());
    REQUIRE(at + sizeof(T) <= bytes.size());
    std::memcpy(bytes.data() + at, &value, sizeof(T));
}

void parse(const std::vector<std::uint8_t>& bytes) { const io::TfliteFile file(bytes, "synthetic.tflite"); }

}  // namespace

TEST_CASE("tflite bad files: quantization parameters are checked per field", "[tflite][bad_file][quant]") {
    test::SyntheticOptions opt;
    opt.weights = test::SyntheticOptions::Weights::uint8;
    std::vector<std::uint8_t> bytes = test::make_synthetic_v1(opt).bytes;
    const auto* q = tensor_named(bytes, "layer0/weights")->quantization();
    REQUIRE(q->scale()->size() == 1);
    REQUIRE(q->zero_point()->size() == 1);
    SECTION("scale zero") {
        patch(bytes, q->scale()->Data(), 0.0f);
        require_error([&] { parse(bytes); }, ErrorKind::format,
                      {"synthetic.tflite", "layer0/weights", "quantization scale 0 at index 0, expected > 0"});
    }
    SECTION("scale negative") {
        patch(bytes, q->scale()->Data(), -0.5f);
        require_error([&] { parse(bytes); }, ErrorKind::format, {"layer0/weights", "quantization scale -0.5", "expected > 0"});
    }
    SECTION("scale not finite") {
        patch(bytes, q->scale()->Data(), std::numeric_limits<float>::quiet_NaN());
        require_error([&] { parse(bytes); }, ErrorKind::format, {"layer0/weights", "non-finite quantization scale"});
        patch(bytes, q->scale()->Data(), std::numeric_limits<float>::infinity());
        require_error([&] { parse(bytes); }, ErrorKind::format, {"layer0/weights", "non-finite quantization scale"});
    }
    SECTION("uint8 zero point outside [0, 255]") {
        patch(bytes, q->zero_point()->Data(), std::int64_t{256});
        require_error([&] { parse(bytes); }, ErrorKind::format,
                      {"layer0/weights", "quantization zero point 256 out of range for UINT8 [0, 255]"});
        patch(bytes, q->zero_point()->Data(), std::int64_t{-1});
        require_error([&] { parse(bytes); }, ErrorKind::format, {"zero point -1 out of range for UINT8"});
    }
    SECTION("int32 bias zero point must be 0") {
        const auto* bq = tensor_named(bytes, "layer0/bias")->quantization();
        patch(bytes, bq->zero_point()->Data(), std::int64_t{3});
        require_error([&] { parse(bytes); }, ErrorKind::format, {"layer0/bias", "zero point 3 out of range for INT32 [0, 0]"});
    }
}

TEST_CASE("tflite bad files: per-channel quantization vectors and axis", "[tflite][bad_file][quant]") {
    test::SyntheticOptions opt;
    opt.weights = test::SyntheticOptions::Weights::int8_per_channel;
    std::vector<std::uint8_t> bytes = test::make_synthetic_v1(opt).bytes;
    const auto* q = tensor_named(bytes, "layer1/weights")->quantization();  // the first depthwise: axis 3
    REQUIRE(q->quantized_dimension() == 3);
    SECTION("quantized dimension out of range") {
        const auto* table = reinterpret_cast<const flatbuffers::Table*>(q);
        const flatbuffers::voffset_t at = table->GetOptionalFieldOffset(io::tflite_schema::QuantizationParameters::VT_QUANTIZED_DIMENSION);
        REQUIRE(at != 0);
        patch(bytes, reinterpret_cast<const std::uint8_t*>(q) + at, std::int32_t{4});
        require_error([&] { parse(bytes); }, ErrorKind::format,
                      {"layer1/weights", "quantized_dimension 4 out of range for shape [1,3,3,8]"});
    }
    SECTION("int8 zero point outside [-128, 127]") {
        patch(bytes, q->zero_point()->Data() + 8 * 2, std::int64_t{128});
        require_error([&] { parse(bytes); }, ErrorKind::format,
                      {"layer1/weights", "zero point 128 out of range for INT8 [-128, 127]"});
    }
    SECTION("per-channel vector of the wrong length") {
        opt.bad_scale_count = true;
        require_error([&] { parse(test::make_synthetic_v1(opt).bytes); }, ErrorKind::format,
                      {"layer0/weights", "7 quantization scales, expected 1 or 8"});
    }
}

TEST_CASE("tflite bad files: integer execution refuses a bias that is not int32 and multipliers out of range",
          "[tflite][bad_file][quant]") {
    std::vector<std::uint8_t> bytes = io::read_file(small_model_path());
    namespace fb = io::tflite_schema;
    const io::TfliteFile original(bytes, "original.tflite");
    const io::TfliteOp& conv = original.ops().at(0);
    REQUIRE(conv.code == io::tflite_codes::conv_2d);
    const std::string bias_name = original.tensor(conv.inputs.at(2)).name;
    const std::string output_name = original.tensor(conv.outputs.at(0)).name;
    SECTION("bias UINT32 instead of INT32") {
        const std::int8_t uint32_code = 15;  // same element size: the buffer size still matches
        std::memcpy(bytes.data() + field_offset(bytes, tensor_named(bytes, bias_name), fb::Tensor::VT_TYPE), &uint32_code, 1);
        const io::TfliteFile file(bytes, "bias.tflite");
        require_error([&] { quant::ReferenceInterpreter interpreter(file); }, ErrorKind::unsupported,
                      {"bias.tflite", "op 0 (CONV_2D)", "bias tensor", io::tflite_short_name(bias_name),
                       "is UINT32, expected INT32"});
    }
    SECTION("an output scale so small the multiplier needs a left shift beyond 30") {
        patch(bytes, tensor_named(bytes, output_name)->quantization()->scale()->Data(), 1e-30f);
        const io::TfliteFile file(bytes, "scale.tflite");
        require_error([&] { quant::ReferenceInterpreter interpreter(file); }, ErrorKind::format,
                      {"scale.tflite", "op 0 (CONV_2D)", io::tflite_short_name(output_name), "output multiplier",
                       "needs a left shift of",
                       "out of range (at most 30)"});
    }
}
