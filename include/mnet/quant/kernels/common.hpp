// Shared pieces of the scalar reference integer kernels (mnet::quant::ref): the
// NHWC shape they take and the clamp-and-narrow every epilogue ends with.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace mnet::quant::ref {

/// A 4-D activation shape, batch × height × width × channels, channels fastest.
struct Nhwc {
    int n = 1;  ///< batch
    int h = 1;  ///< rows
    int w = 1;  ///< columns
    int c = 1;  ///< channels

    /// Number of elements.
    constexpr std::size_t size() const noexcept {
        return static_cast<std::size_t>(n) * static_cast<std::size_t>(h) * static_cast<std::size_t>(w) *
               static_cast<std::size_t>(c);
    }
    /// Flat index of (b, y, x, ch).
    constexpr std::size_t at(int b, int y, int x, int ch) const noexcept {
        return ((static_cast<std::size_t>(b) * static_cast<std::size_t>(h) + static_cast<std::size_t>(y)) *
                    static_cast<std::size_t>(w) +
                static_cast<std::size_t>(x)) *
                   static_cast<std::size_t>(c) +
               static_cast<std::size_t>(ch);
    }
};

/// `v` clamped to [lo, hi] and narrowed to T (the caller's range lies inside T's).
template <class T>
constexpr T clamp_to(std::int32_t v, std::int32_t lo, std::int32_t hi) noexcept {
    return static_cast<T>(std::min(hi, std::max(lo, v)));
}

/// `v` clamped to T's own range and narrowed.
template <class T>
constexpr T saturate(std::int32_t v) noexcept {
    return clamp_to<T>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
}

}  // namespace mnet::quant::ref
