// simd/conv3x3s2_c3.hpp (the stem) against reference::conv2d: every arch this
// build can run, output channels around the panel width, tiny to 224-wide
// inputs (several 64-pixel chunks per row), odd and even sizes, both paddings.
#include <array>

#include "support/conv3x3s2_c3_tester.hpp"

#if MNET_SIMD_ENABLED

using mnet::test::Conv3x3s2C3Tester;
using mnet::test::TestArchs;

TEMPLATE_LIST_TEST_CASE("conv3x3s2_c3: matches reference::conv2d on odd shapes", "[kernel][conv3x3s2_c3]",
                        TestArchs) {
    struct Size {
        int h, w;
    };
    const int c_case = GENERATE(range(0, 9));
    const Size size = GENERATE(Size{1, 1}, Size{2, 2}, Size{7, 7}, Size{8, 8}, Size{3, 150}, Size{6, 131});
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    const bool residual = GENERATE(false, true);
    const bool relu6 = GENERATE(true, false);
    for (const auto& kernel : mnet::kernels::simd::conv3x3s2_c3_kernels<TestType>) {
        const int nr = static_cast<int>(kernel.nr);
        const std::array<int, 9> channel_cases{1, 3, 7, 17, 33, std::max(1, nr - 1), nr, nr + 1, 3 * nr + 5};
        Conv3x3s2C3Tester()
            .size(size.h, size.w)
            .out_channels(channel_cases[static_cast<std::size_t>(c_case)])
            .padding(padding)
            .residual(residual)
            .relu6(relu6)
            .seed(static_cast<std::uint32_t>(300 + 17 * c_case + size.h + size.w))
            .test(kernel);
    }
}

TEMPLATE_LIST_TEST_CASE("conv3x3s2_c3: the 224x224 stem of MobileNet 1.0 and 0.35", "[kernel][conv3x3s2_c3]",
                        TestArchs) {
    const int out_c = GENERATE(32, 16);
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    for (const auto& kernel : mnet::kernels::simd::conv3x3s2_c3_kernels<TestType>)
        Conv3x3s2C3Tester().size(224, 224).out_channels(out_c).padding(padding).relu6(true).seed(11).test(kernel);
}

#endif
