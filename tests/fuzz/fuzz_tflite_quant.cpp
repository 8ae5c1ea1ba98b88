// Fuzz target: raw .tflite bytes → TfliteFile → the reference integer interpreter
// (every op's Prepare checks: types, shapes, quantization fields, multipliers), then
// one run on a zero input when the graph is small, so the kernels see what the
// checks let through. Only mnet::Error may escape. Seed with the quantized files of
// ../shared/weights/tflite (the small V1 0.25-128 is 0.5 MB) and their mutations.
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "mnet/io/tflite_file.hpp"
#include "mnet/quant/reference_interpreter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mnet::fuzz::only_mnet_errors([&] {
        const auto bytes = mnet::fuzz::bytes(data, size);
        const mnet::io::TfliteFile file(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "fuzz.tflite");
        std::uint64_t activations = 0;
        for (const auto& t : file.tensors())
            if (!t.is_constant()) activations += t.numel;
        mnet::quant::ReferenceInterpreter interpreter(file);
        if (activations <= (std::uint64_t{1} << 22)) {
            const std::vector<std::uint8_t> input(interpreter.input().bytes, 0);
            interpreter.run(input);
        }
    });
    return 0;
}
