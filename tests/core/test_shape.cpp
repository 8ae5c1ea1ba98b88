#include <catch2/catch.hpp>

#include "mnet/core/shape.hpp"

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
