// mnet::Image and its decoder: JPEG/PNG/BMP/GIF/PNM bytes → 8-bit RGB, H×W×3,
// row-major, top row first (exactly the buffer stbi_load(..., 3) returns).
// Decoding is stb_image's, linked as Debian's compiled libstb: this header only
// declares, so no TU ever holds the implementation (no multiple definitions).
// Sizes are checked from the header before any pixel is decoded, and only
// formats with an unambiguous signature reach stb (its TGA reader accepts noise).
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <stb_image.h>

#include "mnet/core/error.hpp"
#include "mnet/io/file.hpp"

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

namespace io::detail {

/// Name of the format the first bytes announce, or nullptr if it is not one we decode.
inline const char* image_signature(std::span<const std::uint8_t> b) noexcept {
    auto starts = [&](std::initializer_list<std::uint8_t> magic) {
        if (b.size() < magic.size()) return false;
        std::size_t i = 0;
        for (std::uint8_t m : magic)
            if (b[i++] != m) return false;
        return true;
    };
    if (starts({0xFF, 0xD8, 0xFF})) return "JPEG";
    if (starts({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) return "PNG";
    if (starts({'B', 'M'})) return "BMP";
    if (starts({'G', 'I', 'F', '8'})) return "GIF";
    if (starts({'P', '5'}) || starts({'P', '6'})) return "PNM";
    return nullptr;
}

inline std::string stb_reason() {
    const char* reason = stbi_failure_reason();
    return reason ? reason : "unknown reason";
}

}  // namespace io::detail

/// Decodes an image held in memory; `name` (usually the path) goes into error messages.
/// Grayscale, gray+alpha, RGBA, palette and 16-bit inputs all come out as 8-bit RGB
/// (alpha is dropped, 16-bit samples keep their high byte). Throws Error(format) on
/// data it cannot decode, Error(unsupported) on images above the size limits.
inline Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name) {
    require(!bytes.empty(), ErrorKind::format, name + ": empty file, not an image");
    require(bytes.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()), ErrorKind::unsupported,
            name + ": file too large to decode (" + std::to_string(bytes.size()) + " bytes)");
    const char* format = io::detail::image_signature(bytes);
    require(format != nullptr, ErrorKind::format,
            name + ": cannot decode image: not a JPEG, PNG, BMP, GIF or PNM file (unrecognised signature)");

    const int length = static_cast<int>(bytes.size());
    int width = 0, height = 0, channels = 0;
    require(stbi_info_from_memory(bytes.data(), length, &width, &height, &channels) != 0, ErrorKind::format,
            name + ": cannot decode " + format + " image: " + io::detail::stb_reason());
    require(width >= 1 && height >= 1, ErrorKind::format,
            name + ": " + format + " header gives an empty image (" + std::to_string(width) + "x" +
                std::to_string(height) + ")");
    require(width <= max_image_side && height <= max_image_side &&
                static_cast<std::int64_t>(width) * height <= max_image_pixels,
            ErrorKind::unsupported,
            name + ": image is " + std::to_string(width) + "x" + std::to_string(height) + ", larger than the limit (" +
                std::to_string(max_image_side) + " per side, " + std::to_string(max_image_pixels / 1'000'000) +
                " megapixels)");

    int w = 0, h = 0;
    const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(bytes.data(), length, &w, &h, &channels, 3), stbi_image_free);
    require(pixels != nullptr, ErrorKind::format,
            name + ": cannot decode " + format + " image: " + io::detail::stb_reason());
    // The header and the decoder read the same bytes; disagreeing would mean a
    // buffer of a size we did not check.
    require(w == width && h == height, ErrorKind::format,
            name + ": " + format + " decoder returned " + std::to_string(w) + "x" + std::to_string(h) +
                " but the header says " + std::to_string(width) + "x" + std::to_string(height));

    Image image;
    image.width = w;
    image.height = h;
    const std::size_t size = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3;
    image.rgb.assign(pixels.get(), pixels.get() + size);
    return image;
}

/// Reads and decodes an image file. Throws Error(io) if it cannot be read, else as decode_image.
inline Image read_image(const std::string& path) {
    // io::read_file would take a directory's size for a file's and ask for exabytes.
    std::error_code ec;
    require(!std::filesystem::is_directory(path, ec), ErrorKind::io, path + ": is a directory, not an image file");
    const std::vector<std::uint8_t> bytes = io::read_file(path);
    return decode_image(bytes, path);
}

}  // namespace mnet
