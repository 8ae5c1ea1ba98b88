// Fuzz target: a whole .safetensors file as raw bytes → SafetensorsFile (length
// field, JSON header, offsets) → load_safetensors (names, shapes against the
// graph, NaN/Inf, BN folding), or the head reader for a head file. Small inputs
// only reach the header checks; the header-mode target (fuzz_safetensors_header.cpp) goes deep.
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/transfer/head_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mnet::fuzz::only_mnet_errors([&] {
        const mnet::io::SafetensorsFile file("fuzz.safetensors", std::vector<std::uint8_t>(data, data + size));
        // a head file (transfer/head_file.hpp) goes to the head reader, anything else to the model loader
        if (mnet::is_head_file(file)) mnet::detail::head_from(file);
        else mnet::io::load_safetensors(file);
    });
    return 0;
}
