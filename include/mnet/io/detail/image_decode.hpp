// The definitions behind io/image.hpp: the checks that keep hostile bytes away
// from stb (2.27) and the decoder itself. Included by io/image.hpp (header-only)
// or only by <mnet/loaders.hpp> (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Debian puts stb in /usr/include/stb, which the default search path does not cover:
// a stb_image.h on the include path (CMake's mnet::stb adds that folder) wins, else
// <stb/stb_image.h> lets `-I include` alone suffice.
#if __has_include(<stb_image.h>)
#include <stb_image.h>
#elif __has_include(<stb/stb_image.h>)
#include <stb/stb_image.h>
#else
#error "mnet needs stb_image.h (Debian: libstb-dev), found neither <stb_image.h> nor <stb/stb_image.h>"
#endif

#include "mnet/core/error.hpp"
#include "mnet/io/file.hpp"
#include "mnet/io/image.hpp"

namespace mnet {

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

/// Empty if every PNG chunk up to IEND lies inside the file, else what does not.
/// stb (2.27) grows its IDAT buffer to the length a chunk header claims before
/// reading the chunk, so a 100-byte file could make it ask for 2 GiB (found by
/// tests/fuzz/fuzz_image). A chunk whose data runs past the end is refused here,
/// and so is an empty IDAT before any image data: stb would memcpy 0 bytes to its
/// still-null buffer (undefined behaviour; fuzz). Encoders never write one.
inline std::string png_chunk_problem(std::span<const std::uint8_t> b) {
    std::size_t at = 8;  // after the signature
    bool image_data = false;
    while (b.size() - at >= 8) {
        const std::uint32_t length = (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
                                     (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
        std::string type;
        for (std::size_t i = 4; i < 8; ++i) {
            const auto c = static_cast<char>(b[at + i]);
            type += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?';
        }
        const std::size_t left = b.size() - at - 8;
        if (length > left)
            return mnet::detail::message(
                {"chunk '", type, "' claims ", length, " bytes, only ", left, " remain in the file"});
        if (type == "IDAT") {
            if (length == 0 && !image_data) return "empty IDAT chunk before any image data";
            image_data = true;
        }
        if (type == "IEND" || length + std::size_t{4} >= left) break;  // the end, or no room for another chunk
        at += 12 + length;
    }
    return {};
}

/// Empty if every Huffman table (DHT segment) of a JPEG defines at most 256 codes,
/// else what is wrong. stb (2.27) writes one byte per code into 257-byte arrays
/// without checking the count (heap overflow; found by tests/fuzz/fuzz_image), so
/// the markers are walked here first, through every scan of a progressive file.
/// Nothing is decoded; whatever else is malformed is left to stb.
inline std::string jpeg_huffman_problem(std::span<const std::uint8_t> b) {
    const std::size_t n = b.size();
    std::size_t at = 2;  // after SOI
    while (at + 1 < n) {
        if (b[at] != 0xFF) {  // padding between segments: stb scans past it to the next 0xFF
            ++at;
            continue;
        }
        while (at + 1 < n && b[at + 1] == 0xFF) ++at;  // fill bytes
        if (at + 1 >= n) return {};
        const std::uint8_t marker = b[at + 1];
        at += 2;
        if (marker == 0xD9) return {};                                   // EOI
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length field
        if (at + 2 > n) return {};
        const std::size_t length = (std::size_t{b[at]} << 8) | b[at + 1];
        if (length < 2) return {};
        if (marker == 0xC4) {  // read the way stb does: tables until the segment length is used up
            for (std::size_t p = at + 2; p < at + length;) {
                std::size_t codes = 0;
                for (std::size_t i = p + 1; i < p + 17 && i < n; ++i) codes += b[i];  // bytes past the end read as 0
                if (codes > 256)
                    return mnet::detail::message(
                        {"Huffman table (DHT) defines ", codes, " codes, at most 256 are allowed"});
                p += 17 + codes;
            }
        }
        at += length;
        if (marker == 0xDA)  // entropy-coded data up to the next marker (FF 00 is a stuffed byte)
            while (at + 1 < n && !(b[at] == 0xFF && b[at + 1] != 0x00 && b[at + 1] != 0xFF &&
                                   !(b[at + 1] >= 0xD0 && b[at + 1] <= 0xD7)))
                ++at;
    }
    return {};
}

/// A problem stb (2.27) would mishandle, found before it sees the bytes.
struct InputProblem {
    ErrorKind kind = ErrorKind::format;
    std::string what;  ///< empty: none known
};

/// PNM (P5/P6) checks, reading the header as stb does ("P5"/"P6", then whitespace and
/// '#' comments before each of width, height, maxval; one byte after maxval). stb
/// accumulates each number in an int without an overflow check (undefined behaviour;
/// found by tests/fuzz/fuzz_image), ignores a short read of the pixel data (the image
/// is then uninitialised memory), and reads 16-bit samples in the wrong byte order
/// after converting their channels as if they were 8-bit (heap overflow; fuzz).
inline InputProblem pnm_problem(std::span<const std::uint8_t> b) {
    const auto space = [](std::uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    std::size_t at = 2;
    std::uint64_t value[3] = {};
    for (std::uint64_t& v : value) {
        for (;;) {
            while (at < b.size() && space(b[at])) ++at;
            if (at >= b.size() || b[at] != '#') break;
            while (at < b.size() && b[at] != '\n' && b[at] != '\r') ++at;
        }
        std::size_t digits = 0;
        for (; at < b.size() && b[at] >= '0' && b[at] <= '9'; ++at, ++digits)
            if (digits < 10) v = v * 10 + static_cast<std::uint64_t>(b[at] - '0');
        if (digits > 9)
            return {ErrorKind::format, mnet::detail::message({"header number of ", digits, " digits (at most 9)"})};
        if (digits == 0) return {};  // not a number: stb reports it
    }
    if (value[2] > 255)
        return {ErrorKind::unsupported,
                mnet::detail::message({"16-bit samples (maxval ", value[2], ") are not supported"})};
    const std::uint64_t channels = b[1] == '6' ? 3 : 1;
    const std::uint64_t need = value[0] * value[1] * channels;  // each ≤ 999999999: no overflow
    const std::uint64_t have = b.size() > at ? b.size() - at - 1 : 0;  // after the byte that ends maxval
    if (value[0] && value[1] && need > have)
        return {ErrorKind::format, mnet::detail::message({"pixel data truncated: ", value[0], "x", value[1], " needs ",
                                                          need, " bytes, the file has ", have})};
    return {};
}

/// What stb (2.27) would mishandle in these bytes of `format`, if anything known:
/// run before any stb call, stbi_info included (it parses the same headers).
inline InputProblem stb_unsafe_input(std::span<const std::uint8_t> bytes, const char* format) {
    const std::string_view f = format ? format : "";
    if (f == "PNG") return {ErrorKind::format, png_chunk_problem(bytes)};
    if (f == "JPEG") return {ErrorKind::format, jpeg_huffman_problem(bytes)};
    if (f == "PNM") return pnm_problem(bytes);
    return {};
}

inline std::string stb_reason() {
    const char* reason = stbi_failure_reason();
    return reason ? reason : "unknown reason";
}

}  // namespace io::detail

MNET_LOADERS_INLINE Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.empty()) detail::fail(ErrorKind::format, {name, ": empty file, not an image"});
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        detail::fail(ErrorKind::unsupported, {name, ": file too large to decode (", bytes.size(), " bytes)"});
    const char* format = io::detail::image_signature(bytes);
    if (!format)
        detail::fail(ErrorKind::format, {name, ": cannot decode image: not a JPEG, PNG, BMP, GIF or PNM file "
                                              "(unrecognised signature)"});

    const io::detail::InputProblem problem = io::detail::stb_unsafe_input(bytes, format);
    if (!problem.what.empty())
        detail::fail(problem.kind, {name, ": cannot decode ", format, " image: ", problem.what});

    const int length = static_cast<int>(bytes.size());
    int width = 0, height = 0, channels = 0;
    if (stbi_info_from_memory(bytes.data(), length, &width, &height, &channels) == 0)
        detail::fail(ErrorKind::format, {name, ": cannot decode ", format, " image: ", io::detail::stb_reason()});
    if (width < 1 || height < 1)
        detail::fail(ErrorKind::format,
                     {name, ": ", format, " header gives an empty image (", width, "x", height, ")"});
    if (width > max_image_side || height > max_image_side ||
        static_cast<std::int64_t>(width) * height > max_image_pixels)
        detail::fail(ErrorKind::unsupported,
                     {name, ": image is ", width, "x", height, ", larger than the limit (", max_image_side,
                      " per side, ", max_image_pixels / 1'000'000, " megapixels)"});

    int w = 0, h = 0;
    const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(bytes.data(), length, &w, &h, &channels, 3), stbi_image_free);
    if (!pixels)
        detail::fail(ErrorKind::format, {name, ": cannot decode ", format, " image: ", io::detail::stb_reason()});
    // The header and the decoder read the same bytes; disagreeing would mean a
    // buffer of a size we did not check.
    if (w != width || h != height)
        detail::fail(ErrorKind::format, {name, ": ", format, " decoder returned ", w, "x", h, " but the header says ",
                                         width, "x", height});

    Image image;
    image.width = w;
    image.height = h;
    const std::size_t size = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3;
    image.rgb.assign(pixels.get(), pixels.get() + size);
    return image;
}

MNET_LOADERS_INLINE Image read_image(const std::string& path) {
    // io::read_file would take a directory's size for a file's and ask for exabytes.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        detail::fail(ErrorKind::io, {path, ": is a directory, not an image file"});
    const std::vector<std::uint8_t> bytes = io::read_file(path);
    return decode_image(bytes, path);
}

}  // namespace mnet
