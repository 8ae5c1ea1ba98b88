// Independent oracle (issue 15): the scalar reference kernels against Eigen. The
// convolutions are rebuilt from Eigen Tensor operations — zero padding (.pad, with
// amounts computed here from TensorFlow's and torchvision's definitions, not from
// axis_padding), one strided slice per tap (.slice().stride()), a per-channel product and
// sum for depthwise, patches concatenated and contracted with the weights (.contract)
// for dense convolution — and the GEMM is an Eigen matrix product. Inputs and weights
// are multiples of 1/64 in [−1, 1), so every product and partial sum is exact in float
// and any summation order (Eigen's or ours) gives the same bits: a mismatch is an index,
// padding or epilogue bug, never rounding.
#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

// GCC 12 flags the _mm512_undefined_ps() inside Eigen's AVX-512 transposes (GCC bug
// 105593, as in simd/arch.hpp); the warning is emitted after inlining, so it is silenced
// for this TU rather than around the include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>
#include <unsupported/Eigen/CXX11/Tensor>

#include "mnet/kernels/reference/conv2d.hpp"
#include "mnet/kernels/reference/dwconv.hpp"
#include "mnet/kernels/reference/gemm.hpp"
#include "support/kernel_tester.hpp"

namespace {

using mnet::Padding;
using mnet::test::random_floats;
using Tensor3 = Eigen::Tensor<float, 3, Eigen::RowMajor>;  // [h][w][c], NHWC without N
using Index3 = Eigen::array<Eigen::Index, 3>;

/// One axis as the frameworks define it, written out independently of core/shape.hpp.
struct OracleAxis {
    int out, before, after;
};
OracleAxis oracle_axis(int in, int k, int s, int d, Padding mode) {
    const int span = d * (k - 1) + 1;
    if (mode == Padding::tf_same) {  // TensorFlow: out = ceil(in / s), the odd padding row after
        const int out = (in + s - 1) / s;
        const int total = std::max(0, (out - 1) * s + span - in);
        return {out, total / 2, total - total / 2};
    }
    const int pad = d * (k - 1) / 2;  // torchvision: padding = dilation · (k − 1) / 2 on both sides
    return {(in + 2 * pad - span) / s + 1, pad, pad};
}

struct Problem {
    int h, w, in_c, out_c, k, s, d;
    Padding mode;
};

std::ostream& operator<<(std::ostream& os, const Problem& p) {
    return os << p.h << "x" << p.w << "x" << p.in_c << " -> " << p.out_c << " k" << p.k << " s" << p.s << " d" << p.d
              << " " << mnet::to_string(p.mode);
}

/// The input zero-padded and, for each tap (ky, kx), the (out_h, out_w, c) slice it reads.
struct Taps {
    OracleAxis ay, ax;
    Tensor3 padded;
    Tensor3 tap(const Problem& p, int ky, int kx) const {
        const Index3 start{ky * p.d, kx * p.d, 0};
        const Index3 extent{(ay.out - 1) * p.s + 1, (ax.out - 1) * p.s + 1, padded.dimension(2)};
        const Index3 strides{p.s, p.s, 1};
        return padded.slice(start, extent).stride(strides);
    }
};

Taps make_taps(const Problem& p, const std::vector<float>& in) {
    Taps t{oracle_axis(p.h, p.k, p.s, p.d, p.mode), oracle_axis(p.w, p.k, p.s, p.d, p.mode), {}};
    const Eigen::TensorMap<const Tensor3> x(in.data(), p.h, p.w, p.in_c);
    // Extra rows/columns after, so every tap's slice fits even where a framework's own
    // padding stops short (the slice never reaches them when it does not).
    Eigen::array<std::pair<Eigen::Index, Eigen::Index>, 3> pads{};
    pads[0] = {t.ay.before, t.ay.after + p.d * p.k};
    pads[1] = {t.ax.before, t.ax.after + p.d * p.k};
    pads[2] = {0, 0};
    t.padded = x.pad(pads);
    return t;
}

Tensor3 clamped(const Tensor3& acc, float lo, float hi) { return acc.cwiseMax(lo).cwiseMin(hi); }

void check_same(const mnet::kernels::ConvGeometry& g, const Taps& t, const Tensor3& want, const std::vector<float>& got) {
    REQUIRE(g.out_h == t.ay.out);
    REQUIRE(g.out_w == t.ax.out);
    REQUIRE(g.pad_top == t.ay.before);
    REQUIRE(g.pad_left == t.ax.before);
    REQUIRE(static_cast<std::size_t>(want.size()) == got.size());
    const mnet::test::Comparison cmp = mnet::test::compare(got.data(), want.data(), got.size());
    INFO("first mismatch at " << mnet::test::nhwc_position(cmp.first, static_cast<std::size_t>(g.out_w),
                                                            static_cast<std::size_t>(g.out_c))
                              << ": reference " << cmp.got << ", Eigen " << cmp.want);
    CHECK(cmp.mismatches == 0);
}

void check_dwconv(const Problem& p, float lo, float hi, bool residual) {
    INFO(p << " clamp [" << lo << ", " << hi << "] residual " << residual);
    const auto g = mnet::kernels::ConvGeometry::make({p.h, p.w, p.in_c}, p.in_c, p.k, p.s, p.mode, p.d);
    const std::size_t c = static_cast<std::size_t>(p.in_c);
    const auto in = random_floats(g.in_shape().size(), 17);
    const auto w_hwc = random_floats(static_cast<std::size_t>(p.k * p.k) * c, 18);
    const auto bias = random_floats(c, 19);
    const auto res = random_floats(residual ? g.out_shape().size() : 0, 20);

    const Taps t = make_taps(p, in);
    const Index3 per_pixel{t.ay.out, t.ax.out, 1};
    const Eigen::TensorMap<const Tensor3> b(bias.data(), 1, 1, p.in_c);
    Tensor3 acc = b.broadcast(per_pixel);
    for (int ky = 0; ky < p.k; ++ky)
        for (int kx = 0; kx < p.k; ++kx) {
            const Eigen::TensorMap<const Tensor3> wt(w_hwc.data() + static_cast<std::size_t>(ky * p.k + kx) * c, 1, 1, p.in_c);
            acc = acc + t.tap(p, ky, kx) * wt.broadcast(per_pixel);
        }
    Tensor3 want = clamped(acc, lo, hi);
    if (residual) want = want + Eigen::TensorMap<const Tensor3>(res.data(), t.ay.out, t.ax.out, p.in_c);

    std::vector<float> got(g.out_shape().size());
    mnet::kernels::reference::dwconv(g, in.data(), w_hwc.data(), bias.data(), got.data(),
                                     {lo, hi, residual ? res.data() : nullptr});
    check_same(g, t, want, got);
}

void check_conv2d(const Problem& p, float lo, float hi, bool residual) {
    INFO(p << " clamp [" << lo << ", " << hi << "] residual " << residual);
    const auto g = mnet::kernels::ConvGeometry::make({p.h, p.w, p.in_c}, p.out_c, p.k, p.s, p.mode, p.d);
    const int taps = p.k * p.k, patch = taps * p.in_c;
    const auto in = random_floats(g.in_shape().size(), 27);
    const auto w_ohwi = random_floats(static_cast<std::size_t>(p.out_c * patch), 28);
    const auto bias = random_floats(static_cast<std::size_t>(p.out_c), 29);
    const auto res = random_floats(residual ? g.out_shape().size() : 0, 30);

    // im2col: the taps' slices side by side along channels, (out_h, out_w, k·k·in_c), in
    // the order (ky, kx, ic) of an OHWI filter row, contracted with the filter bank.
    const Taps t = make_taps(p, in);
    Tensor3 patches = t.tap(p, 0, 0);
    for (int i = 1; i < taps; ++i) {
        const Tensor3 joined = patches.concatenate(t.tap(p, i / p.k, i % p.k), 2);
        patches = joined;
    }
    const Eigen::TensorMap<const Eigen::Tensor<float, 2, Eigen::RowMajor>> w(w_ohwi.data(), p.out_c, patch);
    const Eigen::array<Eigen::IndexPair<int>, 1> over_patch{Eigen::IndexPair<int>(2, 1)};
    const Eigen::TensorMap<const Tensor3> b(bias.data(), 1, 1, p.out_c);
    const Tensor3 acc = patches.contract(w, over_patch) + b.broadcast(Index3{t.ay.out, t.ax.out, 1});
    Tensor3 want = clamped(acc, lo, hi);
    if (residual) want = want + Eigen::TensorMap<const Tensor3>(res.data(), t.ay.out, t.ax.out, p.out_c);

    std::vector<float> got(g.out_shape().size());
    mnet::kernels::reference::conv2d(g, in.data(), w_ohwi.data(), bias.data(), got.data(),
                                     {lo, hi, residual ? res.data() : nullptr});
    check_same(g, t, want, got);
}

constexpr float inf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_CASE("Eigen oracle: reference::dwconv, strides 1 and 2, dilations 1 and 2, both paddings",
          "[oracle][kernel][dwconv]") {
    struct Size {
        int h, w;
    };
    const Size size = GENERATE(Size{1, 1}, Size{2, 2}, Size{3, 2}, Size{7, 7}, Size{8, 6}, Size{11, 13}, Size{33, 33});
    const int channels = GENERATE(1, 5, 17);
    const int s = GENERATE(1, 2);
    const int d = GENERATE(1, 2);
    const auto mode = GENERATE(Padding::tf_same, Padding::symmetric);
    check_dwconv({size.h, size.w, channels, channels, 3, s, d, mode}, 0.0f, 6.0f, false);
    check_dwconv({size.h, size.w, channels, channels, 3, s, d, mode}, -inf, inf, true);
}

TEST_CASE("Eigen oracle: reference::dwconv with other kernel sizes and dilation 4", "[oracle][kernel][dwconv]") {
    const int k = GENERATE(1, 5);
    const int s = GENERATE(1, 2);
    const int d = GENERATE(1, 4);
    const auto mode = GENERATE(Padding::tf_same, Padding::symmetric);
    check_dwconv({9, 10, 6, 6, k, s, d, mode}, -1.0f, 1.0f, false);
    check_dwconv({3, 4, 3, 3, 3, s, 4, mode}, -inf, inf, false);
}

TEST_CASE("Eigen oracle: reference::conv2d, any kernel, stride and dilation", "[oracle][kernel][conv]") {
    struct Shape {
        int h, w, in_c, out_c;
    };
    const Shape shape = GENERATE(Shape{1, 1, 3, 4}, Shape{2, 2, 3, 5}, Shape{7, 5, 3, 8}, Shape{8, 9, 2, 3},
                                 Shape{6, 6, 5, 7});
    const int k = GENERATE(1, 3, 5);
    const int s = GENERATE(1, 2);
    const int d = GENERATE(1, 2);
    const auto mode = GENERATE(Padding::tf_same, Padding::symmetric);
    const bool residual = GENERATE(false, true);
    check_conv2d({shape.h, shape.w, shape.in_c, shape.out_c, k, s, d, mode}, residual ? -inf : 0.0f,
                 residual ? inf : 6.0f, residual);
}

TEST_CASE("Eigen oracle: reference::gemm against an Eigen matrix product", "[oracle][kernel][gemm]") {
    struct Dims {
        std::size_t m, k, n;
    };
    const Dims dims = GENERATE(Dims{1, 1, 1}, Dims{1, 7, 3}, Dims{5, 3, 17}, Dims{13, 24, 7}, Dims{37, 65, 33},
                               Dims{64, 96, 144});
    const bool residual = GENERATE(false, true);
    CAPTURE(dims.m, dims.k, dims.n, residual);
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const auto a = random_floats(dims.m * dims.k, 37), b = random_floats(dims.k * dims.n, 38);
    const auto bias = random_floats(dims.n, 39), res = random_floats(dims.m * dims.n, 40);
    const Eigen::Map<const RowMajor> ma(a.data(), static_cast<Eigen::Index>(dims.m), static_cast<Eigen::Index>(dims.k));
    const Eigen::Map<const RowMajor> mb(b.data(), static_cast<Eigen::Index>(dims.k), static_cast<Eigen::Index>(dims.n));
    const Eigen::Map<const Eigen::RowVectorXf> mbias(bias.data(), static_cast<Eigen::Index>(dims.n));
    const float lo = residual ? -inf : 0.0f, hi = residual ? inf : 6.0f;
    RowMajor want = ((ma * mb).rowwise() + mbias).cwiseMax(lo).cwiseMin(hi);
    if (residual)
        want += Eigen::Map<const RowMajor>(res.data(), static_cast<Eigen::Index>(dims.m), static_cast<Eigen::Index>(dims.n));

    std::vector<float> got(dims.m * dims.n);
    mnet::kernels::reference::gemm(dims.m, dims.k, dims.n, a.data(), b.data(), bias.data(), got.data(),
                                   {lo, hi, residual ? res.data() : nullptr});
    const mnet::test::Comparison cmp = mnet::test::compare(got.data(), want.data(), got.size());
    INFO("first mismatch at m=" << cmp.first / dims.n << " n=" << cmp.first % dims.n << ": reference " << cmp.got
                                << ", Eigen " << cmp.want);
    CHECK(cmp.mismatches == 0);
}
