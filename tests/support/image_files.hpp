// Test support: image files built byte by byte, so each byte of a decoder's
// input is known. make_png writes any colour type and bit depth with stored
// (uncompressed) deflate blocks; jpeg_of encodes with stb_image_write. Shared by
// the image tests, the bad-input table and the fuzz seed generator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <stb_image_write.h>

#include "mnet/core/error.hpp"
#include "mnet/io/image.hpp"

namespace mnet::test {

using Bytes = std::vector<std::uint8_t>;

namespace png_detail {

inline void put32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline std::uint32_t crc32(const std::uint8_t* data, std::size_t n) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline void chunk(Bytes& png, const char* type, const Bytes& data) {
    put32(png, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = png.size();
    png.insert(png.end(), type, type + 4);
    png.insert(png.end(), data.begin(), data.end());
    put32(png, crc32(png.data() + start, png.size() - start));
}

}  // namespace png_detail

/// A PNG of `color_type` (0 gray, 2 RGB, 4 gray+alpha, 6 RGBA) and `depth` bits with
/// the given samples (row-major, big-endian 16-bit values when depth is 16).
/// Without `with_data` the file has no IDAT chunk: a header only.
inline Bytes make_png(int width, int height, int color_type, int depth, const std::vector<std::uint16_t>& samples,
                      bool with_data = true) {
    using namespace png_detail;
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

/// `image` as a baseline JPEG (stb_image_write, quality 95).
inline Bytes jpeg_of(const Image& image, int quality = 95) {
    Bytes out;
    auto sink = [](void* context, void* data, int size) {
        auto* bytes = static_cast<Bytes*>(context);
        bytes->insert(bytes->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    require(stbi_write_jpg_to_func(sink, &out, image.width, image.height, 3, image.rgb.data(), quality) != 0,
            ErrorKind::io, "jpeg_of: stb_image_write failed");
    return out;
}

}  // namespace mnet::test
