// quant/detail/prepare_conv.hpp: the zero-point-folded bias computed at load
// (ConvState::zero_point_bias) for the layouts of CONV_2D and DEPTHWISE_CONV_2D:
// Σ w′(x − z_x) + bias == Σ w′x + zero_point_bias wherever no tap is padding, on odd
// channel counts, with wrapping int32 arithmetic like the kernels'.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/detail/prepare_conv.hpp"

using namespace mnet::quant;
// Qualified: in the unity builds of CI another test file's `using namespace` also brings a `detail`.
namespace prep = mnet::quant::detail;

namespace {

/// A state with random int16 weights w − z_w in [−255, 255], int32 biases and input zero point `zx`.
/// `bias` holds the biases (a ConvState points at the file's).
prep::ConvState random_state(std::size_t weights, int channels, std::int32_t zx, std::vector<std::int32_t>& bias,
                               std::mt19937& rng) {
    prep::ConvState s;
    std::uniform_int_distribution<int> w(-255, 255), b(-100000, 100000);
    for (std::size_t i = 0; i < weights; ++i) s.weights.push_back(static_cast<std::int16_t>(w(rng)));
    bias.clear();
    for (int c = 0; c < channels; ++c) bias.push_back(b(rng));
    s.bias = bias.data();
    s.params.input_offset = -zx;
    return s;
}

}  // namespace

TEST_CASE("prepare_conv: zero-point-folded bias of 1x1 and depthwise 3x3 layouts", "[quant][prepare]") {
    std::mt19937 rng(20261207);
    std::uniform_int_distribution<int> pixel(0, 255);
    const std::int32_t zx = GENERATE(0, 117, 255);
    const int cin = GENERATE(1, 13), cout = GENERATE(1, 7, 33);
    CAPTURE(zx, cin, cout);

    // CONV_2D 1x1 [Cout, 1, 1, Cin] (FULLY_CONNECTED's [N, K] is the same layout).
    std::vector<std::int32_t> conv_bias, dw_bias;
    const prep::ConvState conv = random_state(static_cast<std::size_t>(cout * cin), cout, zx, conv_bias, rng);
    const std::vector<std::int32_t> folded = prep::make_zero_point_bias(conv, false, ref::Nhwc{cout, 1, 1, cin});
    REQUIRE(folded.size() == static_cast<std::size_t>(cout));
    std::vector<int> x(static_cast<std::size_t>(cin));
    for (int& v : x) v = pixel(rng);
    for (int c = 0; c < cout; ++c) {
        std::uint32_t direct = static_cast<std::uint32_t>(conv.bias[c]), plain = static_cast<std::uint32_t>(folded[static_cast<std::size_t>(c)]);
        for (int k = 0; k < cin; ++k) {
            const std::int32_t w = conv.weights[static_cast<std::size_t>(c * cin + k)];
            direct += static_cast<std::uint32_t>(w * (x[static_cast<std::size_t>(k)] - zx));
            plain += static_cast<std::uint32_t>(w * x[static_cast<std::size_t>(k)]);
        }
        CHECK(direct == plain);
    }

    // DEPTHWISE_CONV_2D 3x3 [1, 3, 3, C], one output pixel whose nine taps are all inside.
    const int channels = cout;
    const prep::ConvState dw = random_state(static_cast<std::size_t>(9 * channels), channels, zx, dw_bias, rng);
    const std::vector<std::int32_t> dw_folded = prep::make_zero_point_bias(dw, true, ref::Nhwc{1, 3, 3, channels});
    REQUIRE(dw_folded.size() == static_cast<std::size_t>(channels));
    std::vector<int> patch(static_cast<std::size_t>(9 * channels));
    for (int& v : patch) v = pixel(rng);
    for (int c = 0; c < channels; ++c) {
        std::uint32_t direct = static_cast<std::uint32_t>(dw.bias[c]), plain = static_cast<std::uint32_t>(dw_folded[static_cast<std::size_t>(c)]);
        for (int t = 0; t < 9; ++t) {
            const std::int32_t w = dw.weights[static_cast<std::size_t>(t * channels + c)];
            const int v = patch[static_cast<std::size_t>(t * channels + c)];
            direct += static_cast<std::uint32_t>(w * (v - zx));
            plain += static_cast<std::uint32_t>(w * v);
        }
        CHECK(direct == plain);
    }
}

namespace {

/// One k×k CONV_2D through conv_by_patches (pixels split in two ranges, as two threads would) against ref::conv2d.
template <class T>
void check_patches(std::mt19937& rng, ref::Nhwc in, int kernel, int stride, int dilation, bool same) {
    constexpr int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    const int cout = 11;
    const int span = (kernel - 1) * dilation + 1;
    const int oh = same ? (in.h + stride - 1) / stride : (in.h - span) / stride + 1;
    const int ow = same ? (in.w + stride - 1) / stride : (in.w - span) / stride + 1;
    if (oh < 1 || ow < 1) return;
    ref::ConvParams p;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = dilation;
    // TFLite SAME: the smaller half of the total padding before.
    p.pad_top = same ? std::max(0, ((oh - 1) * stride + span - in.h) / 2) : 0;
    p.pad_left = same ? std::max(0, ((ow - 1) * stride + span - in.w) / 2) : 0;
    p.input_offset = -std::uniform_int_distribution<int>(lo, hi)(rng);
    p.output_offset = std::uniform_int_distribution<int>(lo, hi)(rng);
    const std::vector<QuantizedMultiplier> m{{1518500250, -9}};
    p.multipliers = m;
    p.clamp = {lo, hi};
    const ref::Nhwc filter{cout, kernel, kernel, in.c}, out{in.n, oh, ow, cout};
    const int k = kernel * kernel * in.c;
    std::uniform_int_distribution<int> byte(lo, hi), weight(-127, 127);
    std::vector<T> x(static_cast<std::size_t>(in.n) * in.h * in.w * in.c);
    for (T& v : x) v = static_cast<T>(byte(rng));
    std::vector<std::int8_t> w(static_cast<std::size_t>(cout) * static_cast<std::size_t>(k));
    for (std::int8_t& v : w) v = static_cast<std::int8_t>(weight(rng));
    std::vector<std::int32_t> bias(static_cast<std::size_t>(cout));
    for (std::int32_t& b : bias) b = std::uniform_int_distribution<int>(-5000, 5000)(rng);
    std::vector<T> expected(static_cast<std::size_t>(out.n) * oh * ow * cout), got(expected.size(), T{0x5A});
    ref::conv2d(p, in, x.data(), filter, w.data(), bias.data(), out, expected.data());
    const simd::PackedGemm g = simd::pack_gemm<T>(p, k, cout, w.data(), bias.data());
    const int pixels = out.n * oh * ow, split = pixels / 2;
    prep::conv_by_patches(g, p, in, filter, out, x.data(), got.data(), 0, split);
    prep::conv_by_patches(g, p, in, filter, out, x.data(), got.data(), split, pixels);
    CAPTURE(in.n, in.h, in.w, in.c, kernel, stride, dilation, same, p.pad_top, p.pad_left);
    CHECK(got == expected);
}

}  // namespace

TEST_CASE("prepare_conv: k×k CONV_2D over gathered patches equals ref::conv2d on odd shapes", "[quant][prepare]") {
    std::mt19937 rng(3);
    for (const int c : {1, 3, 5, 8, 17})
        for (const int size : {1, 2, 7, 8, 13})
            for (const int stride : {1, 2})
                for (const bool same : {true, false}) {
                    check_patches<std::uint8_t>(rng, {1, size, size + 1, c}, 3, stride, 1, same);
                    check_patches<std::int8_t>(rng, {2, size, size, c}, 3, stride, 1, same);
                    check_patches<std::uint8_t>(rng, {1, size + 2, size, c}, 3, stride, 2, same);
                    check_patches<std::int8_t>(rng, {1, size, size, c}, 2, stride, 1, same);
                }
}
