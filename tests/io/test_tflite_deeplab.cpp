// Bad DeepLab files: Google's deeplabv3_mnv2_pascal_quant.tflite with one field
// changed in its flatbuffer (found through the generated accessors, patched in a
// copy of the bytes) must give an mnet::Error naming the op and what was expected;
// a segmentation file cannot be chained, a classifier is not a segmentation model.
// Small synthetic DeepLab files (test_tflite_deeplab_builder.hpp, also the fuzz
// seeds) load, and each of their corruptions is an error naming what was expected.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "io/test_tflite_deeplab_builder.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/mnet.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"

using namespace mnet;
namespace schema = mnet::io::tflite_schema;

namespace {

std::vector<std::uint8_t> deeplab_bytes() {
    return io::read_file(test::data_file("weights/tflite/deeplabv3_mnv2_pascal_quant.tflite"));
}

const schema::Operator* op_at(const std::vector<std::uint8_t>& bytes, int index) {
    return schema::GetModel(bytes.data())->subgraphs()->Get(0)->operators()->Get(static_cast<flatbuffers::uoffset_t>(index));
}

/// Overwrites the stored field `field` of `table` (which must be present) with `value`.
/// (Generated tables derive privately from flatbuffers::Table, at the same address.)
template <class T, class Options>
void patch(const Options* options, flatbuffers::voffset_t field, T value) {
    const std::uint8_t* at = reinterpret_cast<const flatbuffers::Table*>(options)->GetAddressOf(field);
    REQUIRE(at != nullptr);
    std::memcpy(const_cast<std::uint8_t*>(at), &value, sizeof value);
}

Model load_bytes(const std::vector<std::uint8_t>& bytes) { return io::load_tflite_memory(bytes, "deeplab.tflite"); }

}  // namespace

TEST_CASE("tflite DeepLab: a changed dilation, resize flag or concatenation axis is an error", "[io][tflite][deeplab]") {
    {
        std::vector<std::uint8_t> bytes = deeplab_bytes();
        const auto* o = op_at(bytes, 51)->builtin_options_as_DepthwiseConv2DOptions();  // features.15 depthwise, dilation 2
        REQUIRE(o);
        REQUIRE(o->dilation_w_factor() == 2);
        patch<std::int32_t>(o, schema::DepthwiseConv2DOptions::VT_DILATION_W_FACTOR, 3);
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("deeplab.tflite: op 51 (DEPTHWISE_CONV_2D): dilation 2x3, "
                                                             "expected 2x2 for features.15 depthwise"));
    }
    {
        std::vector<std::uint8_t> bytes = deeplab_bytes();
        const auto* o = op_at(bytes, 64)->builtin_options_as_ResizeBilinearOptions();  // the image-pooling broadcast
        REQUIRE(o);
        patch<std::uint8_t>(o, schema::ResizeBilinearOptions::VT_ALIGN_CORNERS, 0);
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("op 64 (RESIZE_BILINEAR): expected align_corners = true"));
    }
    {
        std::vector<std::uint8_t> bytes = deeplab_bytes();
        const auto* o = op_at(bytes, 66)->builtin_options_as_ConcatenationOptions();
        REQUIRE(o);
        patch<std::int32_t>(o, schema::ConcatenationOptions::VT_AXIS, 1);
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("op 66 (CONCATENATION): expected a concatenation along channels"));
    }
    {
        std::vector<std::uint8_t> bytes = deeplab_bytes();
        const auto* o = op_at(bytes, 70)->builtin_options_as_ResizeBilinearOptions();  // the logits' upsampling
        REQUIRE(o);
        patch<std::uint8_t>(o, schema::ResizeBilinearOptions::VT_ALIGN_CORNERS, 0);
        CHECK_THROWS_WITH(load_bytes(bytes), Catch::Contains("op 70 (RESIZE_BILINEAR): the logits' upsampling must align corners"));
    }
}

TEST_CASE("tflite DeepLab: one file, and the tasks do not mix", "[io][tflite][deeplab]") {
    const std::vector<std::uint8_t> bytes = deeplab_bytes();
    const std::vector<io::TfliteBytes> two{{bytes, "a.tflite"}, {bytes, "b.tflite"}};
    CHECK_THROWS_WITH(io::load_tflite_memory(two), Catch::Contains("a segmentation graph loads from one file, got 2"));
    const Model deeplab = load_bytes(bytes);
    CHECK(deeplab.info().task() == Task::segmentation);
    CHECK(deeplab.info().upsample() == ResizeFlags{true, false});
    const Model v1 = load(test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"));
    CHECK(v1.info().task() == Task::classification);
}

TEST_CASE("tflite DeepLab: a synthetic file loads and runs at output stride 16 and 8", "[io][tflite][deeplab]") {
    for (const int stride : {16, 8}) {
        CAPTURE(stride);
        test::SyntheticDeepLabOptions opt;
        opt.output_stride = stride;
        const Model model = io::load_tflite_memory(test::make_synthetic_deeplab(opt), "synthetic.tflite");
        CHECK(model.info().arch == Arch::deeplab_v3);
        CHECK(model.info().width == 0.25f);
        CHECK(model.info().num_classes == 3);
        CHECK(model.info().output_stride == stride);
        Session session(model);
        CHECK(session.output_shape() == Shape{(33 + stride - 1) / stride, (33 + stride - 1) / stride, 3});
        const std::vector<float> image(33 * 33 * 3, 0.25f);
        const std::span<const float> logits = session.run(image);
        CHECK(std::all_of(logits.begin(), logits.end(), [](float v) { return std::isfinite(v); }));
    }
}

TEST_CASE("tflite DeepLab: synthetic files with one fault each", "[io][tflite][deeplab][bad_file]") {
    const auto load_with = [](void (*corrupt)(test::SyntheticDeepLabOptions&)) {
        test::SyntheticDeepLabOptions opt;
        corrupt(opt);
        io::load_tflite_memory(test::make_synthetic_deeplab(opt), "d.tflite");
    };
    using test::require_error;
    require_error([&] { load_with([](auto& o) { o.concat_axis = 1; }); }, ErrorKind::unsupported,
                  {"d.tflite: op ", "(CONCATENATION): expected a concatenation along channels for concat"});
    test::SyntheticDeepLabOptions from_end;  // both axes may count from the end
    from_end.concat_axis = -1;
    from_end.arg_max_axis = -1;
    CHECK_NOTHROW(io::load_tflite_memory(test::make_synthetic_deeplab(from_end), "d.tflite"));
    require_error([&] { load_with([](auto& o) { o.resize_size_runtime = true; }); }, ErrorKind::unsupported,
                  {"(RESIZE_BILINEAR): expected the size as 2 constant INT32 value(s)", "computed at run time"});
    require_error([&] { load_with([](auto& o) { o.resize_size_extra = 1; }); }, ErrorKind::unsupported,
                  {"(RESIZE_BILINEAR): resizes to 4x3, expected 3x3 for image_pooling.resize"});
    require_error([&] { load_with([](auto& o) { o.drop_arg_max = true; }); }, ErrorKind::unsupported,
                  {"the model output tensor 'ArgMax' is not computed from the logits"});
    require_error([&] { load_with([](auto& o) { o.arg_max_axis = 1; }); }, ErrorKind::unsupported,
                  {"(ARG_MAX): ARG_MAX along axis 1, expected 3 (channels)"});
    require_error([&] { load_with([](auto& o) { o.softmax_after_logits = true; }); }, ErrorKind::unsupported,
                  {"(SOFTMAX): not part of DeepLabv3-MobileNetV2 (after the logits only RESIZE_BILINEAR and ARG_MAX"});
    require_error([&] { load_with([](auto& o) { o.add_relu = true; }); }, ErrorKind::unsupported,
                  {"(ADD): fused activation RELU, expected NONE for features.", " residual"});
}
