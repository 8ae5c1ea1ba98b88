// simd/gemm.hpp against reference::gemm: every tile of every arch this build can
// run, on M/N around the tile edges, short and long K, ReLU6 and Linear, with and
// without the residual.
#include <array>
#include <cstdlib>
#include <string>

#include "mnet/kernels/simd/backend.hpp"

#include "support/gemm_tester.hpp"

#if MNET_SIMD_ENABLED

using mnet::test::GemmTester;
using mnet::test::TestArchs;

TEMPLATE_LIST_TEST_CASE("gemm: every tile matches reference::gemm on odd shapes", "[kernel][gemm]", TestArchs) {
    const int m_case = GENERATE(range(0, 7));
    const int n_case = GENERATE(range(0, 9));
    const std::size_t k = GENERATE(1, 3, 17, 64);
    const bool residual = GENERATE(false, true);
    const bool relu6 = GENERATE(true, false);
    for (const auto& kernel : mnet::kernels::simd::gemm_kernels<TestType>) {
        const std::size_t mr = static_cast<std::size_t>(kernel.mr), nr = kernel.nr;
        const std::array<std::size_t, 7> ms{1, 2, std::max<std::size_t>(1, mr - 1), mr, mr + 1, 3 * mr + 5, 49};
        const std::array<std::size_t, 9> ns{1, 3, 7, 17, 33, nr - 1, nr, nr + 1, 3 * nr + 5};
        if (ns[static_cast<std::size_t>(n_case)] == 0) continue;  // nr - 1 on the scalar arch's 4-wide panels is 3
        GemmTester()
            .m(ms[static_cast<std::size_t>(m_case)])
            .k(k)
            .n(ns[static_cast<std::size_t>(n_case)])
            .residual(residual)
            .relu6(relu6)
            .seed(static_cast<std::uint32_t>(1000 + 97 * m_case + 13 * n_case + k))
            .test(kernel);
    }
}

TEMPLATE_LIST_TEST_CASE("gemm: MobileNet-sized problems, including B larger than one panel block",
                        "[kernel][gemm]", TestArchs) {
    struct Shape {
        std::size_t m, k, n;
    };
    const auto shape = GENERATE(Shape{196, 384, 64}, Shape{49, 960, 160}, Shape{14, 1024, 200}, Shape{112, 16, 96});
    for (const auto& kernel : mnet::kernels::simd::gemm_kernels<TestType>)
        GemmTester().m(shape.m).k(shape.k).n(shape.n).residual(shape.k == 960).relu6(shape.k != 960).seed(7).test(kernel);
}

TEMPLATE_LIST_TEST_CASE("gemm: the registry's first entry is the tile layers use", "[kernel][gemm]", TestArchs) {
    namespace simd = mnet::kernels::simd;
    const auto& first = simd::gemm_kernels<TestType>[0];
    CHECK(first.mr == simd::gemm_tile<TestType>::mr);
    CHECK(first.nrv == simd::gemm_tile<TestType>::nrv);
    CHECK(first.nr == simd::gemm_tile<TestType>::nr);
    CHECK(first.fn == &simd::gemm<TestType, simd::gemm_tile<TestType>::mr, simd::gemm_tile<TestType>::nrv>);
    if constexpr (simd::is_avx512<TestType>)
        CHECK(std::string(first.name) == "gemm_7x2v");
    else if constexpr (simd::is_neon64<TestType>)
        CHECK(std::string(first.name) == "gemm_5x4v");
    else if constexpr (simd::lanes<TestType> > 1)
        CHECK(std::string(first.name) == "gemm_6x2v");
}

namespace {

// The CPUs the dispatcher has a rule for, and one it has none for.
const std::array<mnet::kernels::CpuId, 5> known_cpus{{
    {mnet::kernels::CpuVendor::intel, 6, 143},  // Sapphire Rapids
    {mnet::kernels::CpuVendor::intel, 6, 85},   // Skylake-SP / Cascade Lake
    {mnet::kernels::CpuVendor::amd, 25, 17},    // Zen4 (Genoa)
    {mnet::kernels::CpuVendor::amd, 26, 2},     // Zen5
    {mnet::kernels::CpuVendor::other, 0, 0},
}};

}  // namespace

TEMPLATE_LIST_TEST_CASE("gemm dispatch: every tile the rule picks exists and matches the reference on odd shapes",
                        "[kernel][gemm][dispatch]", TestArchs) {
    namespace simd = mnet::kernels::simd;
    for (const mnet::kernels::CpuId& cpu : known_cpus)
        for (const std::size_t k : {std::size_t{1}, std::size_t{17}, simd::gemm_deep_k, std::size_t{333}}) {
            const char* name = simd::gemm_tile_for<TestType>(cpu, k);
            CAPTURE(static_cast<int>(cpu.vendor), cpu.family, cpu.model, k, name);
            const simd::GemmKernel* kernel = simd::gemm_kernel_named<TestType>(name);
            REQUIRE(kernel != nullptr);
            const std::size_t mr = static_cast<std::size_t>(kernel->mr), nr = kernel->nr;
            // channels not a multiple of the SIMD width, 1x1 and 2x2 spatial (m = 1, 4), tile edges
            const std::array<std::size_t, 5> ms{1, 4, std::max<std::size_t>(1, mr - 1), mr + 1, 49};
            const std::array<std::size_t, 5> ns{3, 17, nr - 1, nr + 5, 2 * nr + 24};
            for (const std::size_t m : ms)
                for (const std::size_t n : ns)
                    GemmTester()
                        .m(m)
                        .k(k)
                        .n(n)
                        .residual(m % 2 == 1)
                        .relu6(n % 2 == 1)
                        .seed(static_cast<std::uint32_t>(31 * m + 7 * n + k))
                        .test(*kernel);
        }
}

TEMPLATE_LIST_TEST_CASE("gemm dispatch: AMD and unknown CPUs and shallow K keep the default tile; Intel AVX-512 "
                        "gets the deeper one",
                        "[kernel][gemm][dispatch]", TestArchs) {
    namespace simd = mnet::kernels::simd;
    const std::string first = simd::gemm_kernels<TestType>[0].name;
    for (const mnet::kernels::CpuId& cpu : known_cpus) {
        CHECK(simd::gemm_tile_for<TestType>(cpu, 16) == first);
        if (cpu.vendor != mnet::kernels::CpuVendor::intel) CHECK(simd::gemm_tile_for<TestType>(cpu, 1024) == first);
    }
    const std::string intel_deep = simd::gemm_tile_for<TestType>(known_cpus[0], 1024);
    CHECK(intel_deep == (simd::is_avx512<TestType> ? "gemm_8x3v" : first));
    CHECK(simd::gemm_kernel_named<TestType>("no such tile") == nullptr);
}

TEST_CASE("gemm dispatch: the layers run the rule's tile for this CPU (or $MNET_GEMM_TILE's)", "[kernel][gemm][dispatch]") {
    namespace simd = mnet::kernels::simd;
    using Arch = simd::default_arch;
    const char* env = std::getenv("MNET_GEMM_TILE");
    const mnet::kernels::CpuId cpu = mnet::kernels::cpu_id();
    for (const std::size_t k : {std::size_t{16}, std::size_t{1024}}) {
        const simd::GemmKernel& chosen = simd::gemm_dispatch<Arch>(k);
        const simd::GemmKernel* forced = env ? simd::gemm_kernel_named<Arch>(env) : nullptr;
        CHECK(std::string(chosen.name) == (forced ? forced->name : simd::gemm_tile_for<Arch>(cpu, k)));
        CHECK(&mnet::kernels::pointwise_kernel(k) == &chosen);
    }
    WARN("cpu vendor " << static_cast<int>(cpu.vendor) << " family " << cpu.family << " model " << cpu.model
                       << ": 1x1 tiles " << simd::gemm_dispatch<Arch>(16).name << " (K < " << simd::gemm_deep_k
                       << "), " << simd::gemm_dispatch<Arch>(1024).name);
}

#endif
