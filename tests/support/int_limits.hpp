// The int32 extremes the quantized-kernel tests feed as multipliers and accumulators.
#pragma once

#include <cstdint>
#include <limits>

namespace mnet::test {

inline constexpr std::int32_t i32_min = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int32_t i32_max = std::numeric_limits<std::int32_t>::max();

}  // namespace mnet::test
