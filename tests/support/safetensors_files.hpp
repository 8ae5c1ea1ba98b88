// Test support: a small valid .safetensors file (torchvision V2 α 0.35, 10
// classes, 32x32) and the means to break it one way at a time: re-serialise with
// an edited JSON header, write it to a temporary path. For the bad-input table
// and the safetensors tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "mnet/io/safetensors.hpp"
#include "support/torchvision_checkpoint.hpp"

namespace mnet::test {

/// A path in the temp directory, unique to this process.
inline std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("mnet_test_" + std::to_string(::getpid()) + "_" + name);
}

/// Writes `bytes` to `path` (throws Error(io) if it cannot).
inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    require(out.good(), ErrorKind::io, path.string() + ": cannot write");
}

/// A small valid file (V2 α 0.35, 10 classes, resolution 32) to break.
inline const std::vector<std::uint8_t>& small_valid_safetensors() {
    static const std::vector<std::uint8_t> bytes =
        io::to_safetensors(to_raw(random_v2_state_dict(0.35, 10, 7)), {{"resolution", "32"}});
    return bytes;
}

/// Parses the header of `bytes`, lets `edit` change it, and re-serialises with the same data.
inline std::vector<std::uint8_t> edit_header(const std::vector<std::uint8_t>& bytes,
                                             const std::function<void(nlohmann::json&)>& edit) {
    std::uint64_t len = 0;
    std::memcpy(&len, bytes.data(), 8);
    nlohmann::json header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(len));
    edit(header);
    const std::string text = header.dump();
    const std::size_t data = bytes.size() - 8 - static_cast<std::size_t>(len);
    std::vector<std::uint8_t> out(8 + text.size() + data);
    const std::uint64_t new_len = text.size();
    std::memcpy(out.data(), &new_len, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::memcpy(out.data() + 8 + text.size(), bytes.data() + 8 + len, data);
    return out;
}

}  // namespace mnet::test
