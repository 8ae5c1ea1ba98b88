// DeepLabv3-MobileNetV2 (MobileNetV2 §6.3) from Google's two .tflite files against
// ../shared/reference/<model>: logits within 1e-3 of the float64 pass, masks (logits
// upsampled with corners aligned, then arg-max) equal on ≥ 99.9 % of pixels, and
// against the mask Google's own runtime produced for bird_513.png on ≥ 97 %.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/kernels/reference/resize_bilinear.hpp"
#include "mnet/mnet.hpp"
#include "support/data.hpp"

using namespace mnet;

namespace {

/// The float input the reference used: x = (q − 128)/128 of the 513×513 PNG.
std::vector<float> deeplab_input(const Image& image) {
    std::vector<float> x(image.rgb.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (static_cast<float>(image.rgb[i]) - 128.0f) / 128.0f;
    return x;
}

/// Logits upsampled to h × w as the model says, then the first maximum per pixel.
std::vector<std::uint8_t> mask_of(std::span<const float> logits, Shape shape, ResizeFlags flags, int h, int w) {
    const kernels::ResizeGeometry g =
        kernels::ResizeGeometry::make(shape, h, w, flags.align_corners, flags.half_pixel_centers);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(h) * static_cast<std::size_t>(w));
    kernels::reference::resize_bilinear_argmax(g, logits.data(), mask.data(), 0, h);
    return mask;
}

double agreement(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    REQUIRE(a.size() == b.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    return static_cast<double>(same) / static_cast<double>(a.size());
}

}  // namespace

TEST_CASE("DeepLabv3-MobileNetV2: Google's files against the float64 reference", "[reference][deeplab]") {
    const std::string model_name = GENERATE(as<std::string>{}, "deeplabv3_mnv2_pascal_quant", "deeplabv3_mnv2_dm05_pascal_quant");
    const Model model = load(test::data_file("weights/tflite/" + model_name + ".tflite"));
    CHECK(model.info().arch == Arch::deeplab_v3);
    CHECK(model.info().task() == Task::segmentation);
    CHECK(model.info().output_stride == 16);
    CHECK(model.num_classes() == 21);
    CHECK(model.input_spec().resolution == 513);
    CHECK(model.info().width == (model_name == "deeplabv3_mnv2_pascal_quant" ? 1.0f : 0.5f));
    const int threads = GENERATE(1, 2);
    CAPTURE(model_name, threads);
    Session session(model, {.threads = threads, .precision = Precision::float32});  // the float64 reference
    REQUIRE(session.output_shape() == Shape{33, 33, 21});
    float worst = 0;
    double worst_mask = 1.0;
    for (const std::string image : {"bird", "chelsea", "grace_hopper", "parrot"}) {
        CAPTURE(image);
        const Image png = read_image(test::data_file("images/segmentation/" + image + "_513.png"));
        REQUIRE(png.width == 513);
        const auto logits = session.run(deeplab_input(png));
        const auto expected = test::read_f32(test::data_file("reference/" + model_name + "/" + image + ".logits.f32"));
        REQUIRE(logits.size() == expected.size());
        float diff = 0;
        for (std::size_t i = 0; i < logits.size(); ++i) diff = std::max(diff, std::abs(logits[i] - expected[i]));
        CHECK(diff <= 1e-3f);
        worst = std::max(worst, diff);
        const std::vector<std::uint8_t> reference_mask =
            io::read_file(test::data_file("reference/" + model_name + "/" + image + ".mask.u8"));
        const double same = agreement(mask_of(logits, session.output_shape(), model.info().upsample(), 513, 513), reference_mask);
        CHECK(same >= 0.999);
        worst_mask = std::min(worst_mask, same);
    }
    WARN(model_name << " threads " << threads << ": max |logit - reference| = " << worst
                    << ", worst mask agreement " << worst_mask * 100 << " %");
}

TEST_CASE("DeepLabv3-MobileNetV2: agrees with Google's own mask of bird_513.png", "[reference][deeplab]") {
    const Model model = load(test::data_file("weights/tflite/deeplabv3_mnv2_pascal_quant.tflite"));
    Session session(model, {.precision = Precision::float32});
    const Image png = read_image(test::data_file("images/segmentation/bird_513.png"));
    const auto logits = session.run(deeplab_input(png));
    const std::vector<std::uint8_t> mask = mask_of(logits, session.output_shape(), model.info().upsample(), 513, 513);
    const Image coral = read_image(test::data_file("images/segmentation/bird_513.coral_mask.png"));
    REQUIRE(coral.width == 513);
    std::vector<std::uint8_t> google(mask.size());
    for (std::size_t i = 0; i < google.size(); ++i) google[i] = coral.rgb[i * 3];  // class index in every channel
    const double same = agreement(mask, google);
    CHECK(same >= 0.97);
    WARN("agreement with Google's mask of bird_513.png: " << same * 100 << " %");
}

TEST_CASE("DeepLabV3 from code: output strides, widths and the complexity report", "[models][deeplab]") {
    for (const int os : {8, 16}) {
        const Graph g = DeepLabV3::build({.width = 1.0f, .resolution = 513, .output_stride = os});
        CHECK(g.output_shape() == Shape{os == 16 ? 33 : 65, os == 16 ? 33 : 65, 21});
        const stats::Report r = stats::complexity(g);
        CHECK(r.madds > 0);
        std::uint64_t weights = 0;
        for (const LayerStats& row : r.layers) weights += row.params;
        CHECK(weights == DeepLabV3::weight_count({.width = 1.0f, .resolution = 513, .output_stride = os}));
    }
    CHECK_THROWS_AS(DeepLabV3::build({.output_stride = 4}), Error);
}
