// Fuzz target: a whole .safetensors file as raw bytes → SafetensorsFile (length
// field, JSON header, offsets) → load_safetensors (names, shapes against the
// graph, NaN/Inf, BN folding). Small inputs only reach the header checks; the
// header-mode target (fuzz_safetensors_header.cpp) is the one that goes deep.
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "mnet/io/safetensors_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mnet::fuzz::only_mnet_errors([&] {
        mnet::io::load_safetensors(mnet::io::SafetensorsFile("fuzz.safetensors", std::vector<std::uint8_t>(data, data + size)));
    });
    return 0;
}
