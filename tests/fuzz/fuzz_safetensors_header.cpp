// Fuzz target: the input is only the JSON header of a .safetensors file; the
// target writes the 8-byte length in front and appends a zero-filled data
// section as long as the largest data_offsets end the header names, capped at
// 1 MiB (safetensors_header_input.hpp). So a 10 kB input describes a whole model
// whose tensors exist, and mutations of names, shapes, dtypes, offsets and
// metadata reach the graph checks, width inference and BN folding in
// load_safetensors, which raw-byte fuzzing of multi-MB files never would.
#include <cstdint>

#include "fuzz_common.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/transfer/head_file.hpp"
#include "safetensors_header_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mnet::fuzz::only_mnet_errors([&] {
        const mnet::io::SafetensorsFile file("fuzz.safetensors", mnet::fuzz::safetensors_from_header(data, size));
        // a head file (transfer/head_file.hpp) goes to the head reader, anything else to the model loader
        if (mnet::is_head_file(file)) mnet::detail::head_from(file);
        else mnet::io::load_safetensors(file);
    });
    return 0;
}
