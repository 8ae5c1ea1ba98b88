// The reference integer kernels on small hand-made and random cases: convolutions
// against an independent int64 oracle that pads with the input zero point (odd
// sizes, stride 2 on odd and even inputs, dilation, 1x1 and 2x2 spatial), and the
// rounding rules of AVERAGE_POOL_2D, MEAN, ADD, QUANTIZE, CONCATENATION,
// RESIZE_BILINEAR, ARG_MAX and SOFTMAX on values worked out by hand.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/kernels/arg_max.hpp"
#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/elementwise.hpp"
#include "mnet/quant/kernels/pooling.hpp"
#include "mnet/quant/kernels/resize_bilinear.hpp"
#include "mnet/quant/kernels/softmax.hpp"

using namespace mnet::quant;
using ref::Nhwc;

namespace {

/// The oracle: materialize the zero-padded (with the input zero point) input, then a
/// plain int64 sum of (w − z_w)(x − z_x) over every tap, then the same requantization.
template <class T>
std::vector<T> conv_oracle(bool depthwise, const ref::ConvParams& p, Nhwc in, const std::vector<T>& x, int kh, int kw,
                           const std::vector<T>& w, std::int32_t zw, const std::vector<std::int32_t>& bias, Nhwc out) {
    std::vector<T> y(out.size());
    for (int oy = 0; oy < out.h; ++oy)
        for (int ox = 0; ox < out.w; ++ox)
            for (int oc = 0; oc < out.c; ++oc) {
                std::int64_t acc = 0;
                for (int ky = 0; ky < kh; ++ky)
                    for (int kx = 0; kx < kw; ++kx) {
                        const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                        const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                        const bool inside = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
                        if (depthwise) {
                            const int ic = oc / p.depth_multiplier;
                            const std::int64_t xv = inside ? x[in.at(0, iy, ix, ic)] : -p.input_offset;
                            acc += (w[static_cast<std::size_t>((ky * kw + kx) * out.c + oc)] - zw) * (xv + p.input_offset);
                        } else {
                            for (int ic = 0; ic < in.c; ++ic) {
                                const std::int64_t xv = inside ? x[in.at(0, iy, ix, ic)] : -p.input_offset;
                                acc += (w[static_cast<std::size_t>(((oc * kh + ky) * kw + kx) * in.c + ic)] - zw) *
                                       (xv + p.input_offset);
                            }
                        }
                    }
                acc += bias[static_cast<std::size_t>(oc)];
                const auto m = p.multipliers[p.multipliers.size() == 1 ? 0 : static_cast<std::size_t>(oc)];
                const std::int32_t v = multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), m) + p.output_offset;
                y[out.at(0, oy, ox, oc)] = static_cast<T>(std::clamp(v, p.clamp.min, p.clamp.max));
            }
    return y;
}

template <class T>
void check_conv(bool depthwise, int h, int w, int cin, int mult_or_cout, int k, int stride, int dilation,
                std::uint32_t seed) {
    CAPTURE(depthwise, h, w, cin, mult_or_cout, k, stride, dilation, seed);
    std::mt19937 rng(seed);
    constexpr bool u8 = std::is_same_v<T, std::uint8_t>;
    std::uniform_int_distribution<int> value(u8 ? 0 : -128, u8 ? 255 : 127);
    const int cout = depthwise ? cin * mult_or_cout : mult_or_cout;
    const Nhwc in{1, h, w, cin};
    const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;  // SAME
    const Nhwc out{1, oh, ow, cout};
    auto pad = [&](int size, int o) {
        const int eff = (k - 1) * dilation + 1;
        return std::max((o - 1) * stride + eff - size, 0) / 2;
    };
    ref::ConvParams p;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = dilation;
    p.pad_top = pad(h, oh);
    p.pad_left = pad(w, ow);
    p.depth_multiplier = depthwise ? mult_or_cout : 1;
    p.input_offset = -(u8 ? 117 : -3);
    const std::int32_t zw = u8 ? 131 : 0;
    p.filter_offset = -zw;
    p.output_offset = u8 ? 9 : -20;
    std::vector<QuantizedMultiplier> multipliers;
    for (int c = 0; c < (u8 ? 1 : cout); ++c) multipliers.push_back(quantize_multiplier(0.0007 + 0.00013 * c));
    p.multipliers = multipliers;
    p.clamp = {u8 ? 9 : -128, u8 ? 250 : 100};
    std::vector<T> x(in.size()), wt(static_cast<std::size_t>(depthwise ? k * k * cout : cout * k * k * cin));
    for (T& v : x) v = static_cast<T>(value(rng));
    for (T& v : wt) v = static_cast<T>(value(rng));
    std::vector<std::int32_t> bias(static_cast<std::size_t>(cout));
    for (auto& b : bias) b = std::uniform_int_distribution<int>(-20000, 20000)(rng);
    std::vector<T> y(out.size());
    const Nhwc filter = depthwise ? Nhwc{1, k, k, cout} : Nhwc{cout, k, k, cin};
    if (depthwise)
        ref::depthwise_conv2d(p, in, x.data(), filter, wt.data(), bias.data(), out, y.data());
    else
        ref::conv2d(p, in, x.data(), filter, wt.data(), bias.data(), out, y.data());
    CHECK(y == conv_oracle(depthwise, p, in, x, k, k, wt, zw, bias, out));
}

}  // namespace

TEST_CASE("quant kernels: CONV_2D and DEPTHWISE_CONV_2D against an int64 oracle on odd shapes", "[quant][kernel]") {
    std::uint32_t seed = 1;
    for (const int stride : {1, 2})
        for (const int dilation : {1, 2})
            for (const auto& [h, w] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{7, 8}, std::pair{9, 5}}) {
                check_conv<std::uint8_t>(false, h, w, 3, 5, 3, stride, dilation, seed++);
                check_conv<std::int8_t>(false, h, w, 7, 3, 3, stride, dilation, seed++);
                check_conv<std::uint8_t>(true, h, w, 17, 1, 3, stride, dilation, seed++);
                check_conv<std::int8_t>(true, h, w, 9, 2, 3, stride, dilation, seed++);
                check_conv<std::uint8_t>(false, h, w, 33, 4, 1, stride, 1, seed++);
            }
}

TEST_CASE("quant kernels: AVERAGE_POOL_2D rounds half away from zero, clipped windows", "[quant][kernel]") {
    ref::PoolParams p;
    p.filter_h = p.filter_w = 2;
    p.stride_h = p.stride_w = 2;
    p.clamp = {0, 255};
    const std::vector<std::uint8_t> u{1, 2, 2, 2};  // one channel, 2x2 → 1x1: (7 + 2)/4 = 2
    std::vector<std::uint8_t> out(1);
    REQUIRE(ref::average_pool(p, Nhwc{1, 2, 2, 1}, u.data(), Nhwc{1, 1, 1, 1}, out.data()));
    CHECK(out[0] == 2);
    const std::vector<std::uint8_t> u2{1, 2, 2, 1};  // 6/4 = 1.5 → 2
    REQUIRE(ref::average_pool(p, Nhwc{1, 2, 2, 1}, u2.data(), Nhwc{1, 1, 1, 1}, out.data()));
    CHECK(out[0] == 2);
    p.clamp = {-128, 127};
    const std::vector<std::int8_t> s{-1, -2, -2, -1};  // −1.5 → −2 (int8 rounds away from zero)
    std::vector<std::int8_t> so(1);
    REQUIRE(ref::average_pool(p, Nhwc{1, 2, 2, 1}, s.data(), Nhwc{1, 1, 1, 1}, so.data()));
    CHECK(so[0] == -2);
    const std::vector<std::int8_t> s2{-1, -1, -1, 0};  // −0.75 → −1
    REQUIRE(ref::average_pool(p, Nhwc{1, 2, 2, 1}, s2.data(), Nhwc{1, 1, 1, 1}, so.data()));
    CHECK(so[0] == -1);
    // SAME padding on a 3x3 input: the bottom-right window holds one pixel, counted as one.
    p.pad_top = p.pad_left = 0;
    const std::vector<std::uint8_t> u3{0, 0, 0, 0, 0, 0, 0, 0, 200};
    std::vector<std::uint8_t> o3(4);
    p.clamp = {0, 255};
    REQUIRE(ref::average_pool(p, Nhwc{1, 3, 3, 1}, u3.data(), Nhwc{1, 2, 2, 1}, o3.data()));
    CHECK(o3 == std::vector<std::uint8_t>{0, 0, 0, 200});
}

TEST_CASE("quant kernels: MEAN folds 1/N into the multiplier", "[quant][kernel]") {
    // N = 4, same scale in and out: the multiplier 2^30·2 / 4 with shift 2; mean 2.75 of {1,2,3,5} → 3.
    const QuantizedMultiplier one = quantize_multiplier(1.0);
    CHECK(ref::mean_multiplier(one, 4) == QuantizedMultiplier{1 << 30, -1});
    const std::vector<std::int8_t> x{1, 2, 3, 5};
    std::vector<std::int8_t> y(1);
    ref::mean<std::int8_t>({1, 2, 2, 1}, {false, true, true, false}, x.data(), 0, one, 0, y.data());
    CHECK(y[0] == 3);
    // Zero points: (sum − z_in·N)·s + z_out, 49 values of 10 with z_in = 3 → 7, z_out = −5 → 2.
    const std::vector<std::int8_t> x49(49, 10);
    ref::mean<std::int8_t>({1, 7, 7, 1}, {false, true, true, false}, x49.data(), 3, one, -5, y.data());
    CHECK(y[0] == 2);
    // N = 49 keeps a shift of 5 (floor(log2 49)): the significand 2^35/49 truncated.
    CHECK(ref::mean_multiplier(one, 49) == QuantizedMultiplier{static_cast<std::int32_t>((std::int64_t{1} << 35) / 49), -4});
    // Two channels reduced separately, output in channel order.
    const std::vector<std::uint8_t> u{10, 200, 20, 100};  // [1,2,1,2]
    std::vector<std::uint8_t> uo(2);
    ref::mean<std::uint8_t>({1, 2, 1, 2}, {false, true, true, false}, u.data(), 0, one, 0, uo.data());
    CHECK(uo == std::vector<std::uint8_t>{15, 150});
}

TEST_CASE("quant kernels: ADD with left shift 20", "[quant][kernel]") {
    // Equal scales 0.5 and output scale 1: (q1 − z1)·0.5 + (q2 − z2)·0.5 + z_out.
    const ref::AddParams p = ref::make_add_params(0.5f, 10, 0.5f, 20, 1.0f, 5, {0, 255});
    CHECK(p.input1_multiplier == QuantizedMultiplier{1 << 30, 0});
    CHECK(p.output_multiplier == quantize_multiplier(1.0 / (1 << 20)));
    const std::vector<std::uint8_t> a{10, 14, 13, 0}, b{20, 24, 20, 255};
    std::vector<std::uint8_t> y(4);
    ref::add(p, 4, a.data(), b.data(), y.data());
    CHECK(y == std::vector<std::uint8_t>{5, 9, 7, 118});  // + 5 on: 0, 2 + 2, 1.5 → 2, (−10 + 235)/2 = 112.5 → 113
}

TEST_CASE("quant kernels: QUANTIZE requantizes and saturates", "[quant][kernel]") {
    const std::vector<std::uint8_t> u{0, 127, 128, 255};
    std::vector<std::int8_t> s(4);
    ref::requantize(4, u.data(), quantize_multiplier(1.0), 128, 0, s.data());  // uint8 z=128 → int8 z=0
    CHECK(s == std::vector<std::int8_t>{-128, -1, 0, 127});
    std::vector<std::uint8_t> back(4);
    ref::requantize(4, s.data(), quantize_multiplier(2.0), 0, 100, back.data());  // doubled, saturates
    CHECK(back == std::vector<std::uint8_t>{0, 98, 100, 255});
}

TEST_CASE("quant kernels: CONCATENATION copies or requantizes in float", "[quant][kernel]") {
    const std::vector<std::uint8_t> a{1, 2, 3, 4}, b{11, 13};  // a: [2,2] matching, b: [2,1] scale 0.5 z 10
    const std::vector<ref::ConcatInput<std::uint8_t>> in{{a.data(), 2, 1.0f, 0}, {b.data(), 1, 0.5f, 10}};
    std::vector<std::uint8_t> y(6);
    ref::concatenation<std::uint8_t>(in, 2, 1, 1.0f, 0, y.data());
    CHECK(y == std::vector<std::uint8_t>{1, 2, 1, 3, 4, 2});  // 0.5 → 1, 1.5 → 2 (half away from zero)
}

TEST_CASE("quant kernels: RESIZE_BILINEAR corners, centres and rounding", "[quant][kernel]") {
    const std::vector<std::uint8_t> x{0, 10, 20, 31};  // 2x2, one channel
    std::vector<std::uint8_t> y(9);
    ref::resize_bilinear(ref::ResizeParams{true, false}, Nhwc{1, 2, 2, 1}, x.data(), Nhwc{1, 3, 3, 1}, y.data());
    CHECK(y == std::vector<std::uint8_t>{0, 5, 10, 10, 15, 21, 20, 26, 31});  // 15.25 → 15, 20.5 → 21, 25.5 → 26
    std::vector<std::int8_t> sx{0, 10, 20, 31}, sy(9);
    ref::resize_bilinear(ref::ResizeParams{true, false}, Nhwc{1, 2, 2, 1}, sx.data(), Nhwc{1, 3, 3, 1}, sy.data());
    CHECK(sy == std::vector<std::int8_t>{0, 5, 10, 10, 15, 21, 20, 26, 31});
    // Half-pixel centres, 1x2 → 1x4: sources −0.25, 0.25, 0.75, 1.25 clamp to the ends.
    const std::vector<std::uint8_t> row{0, 100};
    std::vector<std::uint8_t> r(4);
    ref::resize_bilinear(ref::ResizeParams{false, true}, Nhwc{1, 1, 2, 1}, row.data(), Nhwc{1, 1, 4, 1}, r.data());
    CHECK(r == std::vector<std::uint8_t>{0, 25, 75, 100});
}

TEST_CASE("quant kernels: ARG_MAX keeps the first maximum", "[quant][kernel]") {
    const std::vector<std::uint8_t> x{3, 7, 7, 1, /**/ 9, 9, 9, 9};
    std::vector<std::int64_t> y(2);
    ref::arg_max(2, 4, 1, x.data(), y.data());
    CHECK(y == std::vector<std::int64_t>{1, 0});
    std::vector<std::int32_t> z(4);
    ref::arg_max(1, 2, 4, x.data(), z.data());  // axis of extent 2 with inner 4
    CHECK(z == std::vector<std::int32_t>{1, 1, 1, 1});
}

TEST_CASE("quant kernels: SOFTMAX close to the float softmax, uniform rows exact", "[quant][kernel]") {
    const ref::SoftmaxParams p = ref::make_softmax_params(1.0, 0.1);
    std::vector<std::uint8_t> x(10, 42), y(10);
    ref::softmax(p, 1, 10, x.data(), y.data());
    for (const std::uint8_t v : y) CHECK(v == 26);  // 25.6 rounded
    std::mt19937 rng(7);
    std::vector<std::int8_t> sx(1001), sy(1001);
    for (auto& v : sx) v = static_cast<std::int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
    ref::softmax(ref::make_softmax_params(1.0, 0.06), 1, 1001, sx.data(), sy.data());
    double sum = 0;
    for (const auto v : sx) sum += std::exp(0.06 * v);
    for (std::size_t i = 0; i < sx.size(); ++i)
        CHECK(std::abs((sy[i] + 128) / 256.0 - std::exp(0.06 * sx[i]) / sum) <= 1.0 / 256);
    // A uniform row of 1001 (and of 4096): the reciprocal's exponent passes 31 (undefined in
    // gemmlowp's 32-bit shift; fuzz_tflite_quant found it). 1/1001 and 1/4096 of 256 round to 0.
    for (const int depth : {1001, 4096}) {
        std::vector<std::uint8_t> flat(static_cast<std::size_t>(depth), 200), out(flat.size(), 1);
        ref::softmax(p, 1, depth, flat.data(), out.data());
        CHECK(std::count(out.begin(), out.end(), std::uint8_t{0}) == depth);
        std::vector<std::int8_t> sflat(flat.size(), 5), sout(flat.size(), 0);
        ref::softmax(p, 1, depth, sflat.data(), sout.data());
        CHECK(std::count(sout.begin(), sout.end(), std::int8_t{-128}) == depth);
    }
}
