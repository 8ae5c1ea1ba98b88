// Reference integer AVERAGE_POOL_2D and MEAN, as TFLite's reference kernels:
//  - AVERAGE_POOL_2D (reference_ops uint8 / reference_integer_ops int8): the sum over
//    the window clipped to the input, divided by the clipped count n with
//    (acc + n/2)/n — and for int8 (acc − n/2)/n when acc ≤ 0 (rounding away from
//    zero) — then the fused-activation clamp; input and output share their quantization.
//  - MEAN (reference_ops::QuantizedMeanOrSum of current TensorFlow, reduce.h): the
//    input/output multiplier is pre-divided by N (the reduced count) with a shift of
//    min(floor(log2 N), 32, 31 + shift), and applied to sum − zero_point_in·N. This is
//    neither the optimized MEAN nor older TensorFlow's reference MEAN (they round
//    differently); see include/mnet/quant/README.md.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "mnet/quant/arithmetic.hpp"
#include "mnet/quant/kernels/common.hpp"

namespace mnet::quant::ref {

/// Geometry and clamp of a pooling window.
struct PoolParams {
    int filter_h = 1;     ///< window rows
    int filter_w = 1;     ///< window columns
    int stride_h = 1;     ///< vertical stride
    int stride_w = 1;     ///< horizontal stride
    int pad_top = 0;      ///< rows of padding before the first
    int pad_left = 0;     ///< columns of padding before the first
    ActivationRange clamp;  ///< fused activation ∩ type range
};

/// AVERAGE_POOL_2D on uint8 or int8 NHWC tensors. Returns false (and leaves the pixel
/// unwritten) if some window holds no input pixel, as TFLite's kernel does.
template <class T>
bool average_pool(const PoolParams& p, Nhwc in_shape, const T* input, Nhwc out_shape, T* output) {
    for (int b = 0; b < out_shape.n; ++b)
        for (int oy = 0; oy < out_shape.h; ++oy)
            for (int ox = 0; ox < out_shape.w; ++ox) {
                const int y0 = oy * p.stride_h - p.pad_top;
                const int x0 = ox * p.stride_w - p.pad_left;
                const int fy0 = std::max(0, -y0), fy1 = std::min(p.filter_h, in_shape.h - y0);
                const int fx0 = std::max(0, -x0), fx1 = std::min(p.filter_w, in_shape.w - x0);
                const int count = std::max(0, fy1 - fy0) * std::max(0, fx1 - fx0);
                if (count == 0) return false;
                for (int c = 0; c < out_shape.c; ++c) {
                    std::int32_t acc = 0;
                    for (int fy = fy0; fy < fy1; ++fy)
                        for (int fx = fx0; fx < fx1; ++fx) acc += input[in_shape.at(b, y0 + fy, x0 + fx, c)];
                    if constexpr (std::is_signed_v<T>)
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    else
                        acc = (acc + count / 2) / count;
                    output[out_shape.at(b, oy, ox, c)] = clamp_to<T>(acc, p.clamp.min, p.clamp.max);
                }
            }
    return true;
}

/// The multiplier MEAN applies to the zero-point-corrected sum of N values: the
/// input/output scale multiplier divided by N inside the significand (TFLite
/// QuantizedMeanOrSum's "readapt output rescaling").
inline QuantizedMultiplier mean_multiplier(QuantizedMultiplier in_over_out, std::int64_t n) noexcept {
    int shift = 63 - std::countl_zero(static_cast<std::uint64_t>(n));
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + in_over_out.shift);
    const auto multiplier =
        static_cast<std::int32_t>((static_cast<std::int64_t>(in_over_out.multiplier) << shift) / n);
    return {multiplier, in_over_out.shift - shift};
}

/// MEAN over the axes flagged in `reduce` (one flag per input dimension) of a uint8 or
/// int8 tensor of shape `dims`; `output` holds the product of the kept dimensions in
/// order. `in_over_out` is quantize_multiplier(input_scale / output_scale).
template <class T>
void mean(const std::vector<int>& dims, const std::vector<bool>& reduce, const T* input, std::int32_t input_zero_point,
          QuantizedMultiplier in_over_out, std::int32_t output_zero_point, T* output) {
    const int rank = static_cast<int>(dims.size());
    std::size_t out_count = 1, total = 1;
    std::int64_t n = 1;
    for (int d = 0; d < rank; ++d) {
        total *= static_cast<std::size_t>(dims[static_cast<std::size_t>(d)]);
        if (reduce[static_cast<std::size_t>(d)])
            n *= dims[static_cast<std::size_t>(d)];
        else
            out_count *= static_cast<std::size_t>(dims[static_cast<std::size_t>(d)]);
    }
    std::vector<std::int32_t> sums(out_count, 0);
    // Walk the input in order, keeping the output index of the kept coordinates.
    std::vector<int> index(static_cast<std::size_t>(rank), 0);
    for (std::size_t i = 0; i < total; ++i) {
        std::size_t o = 0;
        for (int d = 0; d < rank; ++d)
            if (!reduce[static_cast<std::size_t>(d)])
                o = o * static_cast<std::size_t>(dims[static_cast<std::size_t>(d)]) +
                    static_cast<std::size_t>(index[static_cast<std::size_t>(d)]);
        sums[o] += input[i];
        for (int d = rank - 1; d >= 0; --d) {
            if (++index[static_cast<std::size_t>(d)] < dims[static_cast<std::size_t>(d)]) break;
            index[static_cast<std::size_t>(d)] = 0;
        }
    }
    if (n == 0) return;
    const QuantizedMultiplier m = mean_multiplier(in_over_out, n);
    for (std::size_t o = 0; o < out_count; ++o) {
        const auto shifted = static_cast<std::int32_t>(sums[o] - static_cast<std::int64_t>(input_zero_point) * n);
        output[o] = saturate<T>(multiply_by_quantized_multiplier(shifted, m) + output_zero_point);
    }
}

}  // namespace mnet::quant::ref
