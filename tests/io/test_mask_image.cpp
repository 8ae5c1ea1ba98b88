// Mask pictures: the PASCAL VOC colour map against the devkit's published colours,
// colorize and overlay pixel by pixel, and PNGs written through libstb that decode
// back (with stb_image) to exactly the pixels written.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/image.hpp"
#include "mnet/io/mask_image.hpp"
#include "mnet/io/png.hpp"

using namespace mnet;

namespace {

using Rgb = std::array<std::uint8_t, 3>;

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("mnet_test_mask_image_" + name);
}

}  // namespace

TEST_CASE("mask image: PASCAL VOC colours", "[segmentation][palette]") {
    // the VOC devkit's colours for the 21 classes (labelcolormap) and the void label
    const Rgb voc[21] = {{0, 0, 0},       {128, 0, 0},   {0, 128, 0},    {128, 128, 0},  {0, 0, 128},
                         {128, 0, 128},   {0, 128, 128}, {128, 128, 128}, {64, 0, 0},    {192, 0, 0},
                         {64, 128, 0},    {192, 128, 0}, {64, 0, 128},   {192, 0, 128},  {64, 128, 128},
                         {192, 128, 128}, {0, 64, 0},    {128, 64, 0},   {0, 192, 0},    {128, 192, 0},
                         {0, 64, 128}};
    for (int c = 0; c < 21; ++c) {
        CAPTURE(c);
        CHECK(pascal_voc_color(static_cast<std::uint8_t>(c)) == voc[c]);
    }
    CHECK(pascal_voc_color(255) == Rgb{224, 224, 192});
    std::set<Rgb> distinct;
    for (int c = 0; c < 256; ++c) distinct.insert(pascal_voc_color(static_cast<std::uint8_t>(c)));
    CHECK(distinct.size() == 256);
}

TEST_CASE("mask image: colorize and overlay", "[segmentation][palette]") {
    const Mask mask{2, 3, {0, 3, 15, 15, 0, 255}};
    const Image colors = colorize(mask);
    REQUIRE(colors.width == 3);
    REQUIRE(colors.height == 2);
    CHECK(colors.rgb == std::vector<std::uint8_t>{0, 0, 0, 128, 128, 0, 192, 128, 128,  //
                                                  192, 128, 128, 0, 0, 0, 224, 224, 192});

    Image photo{3, 2, {}};
    for (int i = 0; i < 18; ++i) photo.rgb.push_back(static_cast<std::uint8_t>(10 * i + 5));
    const Image half = overlay(photo, mask, 0.5);
    REQUIRE(half.rgb.size() == 18);
    for (std::size_t i = 0; i < 18; ++i) {
        CAPTURE(i);
        const std::uint8_t cls = mask.classes[i / 3];
        const double expected = cls == 0 ? photo.rgb[i] : 0.5 * photo.rgb[i] + 0.5 * colors.rgb[i];
        CHECK(half.rgb[i] == static_cast<std::uint8_t>(std::floor(expected + 0.5)));  // halves: lround rounds up here
    }
    CHECK(overlay(photo, mask, 0.0).rgb == photo.rgb);
    const Image full = overlay(photo, mask, 1.0);
    CHECK(std::equal(full.rgb.begin() + 3, full.rgb.begin() + 12, colors.rgb.begin() + 3));
    CHECK_THROWS_AS(overlay(photo, Mask{3, 2, std::vector<std::uint8_t>(6)}), Error);  // transposed
    CHECK_THROWS_AS(overlay(photo, mask, 1.5), Error);
}

TEST_CASE("mask image: PNGs written through libstb decode to the same pixels", "[segmentation][png]") {
    Mask mask{7, 5, {}};
    for (int i = 0; i < 35; ++i) mask.classes.push_back(static_cast<std::uint8_t>((i * 37) % 21));
    const std::filesystem::path path = temp_path("mask.png");
    write_png(path.string(), colorize(mask));
    const Image back = read_image(path.string());
    std::filesystem::remove(path);
    REQUIRE(back.width == 5);
    REQUIRE(back.height == 7);
    CHECK(back.rgb == colorize(mask).rgb);
    // and back to class indices through the palette
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 5; ++x) {
            const Rgb c{back.at(y, x, 0), back.at(y, x, 1), back.at(y, x, 2)};
            CHECK(c == pascal_voc_color(mask.at(y, x)));
        }

    const Image one{1, 1, {1, 2, 3}};
    write_png(path.string(), one);
    CHECK(read_image(path.string()).rgb == one.rgb);
    std::filesystem::remove(path);
}

TEST_CASE("mask image: write_png errors", "[segmentation][png]") {
    try {
        write_png((temp_path("no_such_folder") / "x.png").string(), Image{1, 1, {0, 0, 0}});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::io);
        CHECK_THAT(e.what(), Catch::Matchers::Contains("x.png"));
    }
    CHECK_THROWS_AS(write_png(temp_path("bad.png").string(), Image{2, 2, {0, 0, 0}}), Error);
    CHECK_THROWS_AS(write_png(temp_path("bad.png").string(), Image{}), Error);
    CHECK_FALSE(std::filesystem::exists(temp_path("bad.png")));
}
