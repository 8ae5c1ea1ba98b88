// Image decoding: the reference photos decode to exactly the stored stb buffers;
// every PNG colour type and 16-bit depth comes out as 8-bit RGB; bad data and
// oversized headers are mnet::Error, never a crash. Test PNGs are written here by
// a minimal encoder (stored deflate blocks), so each byte of the input is known.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <stb_image_write.h>

#include "mnet/io/image.hpp"
#include "support/data.hpp"
#include "support/reference.hpp"

using namespace mnet;
using Catch::Matchers::Contains;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t crc32(const std::uint8_t* data, std::size_t n) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void chunk(Bytes& png, const char* type, const Bytes& data) {
    put32(png, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = png.size();
    png.insert(png.end(), type, type + 4);
    png.insert(png.end(), data.begin(), data.end());
    put32(png, crc32(png.data() + start, png.size() - start));
}

/// A PNG of `color_type` (0 gray, 2 RGB, 4 gray+alpha, 6 RGBA) and `depth` bits with
/// the given samples (row-major, big-endian 16-bit values when depth is 16).
Bytes make_png(int width, int height, int color_type, int depth, const std::vector<std::uint16_t>& samples,
               bool with_data = true) {
    const int channels = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 4 ? 2 : 4;
    Bytes png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    put32(ihdr, static_cast<std::uint32_t>(width));
    put32(ihdr, static_cast<std::uint32_t>(height));
    ihdr.insert(ihdr.end(), {static_cast<std::uint8_t>(depth), static_cast<std::uint8_t>(color_type), 0, 0, 0});
    chunk(png, "IHDR", ihdr);
    if (with_data) {
        Bytes raw;  // filter byte 0 (None) before each scanline
        std::size_t s = 0;
        for (int y = 0; y < height; ++y) {
            raw.push_back(0);
            for (int i = 0; i < width * channels; ++i, ++s) {
                if (depth == 16) raw.push_back(static_cast<std::uint8_t>(samples.at(s) >> 8));
                raw.push_back(static_cast<std::uint8_t>(samples.at(s) & 0xFF));
            }
        }
        Bytes z{0x78, 0x01};
        std::size_t at = 0;
        do {  // stored blocks of at most 65535 bytes
            const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
            z.push_back(at + n == raw.size() ? 1 : 0);
            z.insert(z.end(), {static_cast<std::uint8_t>(n & 0xFF), static_cast<std::uint8_t>(n >> 8),
                               static_cast<std::uint8_t>(~n & 0xFF), static_cast<std::uint8_t>((~n >> 8) & 0xFF)});
            z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(at),
                     raw.begin() + static_cast<std::ptrdiff_t>(at + n));
            at += n;
        } while (at < raw.size());
        std::uint32_t a = 1, b = 0;
        for (std::uint8_t v : raw) {
            a = (a + v) % 65521;
            b = (b + a) % 65521;
        }
        put32(z, (b << 16) | a);
        chunk(png, "IDAT", z);
    }
    chunk(png, "IEND", {});
    return png;
}

Bytes jpeg_of(const Image& image) {
    Bytes out;
    auto sink = [](void* context, void* data, int size) {
        auto* bytes = static_cast<Bytes*>(context);
        bytes->insert(bytes->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    REQUIRE(stbi_write_jpg_to_func(sink, &out, image.width, image.height, 3, image.rgb.data(), 95) != 0);
    return out;
}

template <class F>
void require_format_error(F&& f, const std::string& needle) {
    try {
        f();
        FAIL("expected mnet::Error containing '" << needle << "'");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::format);
        CHECK_THAT(e.what(), Contains(needle));
    }
}

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

TEST_CASE("image: unreadable data is an mnet::Error naming the file", "[image]") {
    SECTION("zero bytes") { require_format_error([] { decode_image({}, "empty.jpg"); }, "empty.jpg: empty file"); }
    SECTION("text named .jpg") {
        const std::string text = "this is not a picture\n";
        const Bytes bytes(text.begin(), text.end());
        require_format_error([&] { decode_image(bytes, "notes.jpg"); }, "notes.jpg: cannot decode image");
    }
    SECTION("truncated JPEG") {
        Bytes jpeg = io::read_file(test::data_file("images/coffee.jpg"));
        for (const double keep : {0.5, 0.9, 0.01}) {
            CAPTURE(keep);
            const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() * keep));
            require_format_error([&] { decode_image(cut, "cut.jpg"); }, "cut.jpg: cannot decode JPEG image: ");
        }
        require_format_error([&] { decode_image(Bytes(jpeg.begin(), jpeg.begin() + 3), "cut.jpg"); },
                             "cut.jpg: cannot decode JPEG image");
    }
    SECTION("PNG without image data") {
        require_format_error([] { decode_image(make_png(4, 4, 2, 8, {}, false), "hollow.png"); },
                             "hollow.png: cannot decode PNG image: ");
    }
    SECTION("a file that does not exist is an io error") {
        try {
            read_image("/nonexistent/mnet/none.jpg");
            FAIL("expected mnet::Error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::io);
            CHECK_THAT(e.what(), Contains("/nonexistent/mnet/none.jpg"));
        }
    }
    SECTION("a directory is an io error, not a huge allocation") {
        try {
            read_image(test::data_file("images"));
            FAIL("expected mnet::Error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::io);
            CHECK_THAT(e.what(), Contains("is a directory"));
        }
    }
    SECTION("a TGA-like header that stb alone would accept") {
        const Bytes tga{0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 24, 0, 'a', 'b', 'c'};
        require_format_error([&] { decode_image(tga, "noise.jpg"); }, "unrecognised signature");
    }
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
