// Image decoding: the reference photos decode to exactly the stored stb buffers;
// every PNG colour type and 16-bit depth comes out as 8-bit RGB; bad data and
// oversized headers are mnet::Error, never a crash. Test PNGs come from a minimal
// encoder (support/image_files.hpp), so each byte of the input is known.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/image.hpp"
#include "support/data.hpp"
#include "support/image_files.hpp"
#include "support/reference.hpp"

using namespace mnet;
using Catch::Matchers::Contains;

namespace {

using test::Bytes;
using test::jpeg_of;
using test::make_png;

}  // namespace

TEST_CASE("image: reference photos decode to the stored stb buffers exactly", "[image]") {
    const auto& images = test::reference_index().at("images");
    for (const std::string& name : test::reference_images()) {
        CAPTURE(name);
        const auto& info = images.at(name);
        const Image image = read_image(test::rooted_file(info.at("jpeg").get<std::string>()));
        CHECK(image.width == info.at("width").get<int>());
        CHECK(image.height == info.at("height").get<int>());
        const std::vector<std::uint8_t> expected = io::read_file(test::reference_file(info.at("rgb_u8").get<std::string>()));
        REQUIRE(image.rgb.size() == expected.size());
        CHECK(image.rgb == expected);
    }
}

TEST_CASE("image: every PNG colour type and 16-bit depth becomes 8-bit RGB", "[image]") {
    SECTION("grayscale 8-bit") {
        const Image im = decode_image(make_png(2, 1, 0, 8, {7, 200}), "gray.png");
        CHECK(im.width == 2);
        CHECK(im.height == 1);
        CHECK(im.rgb == Bytes{7, 7, 7, 200, 200, 200});
    }
    SECTION("gray + alpha: alpha dropped, not blended") {
        const Image im = decode_image(make_png(1, 2, 4, 8, {90, 0, 30, 255}), "ga.png");
        CHECK(im.width == 1);
        CHECK(im.height == 2);
        CHECK(im.rgb == Bytes{90, 90, 90, 30, 30, 30});
    }
    SECTION("RGBA: alpha dropped") {
        const Image im = decode_image(make_png(2, 1, 6, 8, {1, 2, 3, 0, 250, 251, 252, 128}), "rgba.png");
        CHECK(im.rgb == Bytes{1, 2, 3, 250, 251, 252});
    }
    SECTION("RGB 16-bit keeps the high byte") {
        const Image im = decode_image(make_png(1, 1, 2, 16, {0x12FF, 0xAB00, 0xFFFF}), "rgb16.png");
        CHECK(im.rgb == Bytes{0x12, 0xAB, 0xFF});
    }
    SECTION("grayscale 16-bit") {
        const Image im = decode_image(make_png(2, 1, 0, 16, {0x0100, 0xFE80}), "gray16.png");
        CHECK(im.rgb == Bytes{1, 1, 1, 0xFE, 0xFE, 0xFE});
    }
    SECTION("RGBA 16-bit") {
        const Image im = decode_image(make_png(1, 1, 6, 16, {0x4000, 0x8000, 0xC000, 0x0000}), "rgba16.png");
        CHECK(im.rgb == Bytes{0x40, 0x80, 0xC0});
    }
    SECTION("rows stay top first") {
        const Image im = decode_image(make_png(1, 3, 0, 8, {10, 20, 30}), "column.png");
        CHECK(im.at(0, 0, 0) == 10);
        CHECK(im.at(2, 0, 2) == 30);
    }
}

TEST_CASE("image: 1x1 images decode", "[image]") {
    const Image png = decode_image(make_png(1, 1, 2, 8, {9, 99, 199}), "one.png");
    CHECK(png.width == 1);
    CHECK(png.height == 1);
    CHECK(png.rgb == Bytes{9, 99, 199});
    const Image jpeg = decode_image(jpeg_of(png), "one.jpg");
    CHECK(jpeg.width == 1);
    CHECK(jpeg.height == 1);
    CHECK(jpeg.rgb.size() == 3);
}

TEST_CASE("image: sizes are checked from the header before decoding", "[image]") {
    // Headers only (no pixel data): if the decoder ran, it would fail with a format
    // error instead; the size error proves the check came first.
    auto kind_of = [](const Bytes& bytes) {
        try {
            decode_image(bytes, "huge.png");
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Contains("huge.png"));
            return e.kind();
        }
        FAIL("expected mnet::Error");
        return ErrorKind::io;
    };
    CHECK(kind_of(make_png(16385, 1, 2, 8, {}, false)) == ErrorKind::unsupported);
    CHECK(kind_of(make_png(1, 16385, 2, 8, {}, false)) == ErrorKind::unsupported);
    CHECK(kind_of(make_png(10001, 10000, 2, 8, {}, false)) == ErrorKind::unsupported);  // 100.01 MP
    CHECK(kind_of(make_png(16384, 16, 2, 8, {}, false)) == ErrorKind::format);           // allowed size, no data
    CHECK_THROWS_WITH(decode_image(make_png(16385, 1, 2, 8, {}, false), "huge.png"), Contains("larger than the limit"));
}
