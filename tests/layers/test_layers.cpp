// Each layer against a case small enough to compute by hand.
#include <catch2/catch.hpp>

#include <vector>

#include "mnet/mnet.hpp"

using namespace mnet;

TEST_CASE("Conv2d: 3x3 stride 2 on a 2x2 image, tf_same vs symmetric", "[layer][conv2d]") {
    // 1 input channel, 1 output, all-ones kernel: the output is the sum of the input
    // pixels under the window. Input 2x2 = [1 2; 3 4].
    Conv2d<3, Stride<2>, Linear> conv(1, 1);
    conv.set_weights(std::vector<float>(9, 1.0f), std::vector<float>{0.5f});
    const std::vector<float> in{1, 2, 3, 4};
    float out = 0;
    // tf_same: out 1x1, pad 0 before / 1 after: the window covers rows 0..2, cols 0..2 → all four pixels.
    CHECK(conv.output_shape({2, 2, 1}, Padding::tf_same) == Shape{1, 1, 1});
    conv.forward(in.data(), {2, 2, 1}, &out, nullptr, Padding::tf_same);
    CHECK(out == Approx(10.5f));
    // symmetric: pad 1 before: the window covers rows -1..1 → again all four pixels, so use a
    // kernel that tells the positions apart: weight 1 only at the top-left tap.
    std::vector<float> corner(9, 0.0f);
    corner[0] = 1.0f;
    conv.set_weights(corner, std::vector<float>{0.0f});
    conv.forward(in.data(), {2, 2, 1}, &out, nullptr, Padding::tf_same);
    CHECK(out == Approx(1.0f));  // tap (0,0) sits on pixel (0,0)
    conv.forward(in.data(), {2, 2, 1}, &out, nullptr, Padding::symmetric);
    CHECK(out == Approx(0.0f));  // tap (0,0) sits in the padding
}

TEST_CASE("Conv2d: OIHW weights and ReLU6 clamp", "[layer][conv2d]") {
    // 1x1 image, 2 input channels, 3 outputs; only the centre tap sees the pixel.
    Conv2d<3, Stride<1>, ReLU6> conv(2, 3);
    std::vector<float> w(3 * 2 * 9, 0.0f);
    auto at = [&](int o, int i, int y, int x) -> float& { return w[((o * 2 + i) * 3 + y) * 3 + x]; };
    at(0, 0, 1, 1) = 1.0f;  // out0 = x0
    at(1, 1, 1, 1) = 4.0f;  // out1 = 4·x1 → clamped to 6
    at(2, 0, 1, 1) = -1.0f; // out2 = -x0 → clamped to 0
    conv.set_weights(w, std::vector<float>{0.25f, 0.0f, 0.0f});
    const std::vector<float> in{2.0f, 3.0f};
    std::vector<float> out(3);
    conv.forward(in.data(), {1, 1, 2}, out.data(), nullptr, Padding::tf_same);
    CHECK(out[0] == Approx(2.25f));
    CHECK(out[1] == Approx(6.0f));
    CHECK(out[2] == Approx(0.0f));
}

TEST_CASE("DepthwiseConv: each channel uses only its own filter", "[layer][dwconv]") {
    DepthwiseConv<3, Stride<1>, Linear> dw(2);
    // channel 0: all ones (3x3 box sum); channel 1: centre tap ×2.
    std::vector<float> w(2 * 9, 0.0f);
    for (int t = 0; t < 9; ++t) w[t] = 1.0f;
    w[9 + 4] = 2.0f;
    dw.set_weights(w, std::vector<float>{0.0f, 1.0f});
    // 3x3 image, channel 0 = 1..9, channel 1 = 10..90
    std::vector<float> in(3 * 3 * 2);
    for (int p = 0; p < 9; ++p) {
        in[p * 2] = static_cast<float>(p + 1);
        in[p * 2 + 1] = static_cast<float>(10 * (p + 1));
    }
    std::vector<float> out(3 * 3 * 2);
    dw.forward(in.data(), {3, 3, 2}, out.data(), nullptr, Padding::symmetric);
    CHECK(out[4 * 2] == Approx(45.0f));        // centre: sum 1..9
    CHECK(out[0] == Approx(1 + 2 + 4 + 5));    // corner: 2x2 window
    CHECK(out[4 * 2 + 1] == Approx(101.0f));   // 2·50 + 1
    CHECK(out[8 * 2 + 1] == Approx(181.0f));   // 2·90 + 1
}

TEST_CASE("DepthwiseConv: stride 2 output size on odd and even inputs", "[layer][dwconv]") {
    DepthwiseConv<3, Stride<2>, ReLU6> dw(4);
    CHECK(dw.output_shape({7, 7, 4}, Padding::tf_same) == Shape{4, 4, 4});
    CHECK(dw.output_shape({8, 8, 4}, Padding::tf_same) == Shape{4, 4, 4});
    CHECK(dw.output_shape({8, 8, 4}, Padding::symmetric) == Shape{4, 4, 4});
    CHECK_THROWS_AS(dw.output_shape({8, 8, 3}, Padding::tf_same), Error);
}

TEST_CASE("PointwiseConv: matrix product, bias, ReLU6 and residual", "[layer][pointwise]") {
    PointwiseConv<Linear> pw(2, 2);
    // W (OI) = [[1, 2], [3, 4]]: out0 = x0 + 2·x1, out1 = 3·x0 + 4·x1
    pw.set_weights(std::vector<float>{1, 2, 3, 4}, std::vector<float>{0.5f, -0.5f});
    const std::vector<float> in{1, 1, 2, -1};  // two pixels
    std::vector<float> out(4);
    pw.forward(in.data(), {1, 2, 2}, out.data(), nullptr, Padding::tf_same);
    CHECK(out == std::vector<float>{3.5f, 6.5f, 0.5f, 1.5f});
    const std::vector<float> residual{10, 20, 30, 40};
    pw.forward(in.data(), {1, 2, 2}, out.data(), nullptr, Padding::tf_same, {}, residual.data());
    CHECK(out == std::vector<float>{13.5f, 26.5f, 30.5f, 41.5f});

    PointwiseConv<ReLU6> relu(2, 2);
    relu.set_weights(std::vector<float>{1, 2, 3, 4}, std::vector<float>{0.5f, -0.5f});
    const std::vector<float> big{2, 2, -3, 0};
    relu.forward(big.data(), {1, 2, 2}, out.data(), nullptr, Padding::tf_same);
    CHECK(out == std::vector<float>{6.0f, 6.0f, 0.0f, 0.0f});
}

TEST_CASE("InvertedResidual: residual exactly when stride 1 and channels match", "[layer][bottleneck]") {
    CHECK(InvertedResidual<Stride<1>>(16, 16, 6).has_residual());
    CHECK_FALSE(InvertedResidual<Stride<1>>(16, 24, 6).has_residual());
    CHECK_FALSE(InvertedResidual<Stride<2>>(16, 16, 6).has_residual());
    CHECK_FALSE(InvertedResidual<Stride<1>>(32, 16, 1).has_expand());
    CHECK(InvertedResidual<Stride<1>>(16, 16, 6).hidden_channels() == 96);
}

TEST_CASE("InvertedResidual: expand → depthwise → linear project + skip, by hand", "[layer][bottleneck]") {
    // 1 channel in/out, t = 2, 1x1 image (only the depthwise centre tap matters).
    InvertedResidual<Stride<1>> block(1, 1, 2);
    auto slots = std::vector<WeightSlot>{};
    block.append_slots("features.2", slots);
    REQUIRE(slots.size() == 3);
    CHECK(slots[0].weight == "features.2.conv.0.0");
    CHECK(slots[1].weight == "features.2.conv.1.0");
    CHECK(slots[2].weight == "features.2.conv.2");
    CHECK(slots[2].batchnorm == "features.2.conv.3");
    slots[0].assign(std::vector<float>{1.0f, -1.0f}, std::vector<float>{0.0f, 0.0f});  // h = relu6(x), relu6(-x)
    std::vector<float> dw(2 * 9, 0.0f);
    dw[4] = 10.0f;       // channel 0 centre ×10 → clamped at 6 for x ≥ 0.6
    dw[9 + 4] = 1.0f;    // channel 1 centre ×1
    slots[1].assign(dw, std::vector<float>{0.0f, 0.0f});
    slots[2].assign(std::vector<float>{1.0f, -2.0f}, std::vector<float>{-1.0f});  // linear: no clamp
    std::vector<float> scratch(block.scratch_floats({1, 1, 1}, Padding::tf_same));
    float out = 0;
    const float x = 2.0f;  // h = (2, 0) → dw = (6, 0) → project = 6 − 0 − 1 = 5 → + skip 2 = 7
    block.forward(&x, {1, 1, 1}, &out, scratch.data(), Padding::tf_same);
    CHECK(out == Approx(7.0f));
    const float y = -3.0f;  // h = (0, 3) → dw = (0, 3) → project = −6 − 1 = −7 (negative: no ReLU) → + skip = −10
    block.forward(&y, {1, 1, 1}, &out, scratch.data(), Padding::tf_same);
    CHECK(out == Approx(-10.0f));
}

TEST_CASE("GlobalAvgPool and Classifier", "[layer][head]") {
    GlobalAvgPool pool;
    const std::vector<float> in{1, 10, 3, 20, 5, 30, 7, 40};  // 2x2x2
    std::vector<float> pooled(2);
    pool.forward(in.data(), {2, 2, 2}, pooled.data(), nullptr, Padding::tf_same);
    CHECK(pooled[0] == Approx(4.0f));
    CHECK(pooled[1] == Approx(25.0f));

    Classifier fc(2, 3);
    fc.set_weights(std::vector<float>{1, 0, 0, 1, 1, -1}, std::vector<float>{0, 1, 2});
    std::vector<float> logits(3);
    fc.forward(pooled.data(), {1, 1, 2}, logits.data(), nullptr, Padding::tf_same);
    CHECK(logits[0] == Approx(4.0f));
    CHECK(logits[1] == Approx(26.0f));
    CHECK(logits[2] == Approx(-19.0f));
    CHECK_THROWS_AS(fc.output_shape({1, 1, 3}, Padding::tf_same), Error);
}

TEST_CASE("Layers: set_weights rejects wrong sizes", "[layer]") {
    PointwiseConv<ReLU6> pw(4, 8);
    CHECK_THROWS_WITH(pw.set_weights(std::vector<float>(31), std::vector<float>(8)),
                      Catch::Contains("expected 32 weights, got 31"));
    DepthwiseConv<3, Stride<1>, ReLU6> dw(4);
    CHECK_THROWS_WITH(dw.set_weights(std::vector<float>(36), std::vector<float>(3)),
                      Catch::Contains("expected 4 biases, got 3"));
}

TEST_CASE("Layer templates expose their compile-time parameters", "[layer]") {
    STATIC_REQUIRE(DepthwiseConv<3, Stride<2>, ReLU6>::stride == 2);
    STATIC_REQUIRE(DepthwiseConv<3, Stride<2>, ReLU6>::kernel == 3);
    STATIC_REQUIRE(std::is_same_v<PointwiseConv<Linear>::activation, Linear>);
    STATIC_REQUIRE(InvertedResidual<Stride<2>>::stride == 2);
    CHECK(Conv2d<3, Stride<2>, ReLU6>::type() == "conv3x3s2");
}
