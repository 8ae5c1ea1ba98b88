// The SIMD QUANTIZE (mnet::quant::simd::requantize, every variant this build compiled) against the
// scalar reference ref::requantize, value for value: the four uint8/int8 type pairs, lengths around
// the vector steps (1, 7, 15, 17, 63, 65, 1000+odd), unaligned pointers, multipliers from real
// ratios 2^−12…2^8 and raw extremes (0, 2^30, INT32_MAX, INT32_MIN; shifts −31 … +23), zero points
// at the types' extremes, so the output saturates both ways and the SRDHM saturating product occurs.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/kernels/simd/quantize.hpp"
#include "support/int_limits.hpp"

using namespace mnet::quant;

namespace {

using mnet::test::i32_max;
using mnet::test::i32_min;

template <class In, class Out>
auto quantize_fn(const simd::QuantizeKernel& k) {
    if constexpr (std::is_signed_v<In> && std::is_signed_v<Out>) return k.s8_s8;
    else if constexpr (std::is_signed_v<In>) return k.s8_u8;
    else if constexpr (std::is_signed_v<Out>) return k.u8_s8;
    else return k.u8_u8;
}

template <class In, class Out>
void check_pair(std::uint32_t seed) {
    std::mt19937 rng(seed);
    CAPTURE(seed);
    constexpr int in_lo = std::numeric_limits<In>::min(), in_hi = std::numeric_limits<In>::max();
    constexpr int out_lo = std::numeric_limits<Out>::min(), out_hi = std::numeric_limits<Out>::max();
    const std::size_t lengths[] = {0, 1, 7, 15, 16, 17, 63, 64, 65, 129, 1001, 4099};
    std::uniform_int_distribution<int> byte(in_lo, in_hi);
    for (int round = 0; round < 16; ++round)
        for (const std::size_t n : lengths) {
            QuantizedMultiplier m;
            if (round % 2 == 0) {
                m = quantize_multiplier(std::exp2(std::uniform_real_distribution<double>(-12, 8)(rng)));
            } else {
                const std::int32_t extremes[] = {0, 1 << 30, i32_max, i32_min};
                m.multiplier = extremes[static_cast<std::size_t>(round / 2) % 4];
                m.shift = std::uniform_int_distribution<int>(-31, 23)(rng);
                if (round == 3) m = {i32_min, 23};  // (−1 · 2^8 …) · 2^23 reaches INT32_MIN: SRDHM saturates
            }
            const std::int32_t zin = round % 3 == 0 ? in_lo : round % 3 == 1 ? in_hi : byte(rng);
            const std::int32_t zout_pick = round % 4 == 0 ? out_lo : round % 4 == 1 ? out_hi : std::uniform_int_distribution<int>(out_lo, out_hi)(rng);
            // Without a right shift the product can reach INT32_MAX: the reference's "+ z_out" would overflow (UB).
            const std::int32_t zout = m.shift >= 0 ? 0 : zout_pick;
            const std::size_t misalign = static_cast<std::size_t>(round % 3);
            std::vector<In> x(n + misalign);
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<In>(i % 6 == 0 ? in_lo : i % 6 == 1 ? in_hi : byte(rng));
            std::vector<Out> expected(n + misalign, Out{5});
            ref::requantize(n, x.data() + misalign, m, zin, zout, expected.data() + misalign);
            for (const simd::QuantizeKernel& k : simd::quantize_kernels) {
                INFO("variant " << k.name << ", n " << n << ", multiplier " << m.multiplier << "/" << m.shift << ", zero points "
                                << zin << " " << zout);
                std::vector<Out> got(n + misalign, Out{5});
                quantize_fn<In, Out>(k)(n, x.data() + misalign, m, zin, zout, got.data() + misalign);
                REQUIRE(got == expected);
            }
        }
}

}  // namespace

TEST_CASE("simd quantize: the registry lists this build's variants, the scalar one last", "[quant][simd][quantize]") {
    CHECK(std::string(simd::quantize_kernels.back().name) == "scalar");
    CHECK(std::string(simd::quantize_kernels.front().name) == simd::best_add_isa::name());
}

TEST_CASE("simd quantize: every type pair equals ref::requantize on odd lengths and extreme multipliers",
          "[quant][simd][quantize]") {
    check_pair<std::uint8_t, std::uint8_t>(11);
    check_pair<std::uint8_t, std::int8_t>(12);
    check_pair<std::int8_t, std::uint8_t>(13);
    check_pair<std::int8_t, std::int8_t>(14);
}

TEST_CASE("simd quantize: a uint8 <-> int8 shift by 128 at one scale is a sign-bit flip, exact on every byte",
          "[quant][simd][quantize]") {
    const QuantizedMultiplier one = quantize_multiplier(1.0);
    // The PTQ file's input QUANTIZE (uint8 zero point 128 -> int8 zero point 0) and its inverse.
    CHECK(simd::requantize_as_xor<std::uint8_t, std::int8_t>(one, 128, 0) == std::uint8_t{0x80});
    CHECK(simd::requantize_as_xor<std::int8_t, std::uint8_t>(one, -3, 125) == std::uint8_t{0x80});
    CHECK(simd::requantize_as_xor<std::uint8_t, std::uint8_t>(one, 7, 7) == std::uint8_t{0});
    // Not a flip: another scale, zero points not 128 apart (the output saturates), a shift of 1.
    CHECK_FALSE(simd::requantize_as_xor<std::uint8_t, std::int8_t>(quantize_multiplier(0.5), 128, 0));
    CHECK_FALSE(simd::requantize_as_xor<std::uint8_t, std::int8_t>(one, 100, 0));
    CHECK_FALSE(simd::requantize_as_xor<std::uint8_t, std::uint8_t>(one, 7, 8));
    // Where it answers, the xor is ref::requantize on every byte, in place of the widening kernels.
    std::mt19937 rng(7);
    int flips = 0;
    for (int round = 0; round < 2000; ++round) {
        const QuantizedMultiplier m = round % 2 ? one : quantize_multiplier(std::exp2(std::uniform_real_distribution<double>(-1, 1)(rng)));
        const int zin = std::uniform_int_distribution<int>(0, 255)(rng);
        const int zout = round % 3 ? zin - 128 : std::uniform_int_distribution<int>(-128, 127)(rng);
        const auto flip = simd::requantize_as_xor<std::uint8_t, std::int8_t>(m, zin, zout);
        if (!flip) continue;
        ++flips;
        std::vector<std::uint8_t> x(300);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::uint8_t>(i * 7 + 3);
        std::vector<std::int8_t> expected(x.size()), got(x.size());
        ref::requantize(x.size(), x.data(), m, zin, zout, expected.data());
        simd::xor_bytes(x.size(), x.data(), *flip, got.data());
        REQUIRE(got == expected);
    }
    CHECK(flips > 100);
}
