// simd/head.hpp against reference::global_avgpool and reference::fully_connected:
// every arch this build can run, channel counts around the register width and
// the FC panel, up to the real 7×7×1280 → 1001 head.
#include "support/head_tester.hpp"

#if MNET_SIMD_ENABLED

using mnet::test::HeadTester;
using mnet::test::TestArchs;

TEMPLATE_LIST_TEST_CASE("head: global_avgpool matches the reference", "[kernel][head]", TestArchs) {
    constexpr std::size_t L = mnet::kernels::simd::lanes<TestType>;
    const std::size_t pixels = GENERATE(1, 4, 49);
    const std::size_t channels =
        GENERATE_COPY(1, 3, 7, 17, 33, L - 1 + (L == 1), L, L + 1, 3 * L + 5, 4 * L, 4 * L + L - 1, 1280);
    for (const auto& kernel : mnet::kernels::simd::head_kernels<TestType>)
        HeadTester().pixels(pixels).channels(channels).seed(static_cast<std::uint32_t>(pixels * 1000 + channels)).test_avgpool(kernel);
}

TEMPLATE_LIST_TEST_CASE("head: fully_connected matches the reference", "[kernel][head]", TestArchs) {
    const std::size_t nr = mnet::kernels::simd::head_kernels<TestType>[0].fc_nr;
    const std::size_t k = GENERATE(1, 3, 17, 64, 1280);
    const std::size_t n = GENERATE_COPY(1, 3, 7, 17, 33, nr - 1, nr, nr + 1, 3 * nr + 5, 1001);
    for (const auto& kernel : mnet::kernels::simd::head_kernels<TestType>)
        HeadTester().channels(k).classes(n).seed(static_cast<std::uint32_t>(k * 7 + n)).test_fc(kernel);
}

#endif
