// Shared pieces of the SIMD kernel testers: the archs this build can run (the
// default arch and every narrower one down to scalar, so an AVX-512 build also
// tests the AVX2 and SSE kernels), seeded random grid data, the comparison against a
// reference twin (|got − ref| ≤ |ref|·1e-5 + 1e-6) and guard zones that catch
// stores past the end of an output.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/kernels/simd/config.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/arch.hpp"
#endif

namespace mnet::test {

#if MNET_SIMD_ENABLED
namespace detail {
template <class Arch>
struct arch_chain {
    using type = decltype(std::tuple_cat(std::tuple<Arch>{},
                                         typename arch_chain<kernels::simd::narrower_t<Arch>>::type{}));
};
template <>
struct arch_chain<kernels::simd::scalar> {
    using type = std::tuple<kernels::simd::scalar>;
};
}  // namespace detail

/// default_arch, then each narrower arch down to scalar: what TEMPLATE_LIST_TEST_CASE runs over.
using TestArchs = typename detail::arch_chain<kernels::simd::default_arch>::type;
#endif

/// Uniform floats in [lo, hi) from a fixed seed (printed by the testers on failure),
/// rounded to multiples of `quantum` (1/64 unless a tester says otherwise). On such a
/// dyadic grid every product and partial sum of the kernels' dot products is exact in
/// float, so the SIMD result must equal the reference whatever the compiler decides
/// about fusing multiply-adds in either (it fuses the reference at -O3 but not at -O0,
/// and long sums that cancel to ~0 would otherwise differ by more than the 1e-6 floor),
/// while a wrong index, tail or border still shows as a plain mismatch.
inline std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f,
                                        float quantum = 1.0f / 64) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = std::round(dist(rng) / quantum) * quantum;
    return v;
}

/// Floats written after the end of every output; a kernel must leave them alone.
inline constexpr std::size_t guard_floats = 64;
inline constexpr float guard_value = -12345.678f;

inline std::vector<float> guarded_output(std::size_t n) { return std::vector<float>(n + guard_floats, guard_value); }

/// Index of the first guard float that changed, or guard_floats if none did.
inline std::size_t first_guard_hit(const std::vector<float>& out, std::size_t n) {
    for (std::size_t i = 0; i < guard_floats; ++i)
        if (out[n + i] != guard_value) return i;
    return guard_floats;
}

/// Result of comparing n outputs with the reference: mismatch count and the first one.
struct Comparison {
    std::size_t mismatches = 0;
    std::size_t first = 0;
    float got = 0, want = 0;
};

inline Comparison compare(const float* got, const float* want, std::size_t n) {
    Comparison c;
    for (std::size_t i = 0; i < n; ++i) {
        const float tol = std::abs(want[i]) * 1e-5f + 1e-6f;
        if (!(std::abs(got[i] - want[i]) <= tol)) {
            if (c.mismatches++ == 0) {
                c.first = i;
                c.got = got[i];
                c.want = want[i];
            }
        }
    }
    return c;
}

/// "y,x,c" of a flat NHWC index, for failure messages.
inline std::string nhwc_position(std::size_t i, std::size_t w, std::size_t c) {
    std::ostringstream s;
    s << "y=" << i / c / w << " x=" << i / c % w << " c=" << i % c;
    return s.str();
}

}  // namespace mnet::test
