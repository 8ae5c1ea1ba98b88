// simd/gemm.hpp against reference::gemm: every tile of every arch this build can
// run, on M/N around the tile edges, short and long K, ReLU6 and Linear, with and
// without the residual.
#include <array>

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

#endif
