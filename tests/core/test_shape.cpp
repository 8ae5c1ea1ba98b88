#include <algorithm>

#include <catch2/catch.hpp>

#include "mnet/core/shape.hpp"
#include "mnet/kernels/conv_geometry.hpp"

using mnet::axis_padding;
using mnet::Padding;

TEST_CASE("axis_padding: tf_same pads only after for stride 2 on even inputs", "[core][padding]") {
    for (int in : {2, 14, 28, 56, 112, 224}) {
        CAPTURE(in);
        const auto p = axis_padding(in, 3, 2, Padding::tf_same);
        CHECK(p.out == in / 2);
        CHECK(p.before == 0);
        CHECK(p.after == 1);
    }
}

TEST_CASE("axis_padding: tf_same pads both sides for stride 2 on odd inputs", "[core][padding]") {
    for (int in : {1, 3, 7, 15, 225}) {
        CAPTURE(in);
        const auto p = axis_padding(in, 3, 2, Padding::tf_same);
        CHECK(p.out == (in + 1) / 2);
        CHECK(p.before == 1);
        CHECK(p.after == 1);
    }
}

TEST_CASE("axis_padding: symmetric pads k/2 before whatever the input", "[core][padding]") {
    for (int in : {1, 2, 7, 8, 112, 113}) {
        CAPTURE(in);
        const auto s2 = axis_padding(in, 3, 2, Padding::symmetric);
        CHECK(s2.before == 1);
        CHECK(s2.out == axis_padding(in, 3, 2, Padding::tf_same).out);  // same output size, other split
        const auto s1 = axis_padding(in, 3, 1, Padding::symmetric);
        CHECK(s1.before == 1);
        CHECK(s1.after == 1);
        CHECK(s1.out == in);
    }
}

TEST_CASE("axis_padding: stride 1 and 1x1 kernels", "[core][padding]") {
    const auto same3 = axis_padding(7, 3, 1, Padding::tf_same);
    CHECK(same3.out == 7);
    CHECK(same3.before == 1);
    CHECK(same3.after == 1);
    const auto one = axis_padding(7, 1, 1, Padding::tf_same);
    CHECK(one.out == 7);
    CHECK(one.before == 0);
    CHECK(one.after == 0);
}

TEST_CASE("axis_padding: dilated kernels pad as TensorFlow's SAME with an effective kernel (k-1)·d+1",
          "[core][padding][dilation]") {
    CHECK(mnet::effective_kernel(3, 1) == 3);
    CHECK(mnet::effective_kernel(3, 2) == 5);
    CHECK(mnet::effective_kernel(3, 4) == 9);
    // DeepLab's atrous stages: 33x33, stride 1, dilation 2 keep the size, 2 rows each side.
    const auto d2 = axis_padding(33, 3, 1, Padding::tf_same, 2);
    CHECK(d2.out == 33);
    CHECK(d2.before == 2);
    CHECK(d2.after == 2);
    for (int in : {1, 2, 5, 8, 32, 33, 65}) {
        for (int s : {1, 2}) {
            for (int d : {1, 2, 3, 4}) {
                CAPTURE(in, s, d);
                const int eff = 2 * d + 1;
                const auto p = axis_padding(in, 3, s, Padding::tf_same, d);
                CHECK(p.out == (in + s - 1) / s);
                const int total = std::max((p.out - 1) * s + eff - in, 0);
                CHECK(p.before == total / 2);
                CHECK(p.before + p.after == total);
                const auto q = axis_padding(in, 3, s, Padding::symmetric, d);
                CHECK(q.before == d);  // torchvision: padding = dilation for 3x3
                CHECK(q.out == (in + 2 * d - eff) / s + 1);
                if (s == 1) CHECK(q.after == d);
            }
        }
    }
    // Stride 2, dilation 2 on an even input: 3 rows of padding, 1 before and 2 after.
    const auto even = axis_padding(32, 3, 2, Padding::tf_same, 2);
    CHECK(even.out == 16);
    CHECK(even.before == 1);
    CHECK(even.after == 2);
    // A 1x1 map with dilation 4: every tap but the centre falls in the padding.
    const auto tiny = axis_padding(1, 3, 1, Padding::tf_same, 4);
    CHECK(tiny.out == 1);
    CHECK(tiny.before == 4);
    CHECK(tiny.after == 4);
}

TEST_CASE("band_input_rows: a band of r output rows reads (r-1)·s + 2·d + 1 input rows", "[core][padding][dilation]") {
    using mnet::kernels::ConvGeometry;
    for (int s : {1, 2})
        for (int d : {1, 2, 4})
            for (int r : {1, 2, 5}) {
                CAPTURE(s, d, r);
                const auto g = ConvGeometry::make({33, 33, 8}, 8, 3, s, Padding::tf_same, d);
                CHECK(g.dilation == d);
                CHECK(mnet::kernels::band_input_rows(g, r) == (r - 1) * s + 2 * d + 1);
            }
    // Callers that predate dilation (five arguments) get dilation 1.
    const auto g = ConvGeometry::make({7, 7, 4}, 4, 3, 2, Padding::tf_same);
    CHECK(g.dilation == 1);
    CHECK(mnet::kernels::band_input_rows(g, 3) == 7);
}
