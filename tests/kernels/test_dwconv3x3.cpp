// simd/dwconv3x3.hpp against reference::dwconv: both strides, every arch this
// build can run, channels around the register width (so each tail level runs),
// 1×1 up to widths with several 4-pixel interior steps, odd and even sizes for
// stride 2, tf_same and symmetric padding, ReLU6 and Linear, with and without residual;
// dilations 2, 3 and 4 (DeepLab's atrous stages use 2 and 4), both strides.
#include <array>

#include "support/dwconv_tester.hpp"

#if MNET_SIMD_ENABLED

using mnet::test::DwconvTester;
using mnet::test::TestArchs;

TEMPLATE_LIST_TEST_CASE("dwconv3x3: s1 and s2 match reference::dwconv on odd shapes", "[kernel][dwconv]",
                        TestArchs) {
    struct Size {
        int h, w;
    };
    constexpr int L = static_cast<int>(mnet::kernels::simd::lanes<TestType>);
    const std::array<int, 9> channel_cases{1, 3, 7, 17, 33, std::max(1, L - 1), L, L + 1, 3 * L + 5};
    const int c_case = GENERATE(range(0, 9));
    const Size size = GENERATE(Size{1, 1}, Size{2, 2}, Size{7, 7}, Size{8, 8}, Size{5, 13}, Size{12, 16}, Size{3, 2});
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    const bool residual = GENERATE(false, true);
    const bool relu6 = GENERATE(true, false);
    for (const auto& kernel : mnet::kernels::simd::dwconv_kernels<TestType>)
        DwconvTester()
            .size(size.h, size.w)
            .channels(channel_cases[static_cast<std::size_t>(c_case)])
            .padding(padding)
            .residual(residual)
            .relu6(relu6)
            .seed(static_cast<std::uint32_t>(500 + 31 * c_case + size.h * 7 + size.w))
            .test(kernel);
}

TEMPLATE_LIST_TEST_CASE("dwconv3x3: dilated taps match reference::dwconv on odd shapes", "[kernel][dwconv][dilation]",
                        TestArchs) {
    struct Size {
        int h, w;
    };
    constexpr int L = static_cast<int>(mnet::kernels::simd::lanes<TestType>);
    const std::array<int, 5> channel_cases{1, 7, std::max(1, L - 1), L + 1, 3 * L + 5};
    const int c_case = GENERATE(range(0, 5));
    const int dilation = GENERATE(2, 3, 4);
    // Below, at and above the dilated extent (2·d + 1), and wide enough for several interior tiles.
    const Size size = GENERATE(Size{1, 1}, Size{2, 2}, Size{4, 5}, Size{5, 4}, Size{9, 9}, Size{10, 23}, Size{13, 6});
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    const bool residual = GENERATE(false, true);
    for (const auto& kernel : mnet::kernels::simd::dwconv_kernels<TestType>)
        DwconvTester()
            .size(size.h, size.w)
            .channels(channel_cases[static_cast<std::size_t>(c_case)])
            .dilation(dilation)
            .padding(padding)
            .residual(residual)
            .relu6(!residual)
            .seed(static_cast<std::uint32_t>(900 + 31 * c_case + 5 * dilation + size.h * 7 + size.w))
            .test(kernel);
}

TEMPLATE_LIST_TEST_CASE("dwconv3x3: DeepLab's atrous layers (33x33, dilation 2 and 4)", "[kernel][dwconv][dilation]",
                        TestArchs) {
    struct Layer {
        int hw, c, dilation;
    };
    const Layer layer = GENERATE(Layer{33, 960, 2}, Layer{33, 576, 2}, Layer{65, 384, 4});
    DwconvTester()
        .size(layer.hw, layer.hw)
        .channels(layer.c)
        .dilation(layer.dilation)
        .padding(mnet::Padding::tf_same)
        .relu6(true)
        .seed(11)
        .test(mnet::kernels::simd::dwconv_kernels<TestType>[0]);
}

TEMPLATE_LIST_TEST_CASE("dwconv3x3: MobileNet-sized layers", "[kernel][dwconv]", TestArchs) {
    struct Layer {
        int hw, c;
    };
    const Layer layer = GENERATE(Layer{112, 32}, Layer{56, 144}, Layer{14, 576}, Layer{7, 960});
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    for (const auto& kernel : mnet::kernels::simd::dwconv_kernels<TestType>)
        DwconvTester().size(layer.hw, layer.hw).channels(layer.c).padding(padding).relu6(true).seed(3).test(kernel);
}

#endif
