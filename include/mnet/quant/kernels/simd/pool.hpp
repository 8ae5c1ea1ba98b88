// AVERAGE_POOL_2D and MEAN summed along the channels: each window pixel (each reduced row) is
// a contiguous run of channels added into int32 accumulators, a loop the compiler vectorizes
// (widening bytes to int32 lanes), instead of the reference's per-channel window walk
// (average_pool) or per-element index arithmetic (mean). Integer sums do not depend on their
// order, so the results are bit-identical to the reference twins ref::average_pool and
// ref::mean (kernels/pooling.hpp), whose divisions and requantization they reuse. No heap:
// the accumulators live on the stack, `chunk` channels at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/kernels/common.hpp"
#include "mnet/quant/kernels/pooling.hpp"

namespace mnet::quant::simd {

namespace detail {

/// Channels summed per pass (the accumulators: 2 KiB of stack).
inline constexpr std::size_t pool_chunk = 512;

/// acc[j] += row[j] for j < width. The sums wrap as uint32, where the reference's int32 sums
/// would overflow (only past 2^23 values of 255).
template <class T>
inline void accumulate_row(const T* row, std::size_t width, std::uint32_t* acc) noexcept {
    for (std::size_t j = 0; j < width; ++j) acc[j] += static_cast<std::uint32_t>(static_cast<std::int32_t>(row[j]));
}

}  // namespace detail

/// AVERAGE_POOL_2D (arguments and result of ref::average_pool): false, leaving that pixel and
/// the rest unwritten, if some window holds no input pixel.
template <class T>
bool average_pool(const ref::PoolParams& p, ref::Nhwc in_shape, const T* input, ref::Nhwc out_shape,
                  T* output) noexcept {
    const auto channels = static_cast<std::size_t>(out_shape.c);
    std::uint32_t acc[detail::pool_chunk];
    for (int b = 0; b < out_shape.n; ++b)
        for (int oy = 0; oy < out_shape.h; ++oy)
            for (int ox = 0; ox < out_shape.w; ++ox) {
                const int y0 = oy * p.stride_h - p.pad_top;
                const int x0 = ox * p.stride_w - p.pad_left;
                const int fy0 = std::max(0, -y0), fy1 = std::min(p.filter_h, in_shape.h - y0);
                const int fx0 = std::max(0, -x0), fx1 = std::min(p.filter_w, in_shape.w - x0);
                const int count = std::max(0, fy1 - fy0) * std::max(0, fx1 - fx0);
                if (count == 0) return false;
                T* out = output + out_shape.at(b, oy, ox, 0);
                for (std::size_t c0 = 0; c0 < channels; c0 += detail::pool_chunk) {
                    const std::size_t width = std::min(detail::pool_chunk, channels - c0);
                    std::fill_n(acc, width, 0u);
                    for (int fy = fy0; fy < fy1; ++fy)
                        for (int fx = fx0; fx < fx1; ++fx)
                            detail::accumulate_row(input + in_shape.at(b, y0 + fy, x0 + fx, 0) + c0, width, acc);
                    for (std::size_t j = 0; j < width; ++j) {
                        auto sum = static_cast<std::int32_t>(acc[j]);
                        if constexpr (std::is_signed_v<T>)
                            sum = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                        else
                            sum = (sum + count / 2) / count;
                        out[c0 + j] = ref::clamp_to<T>(sum, p.clamp.min, p.clamp.max);
                    }
                }
            }
    return true;
}

/// MEAN over one contiguous block of axes: the input viewed as [outer, reduced, inner] and reduced
/// over the middle, the output [outer, inner] (ref::mean's result when the reduced axes are
/// adjacent; the arguments after `input` are ref::mean's). Nothing is written when reduced is 0.
template <class T>
void mean_contiguous(std::size_t outer, std::size_t reduced, std::size_t inner, const T* input,
                     std::int32_t input_zero_point, QuantizedMultiplier in_over_out, std::int32_t output_zero_point,
                     T* output) noexcept {
    if (reduced == 0) return;
    const auto n = static_cast<std::int64_t>(reduced);
    const QuantizedMultiplier m = ref::mean_multiplier(in_over_out, n);
    std::uint32_t acc[detail::pool_chunk];
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t j0 = 0; j0 < inner; j0 += detail::pool_chunk) {
            const std::size_t width = std::min(detail::pool_chunk, inner - j0);
            std::fill_n(acc, width, 0u);
            const T* block = input + o * reduced * inner + j0;
            for (std::size_t r = 0; r < reduced; ++r) detail::accumulate_row(block + r * inner, width, acc);
            for (std::size_t j = 0; j < width; ++j) {
                const auto shifted =
                    static_cast<std::int32_t>(static_cast<std::int32_t>(acc[j]) - std::int64_t{input_zero_point} * n);
                output[o * inner + j0 + j] =
                    ref::saturate<T>(multiply_by_quantized_multiplier(shifted, m) + output_zero_point);
            }
        }
}

}  // namespace mnet::quant::simd
