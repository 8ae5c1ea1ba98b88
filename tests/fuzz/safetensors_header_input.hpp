// The header-mode input of tests/fuzz/fuzz_safetensors_header.cpp as a whole
// .safetensors file: the 8-byte length, the input (JSON header) and a zero-filled
// data section as long as the largest data_offsets end the text names, capped at
// kMaxHeaderModeData. Shared by the fuzz target and the test that replays its
// crash inputs (tests/io/test_bad_files.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace mnet::fuzz {

inline constexpr std::uint64_t kMaxHeaderModeData = 1u << 20;

/// The largest number that ends a `"data_offsets": [begin, end]` in the text,
/// capped. A plain text scan, not a JSON parse: parsing twice would be half of
/// each fuzz execution's cost.
inline std::uint64_t wanted_data(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string_view key = "\"data_offsets\"";
    std::uint64_t end = 0;
    for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
        const std::size_t comma = text.find(',', at + key.size());
        if (comma == std::string_view::npos) break;
        std::size_t i = text.find_first_not_of(" \t\r\n", comma + 1);
        std::uint64_t value = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && value <= kMaxHeaderModeData; ++i)
            value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
        end = std::max(end, value);
    }
    return std::min(end, kMaxHeaderModeData);
}

/// length field + header + zero data section.
inline std::vector<std::uint8_t> safetensors_from_header(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> file(8 + size + wanted_data(data, size), 0);
    const std::uint64_t header_len = size;
    std::memcpy(file.data(), &header_len, 8);
    if (size) std::memcpy(file.data() + 8, data, size);
    return file;
}

}  // namespace mnet::fuzz
