// Preprocessing: tf_inception against the stored inputs of every config and photo,
// crop geometry against index.json, and torchvision's steps on cases small enough
// to work out by hand.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/image.hpp"
#include "mnet/io/preprocess.hpp"
#include "support/data.hpp"
#include "support/reference.hpp"

using namespace mnet;

namespace {

// push_back, not insert({r, g, b}): GCC 12 -O2 reports a false stringop-overflow
// in vector::insert of an initializer_list once it inlines it here.
void append_pixel(Image& im, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    im.rgb.push_back(r);
    im.rgb.push_back(g);
    im.rgb.push_back(b);
}

Image constant_image(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    Image im{width, height, {}};
    for (int i = 0; i < width * height; ++i) append_pixel(im, r, g, b);
    return im;
}

/// Pixel (y, x) = (f(y, x), 2 f, 255 − f) for a small integer pattern f.
Image pattern_image(int width, int height) {
    Image im{width, height, {}};
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const int f = (x * 7 + y * 13) % 120;
            append_pixel(im, static_cast<std::uint8_t>(f), static_cast<std::uint8_t>(2 * f),
                         static_cast<std::uint8_t>(255 - f));
        }
    return im;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    return worst;
}

}  // namespace

TEST_CASE("preprocess: tf_inception crop equals index.json's crop", "[preprocess]") {
    const auto& images = test::reference_index().at("images");
    for (const std::string& name : test::reference_images()) {
        CAPTURE(name);
        const auto& info = images.at(name);
        const Window w = tf_inception_crop(info.at("height").get<int>(), info.at("width").get<int>());
        const auto& crop = info.at("crop");
        CHECK(w.height == crop.at("size").get<int>());
        CHECK(w.width == crop.at("size").get<int>());
        CHECK(w.top == crop.at("top").get<int>());
        CHECK(w.left == crop.at("left").get<int>());
    }
    CHECK(tf_inception_crop(8, 100) == Window{0, 46, 7, 7});
    CHECK(tf_inception_crop(1, 1) == Window{0, 0, 1, 1});  // floor(0.875) = 0 is raised to 1
    CHECK_THROWS_AS(tf_inception_crop(0, 5), Error);
}

TEST_CASE("preprocess: tf_inception matches every stored input.f32", "[preprocess]") {
    const auto& configs = test::reference_index().at("configs");
    for (const std::string& name : test::reference_images()) {
        const Image image = read_image(test::data_file("images/" + name + ".jpg"));
        double worst_for_image = 0;
        for (const auto& [config, info] : configs.items()) {
            CAPTURE(name, config);
            const int r = info.at("resolution").get<int>();
            const auto expected = test::read_f32(test::reference_file(info.at("outputs").at(name).at("input").get<std::string>()));
            REQUIRE(expected.size() == static_cast<std::size_t>(r * r * 3));
            const std::vector<float> got = preprocess(image, {r, Preprocess::tf_inception});
            const double err = max_abs_diff(got, expected);
            CHECK(err <= 1e-5);
            worst_for_image = std::max(worst_for_image, err);
        }
        WARN("tf_inception " << name << ": max |input - input.f32| over all configs = " << worst_for_image);
    }
}

TEST_CASE("preprocess: resize_bilinear of a window equals resize of the cropped copy", "[preprocess]") {
    const Image im = pattern_image(37, 23);
    const Window w{3, 5, 17, 29};
    const std::vector<double> in_place = resize_bilinear(im, w, 11, 13);
    const Image cut = crop(im, w);
    const std::vector<double> copied = resize_bilinear(cut, {0, 0, cut.height, cut.width}, 11, 13);
    CHECK(in_place == copied);
    CHECK(cut.at(0, 0, 0) == im.at(3, 5, 0));
    CHECK(cut.at(16, 28, 2) == im.at(19, 33, 2));
    CHECK_THROWS_AS(crop(im, {20, 0, 4, 4}), Error);
}

TEST_CASE("preprocess: resize_bilinear uses half-pixel centres with clamping", "[preprocess]") {
    // One row 0, 100, 200, 250 resized 4 -> 2: src = (d + 0.5)·2 − 0.5 = 0.5 and 2.5.
    Image row{4, 1, {}};
    for (std::uint8_t v : {0, 100, 200, 250}) append_pixel(row, v, v, v);
    auto out = resize_bilinear(row, {0, 0, 1, 4}, 1, 2);
    CHECK(out[0] == Approx(50).margin(1e-12));
    CHECK(out[3] == Approx(225).margin(1e-12));
    // 4 -> 8: src = (d + 0.5)/2 − 0.5: d = 0 clamps to 0, d = 7 clamps to 3, d = 1 is 0.25.
    out = resize_bilinear(row, {0, 0, 1, 4}, 1, 8);
    CHECK(out[0] == 0);
    CHECK(out[3] == Approx(25).margin(1e-12));
    CHECK(out[21] == 250);
}

TEST_CASE("preprocess: torchvision crop and resize geometry", "[preprocess]") {
    CHECK(torchvision_resize_size(224) == 256);
    CHECK(torchvision_resize_size(192) == 219);
    CHECK(torchvision_resize_size(160) == 183);
    CHECK(torchvision_resize_size(128) == 146);
    CHECK(resize_short_side(400, 600, 256) == ImageSize{256, 384});
    CHECK(resize_short_side(929, 512, 256) == ImageSize{464, 256});  // 464.5 truncates
    CHECK(resize_short_side(300, 300, 256) == ImageSize{256, 256});
    CHECK(resize_short_side(1, 3, 256) == ImageSize{256, 768});
    // Offsets are Python's round((size - crop) / 2): halves go to the even side.
    CHECK(center_crop(256, 384, 224, 224) == Window{16, 80, 224, 224});
    CHECK(center_crop(256, 341, 224, 224) == Window{16, 58, 224, 224});  // 58.5 -> 58
    CHECK(center_crop(256, 343, 224, 224) == Window{16, 60, 224, 224});  // 59.5 -> 60
    CHECK(center_crop(224, 224, 224, 224) == Window{0, 0, 224, 224});
    CHECK_THROWS_AS(center_crop(200, 300, 224, 224), Error);
}

TEST_CASE("preprocess: antialiased resize weights by hand", "[preprocess]") {
    // Downscaling 8 -> 4 (scale 2): the triangle widens to ±2 source pixels, so an
    // interior output reads 4 pixels with weights 1, 3, 3, 1 (/8); output 0 loses the
    // pixel left of the border and renormalises 3, 3, 1 (/7).
    Image row{8, 1, {}};
    for (int x = 0; x < 8; ++x) {
        const auto v = static_cast<std::uint8_t>(10 * x);
        append_pixel(row, v, v, v);
    }
    const auto out = resize_antialias(row, 1, 4, {0, 0, 1, 4});
    CHECK(out[0] == Approx((0 * 3 + 10 * 3 + 20 * 1) / 7.0).margin(1e-12));
    CHECK(out[3] == Approx((10 * 1 + 20 * 3 + 30 * 3 + 40 * 1) / 8.0).margin(1e-12));
    CHECK(out[6] == Approx((30 * 1 + 40 * 3 + 50 * 3 + 60 * 1) / 8.0).margin(1e-12));
    // The same along y: a column image.
    Image column{1, 8, row.rgb};
    const auto down = resize_antialias(column, 4, 1, {0, 0, 4, 1});
    CHECK(down[3] == Approx(out[3]).margin(1e-12));
    // A kept window computes exactly those outputs of the full resize.
    const auto part = resize_antialias(row, 1, 4, {0, 2, 1, 2});
    REQUIRE(part.size() == 6);
    CHECK(part[0] == out[6]);
    CHECK(part[3] == out[9]);
}

TEST_CASE("preprocess: antialias is plain bilinear when enlarging by 2", "[preprocess]") {
    // At scale <= 1 the triangle keeps support 1 and the border renormalisation picks
    // the edge pixel, exactly like half-pixel bilinear with clamping.
    const Image im = pattern_image(9, 6);
    const auto aa = resize_antialias(im, 12, 18, {0, 0, 12, 18});
    const auto bl = resize_bilinear(im, {0, 0, 6, 9}, 12, 18);
    REQUIRE(aa.size() == bl.size());
    double worst = 0;
    for (std::size_t i = 0; i < aa.size(); ++i) worst = std::max(worst, std::abs(aa[i] - bl[i]));
    CHECK(worst <= 1e-9);
}

TEST_CASE("preprocess: torchvision normalises with ImageNet mean and std", "[preprocess]") {
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{{300, 200}, {50, 80}, {1, 1}, {256, 256}}) {
        CAPTURE(w, h);
        const Image im = constant_image(w, h, 200, 100, 30);
        for (const int r : {224, 160}) {
            const std::vector<float> x = preprocess(im, {r, Preprocess::torchvision});
            REQUIRE(x.size() == static_cast<std::size_t>(r * r * 3));
            const double want[3] = {(200 / 255.0 - 0.485) / 0.229, (100 / 255.0 - 0.456) / 0.224,
                                    (30 / 255.0 - 0.406) / 0.225};
            double worst = 0;
            for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - want[i % 3]));
            CHECK(worst <= 1e-6);
        }
    }
}

TEST_CASE("preprocess: torchvision on a photo is the resized crop, normalised", "[preprocess]") {
    // Composition check on a real photo: preprocess = resize_antialias of the whole
    // image to 256 × 384, central 224 window, then (p/255 − mean)/std.
    const Image im = read_image(test::data_file("images/coffee.jpg"));
    const std::vector<float> x = preprocess(im, {224, Preprocess::torchvision});
    const auto pixels = resize_antialias(im, 256, 384, {16, 80, 224, 224});
    REQUIRE(x.size() == pixels.size());
    const double mean[3] = {0.485, 0.456, 0.406}, stdev[3] = {0.229, 0.224, 0.225};
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
        worst = std::max(worst, std::abs(x[i] - (pixels[i] / 255.0 - mean[i % 3]) / stdev[i % 3]));
    CHECK(worst <= 1e-6);
}

TEST_CASE("preprocess: rejects malformed images and resolutions", "[preprocess]") {
    CHECK_THROWS_AS(preprocess(Image{}, {224, Preprocess::tf_inception}), Error);
    Image broken{4, 4, std::vector<std::uint8_t>(10)};
    CHECK_THROWS_AS(preprocess(broken, {224, Preprocess::tf_inception}), Error);
    CHECK_THROWS_AS(preprocess(constant_image(4, 4, 1, 2, 3), {0, Preprocess::torchvision}), Error);
    // A 1-pixel image is still an image: every output is that pixel.
    const auto x = preprocess(constant_image(1, 1, 255, 0, 127), {8, Preprocess::tf_inception});
    REQUIRE(x.size() == 8 * 8 * 3);
    CHECK(x[0] == 1.0f);
    CHECK(x[1] == -1.0f);
    CHECK(x[191] == Approx(127 / 127.5 - 1));
}
