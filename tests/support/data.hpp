// Where the tests find their data: ../shared (weights, images, reference outputs)
// from $MNET_DATA_DIR if set, else the folder CMake was configured with; and the
// small inputs kept in the repository under tests/data/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/file.hpp"
#include "mnet/runtime/postprocess.hpp"

namespace mnet::test {

inline std::filesystem::path data_dir() {
    if (const char* env = std::getenv("MNET_DATA_DIR"); env && *env) return env;
    return MNET_DEFAULT_DATA_DIR;
}

/// A file under the data folder; fails the test with a clear message if it is missing.
inline std::string data_file(const std::string& relative) {
    const std::filesystem::path path = data_dir() / relative;
    if (!std::filesystem::exists(path))
        FAIL("test data missing: " << path.string()
                                   << " (set MNET_DATA_DIR to the folder holding weights/, images/, reference/)");
    return path.string();
}

/// A small input kept in the repository, tests/data/<relative> (e.g. fuzz regressions).
inline std::string test_input(const std::string& relative) {
    const std::filesystem::path path = std::filesystem::path(MNET_TEST_INPUTS_DIR) / relative;
    if (!std::filesystem::exists(path)) FAIL("test input missing: " << path.string());
    return path.string();
}

inline std::vector<float> read_f32(const std::string& path) {
    const std::vector<std::uint8_t> bytes = io::read_file(path);
    REQUIRE(bytes.size() % 4 == 0);
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}

/// Checks logits against stored reference logits: max |diff| ≤ 1e-3 and the same
/// top-5 classes in the same order. Returns the max |diff| for the caller to report.
inline float check_against_reference(std::span<const float> logits, const std::vector<float>& expected) {
    REQUIRE(logits.size() == expected.size());
    float max_diff = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) max_diff = std::max(max_diff, std::abs(logits[i] - expected[i]));
    CHECK(max_diff <= 1e-3f);
    const auto got5 = top_k(logits, 5);
    const auto want5 = top_k(expected, 5);
    for (std::size_t r = 0; r < 5; ++r) CHECK(got5[r].index == want5[r].index);
    return max_diff;
}

/// The five reference photos.
inline const std::vector<std::string>& reference_images() {
    static const std::vector<std::string> names{"grace_hopper", "chelsea", "coffee", "parrot", "hot_dog"};
    return names;
}

}  // namespace mnet::test
