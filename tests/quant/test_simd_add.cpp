// The SIMD quantized ADD (mnet::quant::simd::add, every variant this build compiled) against the
// scalar reference ref::add, value for value: uint8 and int8, lengths around the vector steps (1,
// 7, 15, 17, 63, 65, 1000+odd), unaligned pointers, parameters from make_add_params on random
// scales and zero points (extremes included) and raw ones with extreme multipliers and shifts,
// among them the one product SRDHM saturates.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/kernels/simd/add.hpp"
#include "support/int_limits.hpp"

using namespace mnet::quant;

namespace {

using mnet::test::i32_max;
using mnet::test::i32_min;

template <class T>
auto add_fn(const simd::AddKernel& k) {
    if constexpr (std::is_signed_v<T>) return k.s8;
    else return k.u8;
}

/// One of `extremes`, or (one time in extremes.size() + 1) a uniform value in [lo, hi].
template <class V>
V pick(std::mt19937& rng, std::initializer_list<V> extremes, V lo, V hi) {
    const auto i = std::uniform_int_distribution<int>(0, static_cast<int>(extremes.size()))(rng);
    if (i < static_cast<int>(extremes.size())) return *(extremes.begin() + i);
    return std::uniform_int_distribution<V>(lo, hi)(rng);
}

/// A clamp inside T's range: the full range, or a random sub-range.
template <class T>
ActivationRange random_clamp(std::mt19937& rng) {
    constexpr std::int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) return {lo, hi};
    std::int32_t a = std::uniform_int_distribution<std::int32_t>(lo, hi)(rng);
    std::int32_t b = std::uniform_int_distribution<std::int32_t>(lo, hi)(rng);
    if (a > b) std::swap(a, b);
    return {a, b};
}

/// Parameters as the interpreter derives them: random scales over 2^−12…2^4, zero points of T.
template <class T>
ref::AddParams derived_params(std::mt19937& rng) {
    constexpr std::int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    std::uniform_real_distribution<float> log2_scale(-12.f, 4.f);
    const auto scale = [&] { return std::exp2(log2_scale(rng)); };
    const float s1 = scale(), s2 = scale(), so = scale();
    return ref::make_add_params(s1, pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi), s2,
                                pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi), so,
                                pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi), random_clamp<T>(rng));
}

/// Raw parameters: extreme multipliers (0, 2^30, INT32_MAX, INT32_MIN) and shifts from −31 up to a
/// few left shifts, so sums wrap and x · 2^shift reaches INT32_MIN.
template <class T>
ref::AddParams raw_params(std::mt19937& rng) {
    constexpr std::int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    ref::AddParams p;
    p.input1_offset = -pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi);
    p.input2_offset = -pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi);
    p.output_offset = pick<std::int32_t>(rng, {lo, hi, 0}, lo, hi);
    const auto multiplier = [&](int shift_hi) {
        const std::int32_t m = pick<std::int32_t>(rng, {0, 1 << 30, i32_max, i32_min}, 1 << 30, i32_max);
        return QuantizedMultiplier{m, pick<int>(rng, {-31, 0, shift_hi}, -31, shift_hi)};
    };
    p.input1_multiplier = multiplier(11);
    p.input2_multiplier = multiplier(11);
    p.output_multiplier = multiplier(4);
    // Without a right shift the output stage can reach INT32_MAX: ref::add's "+ offset" would overflow (UB).
    if (p.output_multiplier.shift >= 0) p.output_offset = 0;
    p.clamp = random_clamp<T>(rng);
    return p;
}

template <class T>
void check_all_variants(const ref::AddParams& p, std::size_t n, std::mt19937& rng, std::size_t misalign) {
    std::vector<T> a(n + misalign), b(n + misalign);
    std::uniform_int_distribution<int> byte(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    for (std::size_t i = 0; i < n + misalign; ++i) {
        // Every fourth element an extreme of T.
        a[i] = static_cast<T>(i % 4 == 0 ? (i % 8 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max()) : byte(rng));
        b[i] = static_cast<T>(i % 4 == 1 ? (i % 8 == 1 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max()) : byte(rng));
    }
    std::vector<T> expected(n + misalign, T{7});
    ref::add(p, n, a.data() + misalign, b.data() + misalign, expected.data() + misalign);
    for (const simd::AddKernel& k : simd::add_kernels) {
        INFO("variant " << k.name << ", n " << n << ", misalign " << misalign << ", offsets " << p.input1_offset << " "
                        << p.input2_offset << " " << p.output_offset << ", multipliers " << p.input1_multiplier.multiplier
                        << "/" << p.input1_multiplier.shift << " " << p.input2_multiplier.multiplier << "/"
                        << p.input2_multiplier.shift << " " << p.output_multiplier.multiplier << "/"
                        << p.output_multiplier.shift << ", clamp " << p.clamp.min << ".." << p.clamp.max);
        std::vector<T> got(n + misalign, T{7});  // the bytes outside [misalign, misalign + n) must stay 7
        add_fn<T>(k)(p, n, a.data() + misalign, b.data() + misalign, got.data() + misalign);
        REQUIRE(got == expected);
    }
}

template <class T>
void check_lengths(std::uint32_t seed) {
    std::mt19937 rng(seed);
    CAPTURE(seed);
    const std::size_t lengths[] = {0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1001, 1027, 4099};
    for (int round = 0; round < 12; ++round)
        for (const std::size_t n : lengths) {
            check_all_variants<T>(derived_params<T>(rng), n, rng, static_cast<std::size_t>(round % 3));
            check_all_variants<T>(raw_params<T>(rng), n, rng, static_cast<std::size_t>(round % 2));
        }
}

}  // namespace

TEST_CASE("simd add: the registry lists this build's variants, the scalar one last", "[quant][simd][add]") {
    std::string names;
    for (const auto& k : simd::add_kernels) names += std::string(k.name) + " ";
    INFO("add variants: " << names);
    CHECK(std::string(simd::add_kernels.back().name) == "scalar");
    CHECK(std::string(simd::add_kernels.front().name) == simd::best_add_isa::name());
#if MNET_QSIMD_AVX2
    CHECK(simd::add_kernels.size() >= 2);
#endif
}

TEST_CASE("simd add: uint8 equals ref::add on odd lengths, random and extreme parameters", "[quant][simd][add]") {
    check_lengths<std::uint8_t>(1601);
}

TEST_CASE("simd add: int8 equals ref::add on odd lengths, random and extreme parameters", "[quant][simd][add]") {
    check_lengths<std::int8_t>(1602);
}

TEST_CASE("simd add: the saturating SRDHM product and wrapping sums are reproduced", "[quant][simd][add]") {
    // Input 1: (a − 0) · 2^(20 + 11) = INT32_MIN for a = −1 … and multiplier INT32_MIN: saturates to INT32_MAX.
    ref::AddParams p;
    p.input1_offset = 0;
    p.input2_offset = 0;
    p.output_offset = 0;
    p.input1_multiplier = {i32_min, 11};
    p.input2_multiplier = {i32_max, 11};  // large positive terms: the sum of both wraps
    p.output_multiplier = {1 << 30, -3};
    p.clamp = {-128, 127};
    REQUIRE(multiply_by_quantized_multiplier(wrapping_shift_left(-1, 20), p.input1_multiplier) == i32_max);
    std::mt19937 rng(5);
    for (const std::size_t n : {1u, 17u, 65u, 1001u}) check_all_variants<std::int8_t>(p, n, rng, 1);
}
