// The definition of mnet::read_labels (io/labels.hpp). Included by io/labels.hpp
// (header-only) or only by <mnet/loaders.hpp> (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/file.hpp"
#include "mnet/io/labels.hpp"

namespace mnet {

MNET_LOADERS_INLINE Labels read_labels(const std::string& path) {
    // io::read_file would take a directory's size for a file's and ask for exabytes.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        detail::fail(ErrorKind::io, {path, ": is a directory, not a labels file"});
    const std::vector<std::uint8_t> bytes = io::read_file(path);
    return parse_labels(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

}  // namespace mnet
