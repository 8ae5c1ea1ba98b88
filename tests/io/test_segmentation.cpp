// prepare_segmentation (the deeplab preset): an R × R image is scaled without any
// resampling, x = (q − 128)/128; other sizes keep their aspect ratio through an
// align-corners bilinear resize, which reproduces a linear ramp exactly and keeps
// the corner pixels; the padding is 0 (p = 128); preprocess() gives the same input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/image.hpp"
#include "mnet/io/preprocess.hpp"
#include "mnet/io/segmentation.hpp"
#include "support/data.hpp"

using namespace mnet;

namespace {

constexpr InputSpec deeplab_513{513, Preprocess::deeplab};

/// Pixel (y, x) = (a + 3y + 5x) per channel with a = 10, 20, 30: a linear ramp, which a
/// bilinear resize must reproduce at every output position.
Image ramp_image(int height, int width) {
    Image im{width, height, {}};
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c) im.rgb.push_back(static_cast<std::uint8_t>(10 * (c + 1) + 3 * y + 5 * x));
    return im;
}

float input_at(const std::vector<float>& input, int r, int y, int x, int c) {
    return input[(static_cast<std::size_t>(y) * static_cast<std::size_t>(r) + static_cast<std::size_t>(x)) * 3 +
                 static_cast<std::size_t>(c)];
}

}  // namespace

TEST_CASE("segmentation input: a 513x513 photo is scaled, not resampled", "[segmentation][preprocess]") {
    const Image image = read_image(test::data_file("images/segmentation/bird_513.png"));
    REQUIRE(image.width == 513);
    REQUIRE(image.height == 513);
    const SegmentationInput in = prepare_segmentation(image, deeplab_513);
    CHECK(in.letterbox == Letterbox{513, 513, 513, 513, 513});
    REQUIRE(in.input.size() == image.rgb.size());
    std::size_t exact = 0;
    for (std::size_t i = 0; i < image.rgb.size(); ++i)
        exact += in.input[i] == (static_cast<float>(image.rgb[i]) - 128.0f) / 128.0f;
    CHECK(exact == image.rgb.size());
    CHECK(preprocess(image, deeplab_513) == in.input);
}

TEST_CASE("segmentation input: aspect kept, align-corners bilinear, padding 0", "[segmentation][preprocess]") {
    // {height, width, resolution}: up- and down-scaling, both orientations, R = 1
    // (the ramp must stay below 256: 30 + 3·19 + 5·14 = 157)
    const int cases[][3] = {{2, 3, 513}, {3, 2, 17}, {20, 15, 21}, {15, 20, 8}, {9, 9, 5}, {1, 1, 7}, {5, 3, 1}};
    for (const auto& [h, w, r] : cases) {
        CAPTURE(h, w, r);
        const Image image = ramp_image(h, w);
        const SegmentationInput in = prepare_segmentation(image, {r, Preprocess::deeplab});
        const Letterbox box = in.letterbox;
        CHECK(box == deeplab_letterbox(h, w, r));
        REQUIRE(in.input.size() == static_cast<std::size_t>(r) * static_cast<std::size_t>(r) * 3);
        double worst = 0;
        std::size_t padding_not_zero = 0;
        for (int y = 0; y < r; ++y)
            for (int x = 0; x < r; ++x)
                for (int c = 0; c < 3; ++c) {
                    const float got = input_at(in.input, r, y, x, c);
                    if (y >= box.valid_height || x >= box.valid_width) {
                        padding_not_zero += got != 0.0f;
                        continue;
                    }
                    // align corners: output y reads source y·(h − 1)/(vh − 1), and the ramp is linear
                    const double sy = box.valid_height > 1 ? y * (h - 1.0) / (box.valid_height - 1) : 0.0;
                    const double sx = box.valid_width > 1 ? x * (w - 1.0) / (box.valid_width - 1) : 0.0;
                    const double p = 10.0 * (c + 1) + 3 * sy + 5 * sx;
                    worst = std::max(worst, std::abs(got - (p - 128) / 128));
                }
        CHECK(padding_not_zero == 0);
        CHECK(worst < 1e-6);
        // corners of the image land on the corners of the valid window, unblended (a
        // one-pixel-long output axis reads the first source pixel only)
        const int vh = box.valid_height - 1, vw = box.valid_width - 1;
        const int last_y = vh > 0 ? h - 1 : 0, last_x = vw > 0 ? w - 1 : 0;
        CHECK(input_at(in.input, r, vh, vw, 0) == (image.at(last_y, last_x, 0) - 128.0f) / 128.0f);
        CHECK(input_at(in.input, r, 0, vw, 2) == (image.at(0, last_x, 2) - 128.0f) / 128.0f);
        CHECK(preprocess(image, {r, Preprocess::deeplab}) == in.input);
    }
}

TEST_CASE("segmentation input: 640x480 and 480x640 against a direct bilinear formula", "[segmentation][preprocess]") {
    for (const auto& [h, w] : {std::pair{480, 640}, std::pair{640, 480}}) {
        CAPTURE(h, w);
        Image image{w, h, {}};
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) image.rgb.push_back(static_cast<std::uint8_t>((x * 7 + y * 13 + c * 50) % 251));
        const SegmentationInput in = prepare_segmentation(image, deeplab_513);
        const Letterbox box = in.letterbox;
        CHECK(box == deeplab_letterbox(h, w, 513));
        double worst = 0;
        std::size_t padding_not_zero = 0;
        for (int y = 0; y < 513; ++y)
            for (int x = 0; x < 513; ++x) {
                if (y >= box.valid_height || x >= box.valid_width) {
                    for (int c = 0; c < 3; ++c) padding_not_zero += input_at(in.input, 513, y, x, c) != 0.0f;
                    continue;
                }
                const double sy = y * (h - 1.0) / (box.valid_height - 1), sx = x * (w - 1.0) / (box.valid_width - 1);
                const int y0 = static_cast<int>(sy), x0 = static_cast<int>(sx);
                const int y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
                const double fy = sy - y0, fx = sx - x0;
                for (int c = 0; c < 3; ++c) {
                    const double p = (1 - fy) * ((1 - fx) * image.at(y0, x0, c) + fx * image.at(y0, x1, c)) +
                                     fy * ((1 - fx) * image.at(y1, x0, c) + fx * image.at(y1, x1, c));
                    worst = std::max(worst, std::abs(input_at(in.input, 513, y, x, c) - (p - 128) / 128));
                }
            }
        CHECK(padding_not_zero == 0);
        CHECK(worst < 1e-6);
    }
}

TEST_CASE("segmentation input: a classification spec, bad sizes and empty images are errors",
          "[segmentation][preprocess]") {
    const Image image = ramp_image(4, 4);
    CHECK_THROWS_AS(prepare_segmentation(image, {224, Preprocess::tf_inception}), Error);
    CHECK_THROWS_AS(prepare_segmentation(image, {0, Preprocess::deeplab}), Error);
    CHECK_THROWS_AS(prepare_segmentation(image, {8193, Preprocess::deeplab}), Error);
    CHECK_THROWS_AS(prepare_segmentation(Image{}, deeplab_513), Error);
    CHECK_THROWS_AS(prepare_segmentation(Image{2, 2, std::vector<std::uint8_t>(5)}, deeplab_513), Error);
    try {
        prepare_segmentation(image, {224, Preprocess::torchvision});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::argument);
        CHECK_THAT(e.what(), Catch::Matchers::Contains("torchvision, not deeplab"));
    }
}
