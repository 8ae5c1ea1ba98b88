// Whole-file reading with mnet errors: a loader sees bytes, never a stream state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"

namespace mnet::io {

/// Opens a regular file for binary reading and gives its size; throws Error(io)
/// naming the path if it cannot (for loaders that read a file piece by piece).
inline std::ifstream open_file(const std::string& path, std::uint64_t& size) {
    std::error_code ec;
    // a directory opens as a stream whose "size" is huge: refuse anything but a regular file
    if (!std::filesystem::is_regular_file(path, ec))
        mnet::detail::fail(ErrorKind::io, {path, std::filesystem::exists(path, ec) ? ": not a regular file"
                                                                            : ": cannot open file (no such file)"});
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    if (!file.good()) mnet::detail::fail(ErrorKind::io, {path, ": cannot open file"});
    const std::streamoff end = file.tellg();
    if (end < 0) mnet::detail::fail(ErrorKind::io, {path, ": cannot determine file size"});
    file.seekg(0);
    size = static_cast<std::uint64_t>(end);
    return file;
}

/// Reads a whole file; throws Error(io) naming the path if it cannot.
inline std::vector<std::uint8_t> read_file(const std::string& path) {
    std::uint64_t length = 0;
    std::ifstream file = open_file(path, length);
    const auto size = static_cast<std::streamoff>(length);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    if (size > 0) file.read(reinterpret_cast<char*>(bytes.data()), size);
    if (!(file.good() || (size == 0 && !file.bad()))) mnet::detail::fail(ErrorKind::io, {path, ": read error"});
    return bytes;
}

}  // namespace mnet::io
