// simd/backend.hpp, the entry points layers call: the dilated depthwise through
// depthwise_pack + depthwise<3, S> (SIMD or reference, whichever this build picks) against
// reference::dwconv, whole image and in a ring of band_input_rows rows; the resize and
// arg-max entry points against their reference twins.
#include <cstdint>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/backend.hpp"
#include "support/dwconv_tester.hpp"
#include "support/kernel_tester.hpp"

namespace {

template <int S>
void check_depthwise(int h, int w, int c, int dilation, mnet::Padding padding) {
    namespace k = mnet::kernels;
    const auto g = k::ConvGeometry::make({h, w, c}, c, 3, S, padding, dilation);
    INFO("in " << h << "x" << w << "x" << c << " stride " << S << " dilation " << dilation << " "
               << mnet::to_string(padding) << " backend " << k::backend_name());
    const std::size_t cs = static_cast<std::size_t>(c), out_n = g.out_shape().size();
    const auto in = mnet::test::random_floats(g.in_shape().size(), 3, -2.0f, 2.0f);
    const auto w_c33 = mnet::test::random_floats(cs * 9, 4), bias = mnet::test::random_floats(cs, 5);
    std::vector<float> w_hwc(cs * 9), want(out_n);
    for (std::size_t ch = 0; ch < cs; ++ch)
        for (std::size_t t = 0; t < 9; ++t) w_hwc[t * cs + ch] = w_c33[ch * 9 + t];
    const k::Epilogue ep{0.0f, 6.0f};
    k::reference::dwconv(g, in.data(), w_hwc.data(), bias.data(), want.data(), ep);

    mnet::AlignedBuffer packed(k::depthwise_packed_floats(3, S, cs));
    k::depthwise_pack(3, S, cs, w_c33.data(), bias.data(), packed.data());
    std::vector<float> got(out_n);
    k::depthwise<3, S>(g, in.data(), packed.data(), got.data(), ep, 0, g.out_h);
    CHECK(mnet::test::compare(got.data(), want.data(), out_n).mismatches == 0);
    const auto run = [&](const float* ring, float* out, const k::Epilogue& band_ep, int y0, int y1, k::RowWindow rows) {
        k::depthwise<3, S>(g, ring, packed.data(), out, band_ep, y0, y1, rows);
    };
    CHECK(mnet::test::DwconvTester::banded(g, in, ep, 2, run) == got);
}

}  // namespace

TEST_CASE("backend depthwise<3, S>: dilation read from the geometry", "[kernel][dwconv][dilation][backend]") {
    const auto padding = GENERATE(mnet::Padding::tf_same, mnet::Padding::symmetric);
    for (const int d : {1, 2, 3, 4}) {
        check_depthwise<1>(33, 33, 37, d, padding);
        check_depthwise<1>(5, 7, 8, d, padding);
        check_depthwise<2>(9, 8, 19, d, padding);
    }
}

TEST_CASE("backend resize and arg-max: the reference twins", "[kernel][resize][argmax][backend]") {
    namespace k = mnet::kernels;
    const auto g = k::ResizeGeometry::make({5, 4, 21}, 17, 11, true, false);
    const auto in = mnet::test::random_floats(g.in_shape().size(), 9, -3.0f, 3.0f, 1e-5f);
    std::vector<float> want(g.out_shape().size()), got(want.size());
    k::reference::resize_bilinear(g, in.data(), want.data(), 0, g.out_h);
    k::resize_bilinear(g, in.data(), got.data(), 0, g.out_h);
    CHECK(got == want);
    const std::size_t pixels = static_cast<std::size_t>(g.out_h * g.out_w);
    std::vector<std::uint8_t> mask_want(pixels), mask_got(pixels), fused(pixels);
    k::reference::argmax_channels(pixels, 21, want.data(), mask_want.data());
    k::argmax_channels(pixels, 21, got.data(), mask_got.data());
    k::resize_bilinear_argmax(g, in.data(), fused.data(), 0, g.out_h);
    CHECK(mask_got == mask_want);
    CHECK(fused == mask_want);
}
