// Fuzz target: raw .tflite bytes → TfliteFile (flatbuffers Verifier, index and
// size checks) → the MobileNet importer (op walk, shapes, options, dequantization).
// Seeds are small synthetic models (tests/io/test_tflite_builder.hpp) so that
// mutations land in tables and indices rather than in megabytes of weights.
#include <cstdint>

#include "fuzz_common.hpp"
#include "mnet/io/tflite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mnet::fuzz::only_mnet_errors([&] { mnet::io::load_tflite_memory(mnet::fuzz::bytes(data, size), "fuzz.tflite"); });
    return 0;
}
