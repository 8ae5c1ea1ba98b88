// mnet::Image and its decoder: JPEG/PNG/BMP/GIF/PNM bytes → 8-bit RGB, H×W×3,
// row-major, top row first (exactly the buffer stbi_load(..., 3) returns).
// Decoding is stb_image's, linked as Debian's compiled libstb: mnet only includes
// its declarations, so no TU ever holds stb's implementation (no multiple
// definitions). The checks and the decoder are in io/detail/image_decode.hpp,
// compiled where io/linkage.hpp says.
// Sizes are checked from the header before any pixel is decoded (≤ 16384 per
// side, ≤ 100 MP), and only formats with an unambiguous signature reach stb (its
// TGA reader accepts noise). Debian's stb is 2.27, whose known bugs the fuzzer
// (tests/fuzz/fuzz_image.cpp) reached; the inputs that trigger them are refused
// before stb sees them: PNG chunks past the end of the file or an empty first
// IDAT, JPEG Huffman tables of more than 256 codes, PNM header numbers of more
// than 9 digits, 16-bit PNM and PNM pixel data shorter than the header says.
// (README, "Hostile input".)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mnet/io/linkage.hpp"

namespace mnet {

/// An 8-bit RGB image: rgb[(y * width + x) * 3 + c], row 0 at the top.
struct Image {
    int width = 0;                  ///< columns
    int height = 0;                 ///< rows
    std::vector<std::uint8_t> rgb;  ///< height · width · 3 bytes, row-major, RGB

    /// Channel `c` (0 R, 1 G, 2 B) of the pixel in row `y`, column `x` (unchecked).
    std::uint8_t at(int y, int x, int c) const noexcept {
        return rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3 +
                   static_cast<std::size_t>(c)];
    }
};

/// Largest image side, and pixel count, that decode_image accepts: a photo is far
/// smaller, and a 16-byte header must not make us allocate gigabytes.
inline constexpr int max_image_side = 16384;
inline constexpr std::int64_t max_image_pixels = 100'000'000;  ///< see max_image_side

/// Decodes an image held in memory; `name` (usually the path) goes into error messages.
/// Grayscale, gray+alpha, RGBA, palette and 16-bit PNG inputs all come out as 8-bit
/// RGB (alpha is dropped, 16-bit samples keep their high byte). Throws Error(format)
/// on data it cannot decode, Error(unsupported) on images above the size limits and
/// on 16-bit PNM (which Debian's stb decodes wrongly).
MNET_LOADERS_INLINE Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name);

/// Reads and decodes an image file. Throws Error(io) if it cannot be read, else as decode_image.
MNET_LOADERS_INLINE Image read_image(const std::string& path);

}  // namespace mnet

#ifndef MNET_SEPARATE_LOADERS
#include "mnet/io/detail/image_decode.hpp"
#endif
