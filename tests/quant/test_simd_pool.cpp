// The channel-summing AVERAGE_POOL_2D and MEAN (mnet::quant::simd, kernels/simd/pool.hpp) against
// the reference twins ref::average_pool and ref::mean, value for value: uint8 and int8, channel
// counts around the vector widths and the 512-channel chunk, global pools, 3x3 windows at strides 1
// and 2 with padding on every border, 1x1 and 2x2 inputs, empty windows; MEAN over every contiguous
// block of axes of rank 1 to 4 tensors, random multipliers and zero points (extremes included).
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/kernels/simd/pool.hpp"

using namespace mnet::quant;

namespace {

template <class T>
std::vector<T> random_values(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<int> v(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<T>(i % 5 == 0 ? std::numeric_limits<T>::max() : i % 7 == 0 ? std::numeric_limits<T>::min() : v(rng));
    return out;
}

template <class T>
void check_pool(std::mt19937& rng, ref::Nhwc in, int filter, int stride, int pad, int out_h, int out_w) {
    ref::PoolParams p;
    p.filter_h = p.filter_w = filter;
    p.stride_h = p.stride_w = stride;
    p.pad_top = p.pad_left = pad;
    constexpr int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    p.clamp = std::uniform_int_distribution<int>(0, 1)(rng) ? ActivationRange{lo, hi} : ActivationRange{lo + 20, hi - 30};
    const ref::Nhwc out{in.n, out_h, out_w, in.c};
    const std::vector<T> x = random_values<T>(rng, static_cast<std::size_t>(in.n) * in.h * in.w * in.c);
    const std::size_t out_count = static_cast<std::size_t>(out.n) * out.h * out.w * out.c;
    std::vector<T> expected(out_count, T{9}), got(out_count, T{9});
    const bool ok_ref = ref::average_pool(p, in, x.data(), out, expected.data());
    const bool ok = simd::average_pool(p, in, x.data(), out, got.data());
    CAPTURE(in.n, in.h, in.w, in.c, filter, stride, pad, out_h, out_w);
    CHECK(ok == ok_ref);
    CHECK(got == expected);
}

template <class T>
void check_pools(std::uint32_t seed) {
    std::mt19937 rng(seed);
    for (const int c : {1, 7, 16, 17, 63, 65, 511, 513, 1027}) {
        check_pool<T>(rng, {1, 7, 7, c}, 7, 1, 0, 1, 1);    // the global pool of the classifiers
        check_pool<T>(rng, {2, 5, 6, c}, 3, 1, 1, 5, 6);    // SAME, stride 1: borders clipped
        check_pool<T>(rng, {1, 7, 7, c}, 3, 2, 1, 4, 4);    // stride 2 on an odd input
        check_pool<T>(rng, {1, 8, 8, c}, 3, 2, 0, 4, 4);    // stride 2 on an even input, padding after only
        check_pool<T>(rng, {1, 1, 1, c}, 1, 1, 0, 1, 1);    // 1x1
        check_pool<T>(rng, {1, 2, 2, c}, 2, 2, 0, 1, 1);    // 2x2
        check_pool<T>(rng, {1, 2, 2, c}, 3, 1, 1, 2, 2);    // 2x2 under a larger window
    }
    // A window beyond the input: both stop at the same pixel and say so.
    check_pool<T>(rng, {1, 2, 2, 9}, 1, 3, 0, 2, 2);
}

template <class T>
void check_means(std::uint32_t seed) {
    std::mt19937 rng(seed);
    constexpr int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    const std::vector<std::vector<int>> shapes{{1, 7, 7, 1280}, {1, 1, 1, 17}, {2, 3, 5, 7}, {3, 513, 2}, {65},
                                               {1, 2, 2, 1027}, {4, 1, 9}};
    for (const std::vector<int>& dims : shapes) {
        const int rank = static_cast<int>(dims.size());
        std::size_t total = 1;
        for (int d : dims) total *= static_cast<std::size_t>(d);
        const std::vector<T> x = random_values<T>(rng, total);
        for (int first = 0; first < rank; ++first)
            for (int last = first; last < rank; ++last) {
                std::vector<bool> reduce(dims.size(), false);
                std::size_t outer = 1, reduced = 1, inner = 1;
                for (int d = 0; d < rank; ++d) {
                    const auto e = static_cast<std::size_t>(dims[static_cast<std::size_t>(d)]);
                    if (d < first) outer *= e;
                    else if (d > last) inner *= e;
                    else {
                        reduced *= e;
                        reduce[static_cast<std::size_t>(d)] = true;
                    }
                }
                for (int round = 0; round < 4; ++round) {
                    const double real = std::exp2(std::uniform_real_distribution<double>(-8, 3)(rng));
                    const QuantizedMultiplier m = quantize_multiplier(real);
                    const std::int32_t zin = round == 0 ? lo : round == 1 ? hi : std::uniform_int_distribution<int>(lo, hi)(rng);
                    const std::int32_t zout = round == 2 ? hi : std::uniform_int_distribution<int>(lo, hi)(rng);
                    std::vector<T> expected(outer * inner, T{3}), got(outer * inner, T{3});
                    ref::mean(dims, reduce, x.data(), zin, m, zout, expected.data());
                    simd::mean_contiguous(outer, reduced, inner, x.data(), zin, m, zout, got.data());
                    CAPTURE(rank, first, last, dims[0], m.multiplier, m.shift, zin, zout);
                    CHECK(got == expected);
                }
            }
    }
}

}  // namespace

TEST_CASE("simd average_pool: uint8 and int8 equal ref::average_pool on odd shapes", "[quant][simd][pool]") {
    check_pools<std::uint8_t>(31);
    check_pools<std::int8_t>(32);
}

TEST_CASE("simd mean_contiguous: uint8 and int8 equal ref::mean over every contiguous block of axes",
          "[quant][simd][pool]") {
    check_means<std::uint8_t>(41);
    check_means<std::int8_t>(42);
}
