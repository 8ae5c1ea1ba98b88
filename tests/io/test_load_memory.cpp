// mnet::load's memory: the heap in use at its peak during a load, measured with
// the test binary's counting allocator (support/counting_allocator.hpp).
//
// The bound:   peak − before ≤ held + model + slack
//   held   what the format needs in memory while it is read: nothing for
//          .safetensors (the header is parsed, then each tensor is read from the
//          file into its float vector), the whole file for .tflite (a flatbuffer
//          is read in place; its weights are views into it);
//   model  the heap the loaded Model keeps (graph + packed weights): bytes in use
//          after the load − before;
//   slack  2 × the largest weight tensor as float32 + 1 MiB: a weight is read
//          (or dequantized) into one float vector and, for a convolution, reordered
//          into a second before it is packed; both are freed before the next. The
//          MiB covers the parsed header (JSON DOM / tensor tables) and names.
// So nothing proportional to the model exists twice, no per-tensor copies pile up,
// and the model gives every byte back when it is destroyed.
//
// Measured on this code (and before it, when SafetensorsFile held the whole file
// and the tflite classifier was copied once more before packing):
//   V2 1.0-224 .safetensors      13.5 MiB file, 13.4 MiB model: peak 18.4 MiB (was 31.9)
//   V2 1.0-224 quant .tflite      3.4 MiB file, 13.4 MiB model: peak 21.9 MiB (was 26.7)
//   V1 0.25-128 quant .tflite     0.5 MiB file,  1.8 MiB model: peak  3.3 MiB (was  4.3)
// i.e. model + 1.0 × the largest tensor (the 1280x1001 classifier) above what is held.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>

#include "mnet/mnet.hpp"
#include "support/counting_allocator.hpp"
#include "support/data.hpp"

using namespace mnet;

namespace {

struct LoadMemory {
    std::size_t file = 0;
    std::size_t model = 0;           ///< heap kept by the loaded Model
    std::size_t peak = 0;            ///< highest heap in use above the start, during the load
    std::size_t leaked = 0;          ///< heap still in use after the Model is destroyed
    std::size_t largest_weight = 0;  ///< floats of the largest weight slot
};

LoadMemory measure(const std::string& path) {
    LoadMemory m;
    m.file = static_cast<std::size_t>(std::filesystem::file_size(path));
    const std::size_t before = test::alloc::bytes_in_use();
    test::alloc::reset_peak();
    {
        Model model = load(path);
        m.peak = test::alloc::peak() - before;
        m.model = test::alloc::bytes_in_use() - before;
        Graph graph = build_graph(model.info());  // for the slot shapes only, after the peak was read
        for (const WeightSlot& slot : graph.weight_slots()) m.largest_weight = std::max(m.largest_weight, slot.weight_count());
    }
    m.leaked = test::alloc::bytes_in_use() - before;
    return m;
}

void check_bound(const std::string& relative, bool holds_file) {
    const LoadMemory m = measure(test::data_file(relative));
    const std::size_t held = holds_file ? m.file : 0;
    const std::size_t slack = 2 * m.largest_weight * sizeof(float) + (std::size_t{1} << 20);
    const double mib = 1 << 20;
    WARN(relative << ": file " << m.file / mib << " MiB, model " << m.model / mib << " MiB, peak during load "
                  << m.peak / mib << " MiB = " << (holds_file ? "file + " : "") << "model + "
                  << (static_cast<double>(m.peak) - static_cast<double>(held + m.model)) / mib << " MiB (slack allowed "
                  << slack / mib << " MiB)");
    CHECK(m.model >= weight_count(load(test::data_file(relative)).info()) * sizeof(float));  // the model is measured
    CHECK(m.peak <= held + m.model + slack);
    CHECK(m.leaked == 0);
}

}  // namespace

TEST_CASE("load: a .safetensors load peaks at the model + one tensor, never the whole file", "[io][memory]") {
    check_bound("weights/mobilenet_v2_1.0_224.safetensors", false);
}

TEST_CASE("load: a .tflite load peaks at file + model + one tensor", "[io][memory]") {
    check_bound("weights/tflite/mobilenet_v2_1.0_224_quant.tflite", true);
    check_bound("weights/tflite/mobilenet_v1_0.25_128_quant.tflite", true);
}
