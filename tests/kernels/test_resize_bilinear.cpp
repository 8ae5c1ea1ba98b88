// reference/resize_bilinear.hpp: TFLite's RESIZE_BILINEAR on cases worked by hand
// (align_corners, half_pixel_centers, neither, the 1x1 broadcast), against a
// double-precision blend on odd shapes, row splits and channel-slice output;
// arg-max (first maximum wins) against std::max_element; the fused
// resize_bilinear_argmax equal to resize then arg-max, on odd shapes and on DeepLab's
// 33x33x21 → 513x513 with align_corners.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mnet/kernels/reference/resize_bilinear.hpp"
#include "support/kernel_tester.hpp"

namespace {

namespace ref = mnet::kernels::reference;
using mnet::kernels::ResizeGeometry;
using mnet::test::random_floats;

struct Flags {
    bool align_corners, half_pixel_centers;
};

std::vector<float> resized(const ResizeGeometry& g, const std::vector<float>& in) {
    std::vector<float> out(g.out_shape().size());
    ref::resize_bilinear(g, in.data(), out.data(), 0, g.out_h);
    return out;
}

// TFLite's sampling, written out again: coordinate in float (it decides floor/ceil),
// the blend in double.
double blended(const ResizeGeometry& g, const std::vector<float>& in, int y, int x, int c) {
    const auto coord = [&](int o, float scale) {
        return g.half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
    };
    const float fy = coord(y, g.scale_y), fx = coord(x, g.scale_x);
    const int y0 = std::max(static_cast<int>(std::floor(fy)), 0), y1 = std::min(static_cast<int>(std::ceil(fy)), g.in_h - 1);
    const int x0 = std::max(static_cast<int>(std::floor(fx)), 0), x1 = std::min(static_cast<int>(std::ceil(fx)), g.in_w - 1);
    const double dy = static_cast<double>(fy) - y0, dx = static_cast<double>(fx) - x0;
    const auto at = [&](int iy, int ix) {
        return static_cast<double>(in[(static_cast<std::size_t>(iy) * static_cast<std::size_t>(g.in_w) + static_cast<std::size_t>(ix)) *
                                          static_cast<std::size_t>(g.channels) + static_cast<std::size_t>(c)]);
    };
    return at(y0, x0) * (1 - dy) * (1 - dx) + at(y1, x0) * dy * (1 - dx) + at(y0, x1) * (1 - dy) * dx + at(y1, x1) * dy * dx;
}

}  // namespace

TEST_CASE("resize_bilinear: align_corners maps corners onto corners and blends midpoints", "[kernel][resize]") {
    // 2x2 → 3x3: scale 1/2, samples at 0, 0.5, 1 on both axes.
    const std::vector<float> in{1.0f, 2.0f, 3.0f, 5.0f};
    const auto g = ResizeGeometry::make({2, 2, 1}, 3, 3, true, false);
    CHECK(g.scale_y == 0.5f);
    const auto out = resized(g, in);
    CHECK(out == std::vector<float>{1.0f, 1.5f, 2.0f, 2.0f, 2.75f, 3.5f, 3.0f, 4.0f, 5.0f});
}

TEST_CASE("resize_bilinear: half_pixel_centers and the TF1 default on one row", "[kernel][resize]") {
    const std::vector<float> in{4.0f, 8.0f};
    // half-pixel: samples at −0.25 (lo = hi = 0, weights 1.25 and −0.25), 0.25, 0.75, 1.25 (clamped to 1).
    const auto half = resized(ResizeGeometry::make({1, 2, 1}, 1, 4, false, true), in);
    CHECK(half == std::vector<float>{4.0f, 5.0f, 7.0f, 8.0f});
    // neither flag: samples at 0, 0.5, 1, 1.5 (hi clamped: the last two are the last input).
    const auto plain = resized(ResizeGeometry::make({1, 2, 1}, 1, 4, false, false), in);
    CHECK(plain == std::vector<float>{4.0f, 6.0f, 8.0f, 8.0f});
    // align_corners: 0, 1/3, 2/3, 1.
    const auto corners = resized(ResizeGeometry::make({1, 2, 1}, 1, 4, true, false), in);
    CHECK(corners[0] == 4.0f);
    CHECK(corners[1] == Approx(4.0f + 4.0f / 3).epsilon(1e-6));
    CHECK(corners[2] == Approx(4.0f + 8.0f / 3).epsilon(1e-6));
    CHECK(corners[3] == 8.0f);
}

TEST_CASE("resize_bilinear: a 1x1 map broadcast to HxW (the image-pooling branch)", "[kernel][resize]") {
    const auto in = random_floats(37, 7, -3.0f, 3.0f, 1e-6f);
    for (const Flags f : {Flags{true, false}, Flags{false, false}, Flags{false, true}}) {
        CAPTURE(f.align_corners, f.half_pixel_centers);
        const auto g = ResizeGeometry::make({1, 1, 37}, 33, 17, f.align_corners, f.half_pixel_centers);
        const auto out = resized(g, in);
        for (std::size_t p = 0; p < 33 * 17; ++p)
            for (std::size_t c = 0; c < 37; ++c) {
                // align_corners: weights exactly 1 and 0. Otherwise TFLite's fractions sum to 1 within rounding.
                if (f.align_corners)
                    REQUIRE(out[p * 37 + c] == in[c]);
                else
                    REQUIRE(out[p * 37 + c] == Approx(in[c]).epsilon(1e-6).margin(1e-6));
            }
    }
}

TEST_CASE("resize_bilinear: matches a double-precision blend on odd shapes, any row split", "[kernel][resize]") {
    struct Case {
        int in_h, in_w, c, out_h, out_w;
    };
    const Case k = GENERATE(Case{1, 1, 3, 5, 4}, Case{2, 3, 1, 7, 5}, Case{5, 4, 7, 3, 2}, Case{7, 7, 17, 7, 7},
                            Case{3, 5, 21, 13, 9}, Case{33, 33, 5, 65, 65}, Case{4, 9, 2, 1, 1});
    const Flags f = GENERATE(Flags{true, false}, Flags{false, false}, Flags{false, true});
    CAPTURE(k.in_h, k.in_w, k.c, k.out_h, k.out_w, f.align_corners, f.half_pixel_centers);
    const auto g = ResizeGeometry::make({k.in_h, k.in_w, k.c}, k.out_h, k.out_w, f.align_corners, f.half_pixel_centers);
    const auto in = random_floats(g.in_shape().size(), 41, -2.0f, 2.0f, 1e-6f);
    const auto out = resized(g, in);
    for (int y = 0; y < g.out_h; ++y)
        for (int x = 0; x < g.out_w; ++x)
            for (int c = 0; c < g.channels; ++c) {
                const double want = blended(g, in, y, x, c);
                const float got = out[(static_cast<std::size_t>(y) * static_cast<std::size_t>(g.out_w) + static_cast<std::size_t>(x)) *
                                          static_cast<std::size_t>(g.channels) + static_cast<std::size_t>(c)];
                INFO("y=" << y << " x=" << x << " c=" << c);
                REQUIRE(std::abs(got - want) <= std::abs(want) * 1e-5 + 1e-6);
            }
    // Rows in two ranges, the later first, into a channel slice [2, 2 + c) of pixels 3 + c wide.
    const std::size_t stride = static_cast<std::size_t>(k.c) + 3, pixels = static_cast<std::size_t>(g.out_h * g.out_w);
    std::vector<float> wide(pixels * stride, mnet::test::guard_value);
    const int half = g.out_h / 2;
    ref::resize_bilinear(g, in.data(), wide.data() + 2, half, g.out_h, stride);
    ref::resize_bilinear(g, in.data(), wide.data() + 2, 0, half, stride);
    for (std::size_t p = 0; p < pixels; ++p)
        for (std::size_t c = 0; c < stride; ++c) {
            const bool inside = c >= 2 && c < 2 + static_cast<std::size_t>(k.c);
            REQUIRE(wide[p * stride + c] == (inside ? out[p * static_cast<std::size_t>(k.c) + c - 2] : mnet::test::guard_value));
        }
}

TEST_CASE("argmax_channels: the first maximum wins, as std::max_element", "[kernel][argmax]") {
    const std::size_t channels = GENERATE(1, 2, 7, 21, 64, 65, 150);
    CAPTURE(channels);
    // Coarse values: ties between channels are common.
    const auto in = random_floats(97 * channels, 5 + static_cast<std::uint32_t>(channels), -2.0f, 2.0f, 0.5f);
    std::vector<std::uint8_t> got(97);
    std::vector<std::int32_t> got32(97);
    ref::argmax_channels(97, channels, in.data(), got.data());
    ref::argmax_channels(97, channels, in.data(), got32.data());
    for (std::size_t p = 0; p < 97; ++p) {
        const auto first = in.begin() + static_cast<std::ptrdiff_t>(p * channels);
        const auto want = std::max_element(first, first + static_cast<std::ptrdiff_t>(channels)) - first;
        REQUIRE(got[p] == want);
        REQUIRE(got32[p] == want);
    }
}

TEST_CASE("argmax_channels: NaN and signed zeros as TFLite's sequential greater-than", "[kernel][argmax]") {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const std::vector<float> in{nan, 5.0f, 7.0f,      // NaN first: nothing compares greater, channel 0
                                1.0f, nan, 3.0f,      // NaN later: skipped
                                -0.0f, 0.0f, -0.0f,   // equal zeros: the first
                                -inf, -inf, -inf,     // all −inf: the first
                                2.0f, 9.0f, 9.0f};    // a tie for the maximum: the first
    std::vector<std::uint8_t> got(5);
    ref::argmax_channels(5, 3, in.data(), got.data());
    CHECK(got == std::vector<std::uint8_t>{0, 2, 0, 0, 1});
}

TEST_CASE("resize_bilinear_argmax: equals resize_bilinear then argmax_channels", "[kernel][resize][argmax]") {
    struct Case {
        int in_h, in_w, c, out_h, out_w;
    };
    const Case k = GENERATE(Case{1, 1, 3, 5, 4}, Case{2, 3, 1, 7, 5}, Case{5, 4, 7, 3, 2}, Case{3, 5, 21, 13, 9},
                            Case{6, 5, 64, 11, 12}, Case{4, 3, 65, 9, 7}, Case{5, 5, 150, 17, 17});
    const Flags f = GENERATE(Flags{true, false}, Flags{false, false}, Flags{false, true});
    // Fine values (few ties) and coarse ones (many: ties between interpolated channels too).
    const float quantum = GENERATE(1e-6f, 0.25f);
    CAPTURE(k.in_h, k.in_w, k.c, k.out_h, k.out_w, f.align_corners, f.half_pixel_centers, quantum);
    const auto g = ResizeGeometry::make({k.in_h, k.in_w, k.c}, k.out_h, k.out_w, f.align_corners, f.half_pixel_centers);
    const auto in = random_floats(g.in_shape().size(), 77, -4.0f, 4.0f, quantum);
    const auto out = resized(g, in);
    const std::size_t pixels = static_cast<std::size_t>(g.out_h * g.out_w);
    std::vector<std::uint8_t> want(pixels), got(pixels, 255);
    ref::argmax_channels(pixels, static_cast<std::size_t>(g.channels), out.data(), want.data());
    const int half = g.out_h / 2;
    ref::resize_bilinear_argmax(g, in.data(), got.data(), half, g.out_h);
    ref::resize_bilinear_argmax(g, in.data(), got.data(), 0, half);
    CHECK(got == want);
}

TEST_CASE("resize_bilinear_argmax: DeepLab's 33x33x21 logits to a 513x513 mask (align_corners)",
          "[kernel][resize][argmax]") {
    const auto g = ResizeGeometry::make({33, 33, 21}, 513, 513, true, false);
    const auto in = random_floats(g.in_shape().size(), 2026, -10.0f, 10.0f, 1e-5f);
    const auto out = resized(g, in);
    std::vector<std::uint8_t> want(513 * 513), got(513 * 513);
    ref::argmax_channels(want.size(), 21, out.data(), want.data());
    ref::resize_bilinear_argmax(g, in.data(), got.data(), 0, g.out_h);
    CHECK(got == want);
    // Every class the logits' own arg-max shows at the 33x33 sample points (they map onto
    // output pixels 16·k exactly) is there at the same place in the mask.
    std::vector<std::uint8_t> low(33 * 33);
    ref::argmax_channels(low.size(), 21, in.data(), low.data());
    for (std::size_t y = 0; y < 33; ++y)
        for (std::size_t x = 0; x < 33; ++x) REQUIRE(got[(16 * y) * 513 + 16 * x] == low[y * 33 + x]);
}
