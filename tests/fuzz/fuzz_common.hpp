// Shared by the libFuzzer targets: the one rule every target checks on top of
// the sanitizers. A hostile input may only end in mnet::Error; any other
// exception (std::bad_alloc, std::out_of_range, a nlohmann or flatbuffers
// exception leaking through) escapes the target and libFuzzer reports it as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "mnet/core/error.hpp"

namespace mnet::fuzz {

/// Runs `f`; returns true if it finished, false if it threw mnet::Error.
template <class F>
bool only_mnet_errors(F&& f) {
    try {
        f();
        return true;
    } catch (const Error&) {
        return false;
    }
}

inline std::span<const std::uint8_t> bytes(const std::uint8_t* data, std::size_t size) { return {data, size}; }

}  // namespace mnet::fuzz
