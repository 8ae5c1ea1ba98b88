// Fuzz target: the input is only the JSON header of a .safetensors file; the
// target writes the 8-byte length in front and appends a zero-filled data
// section as long as the largest data_offsets end the header names (capped at
// kMaxData). So a 10 kB input describes a whole model whose tensors exist, and
// mutations of names, shapes, dtypes, offsets and metadata reach the graph
// checks, width inference and BN folding in load_safetensors, which raw-byte
// fuzzing of multi-MB files never would.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "mnet/io/safetensors_model.hpp"

namespace {

constexpr std::uint64_t kMaxData = 1u << 20;

/// The data section size the header asks for: the largest number that ends a
/// `"data_offsets": [begin, end]` in the text, capped. A plain text scan, not a
/// second JSON parse: parsing is half of each execution's cost.
std::uint64_t wanted_data(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string_view key = "\"data_offsets\"";
    std::uint64_t end = 0;
    for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
        const std::size_t comma = text.find(',', at + key.size());
        if (comma == std::string_view::npos) break;
        std::size_t i = text.find_first_not_of(" \t\r\n", comma + 1);
        std::uint64_t value = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && value <= kMaxData; ++i)
            value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
        end = std::max(end, value);
    }
    return std::min(end, kMaxData);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::uint64_t data_size = wanted_data(data, size);
    std::vector<std::uint8_t> file(8 + size + data_size, 0);
    const std::uint64_t header_len = size;
    std::memcpy(file.data(), &header_len, 8);
    if (size) std::memcpy(file.data() + 8, data, size);
    mnet::fuzz::only_mnet_errors([&] {
        mnet::io::load_safetensors(mnet::io::SafetensorsFile("fuzz.safetensors", std::move(file)));
    });
    return 0;
}
