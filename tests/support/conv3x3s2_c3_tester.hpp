// Conv3x3s2C3Tester: one stem problem (H, W, output channels, padding mode,
// clamp, residual, seed) run through a conv3x3s2_c3 registry entry and checked
// against reference::conv2d, the guard zone, and a split of the output rows.
#pragma once

#include <cstring>
#include <limits>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/conv2d.hpp"
#include "support/kernel_tester.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/conv3x3s2_c3.hpp"
#endif

namespace mnet::test {

class Conv3x3s2C3Tester {
public:
    Conv3x3s2C3Tester& size(int h, int w) { h_ = h; w_ = w; return *this; }
    Conv3x3s2C3Tester& out_channels(int v) { out_c_ = v; return *this; }
    Conv3x3s2C3Tester& padding(Padding v) { padding_ = v; return *this; }
    Conv3x3s2C3Tester& residual(bool v) { residual_ = v; return *this; }
    Conv3x3s2C3Tester& relu6(bool v) {
        lo_ = v ? 0.0f : -std::numeric_limits<float>::infinity();
        hi_ = v ? 6.0f : std::numeric_limits<float>::infinity();
        return *this;
    }
    Conv3x3s2C3Tester& seed(std::uint32_t v) { seed_ = v; return *this; }

#if MNET_SIMD_ENABLED
    void test(const kernels::simd::Conv3x3s2C3Kernel& kernel) const {
        const kernels::ConvGeometry g = kernels::ConvGeometry::make({h_, w_, 3}, out_c_, 3, 2, padding_);
        INFO(kernel.name << " (nr " << kernel.nr << "): in " << h_ << "x" << w_ << "x3 out " << g.out_h << "x"
                         << g.out_w << "x" << out_c_ << " " << to_string(padding_) << " clamp=[" << lo_ << ", " << hi_
                         << "] residual=" << residual_ << " seed=" << seed_);
        const std::size_t n = static_cast<std::size_t>(out_c_), out_n = g.out_shape().size();
        constexpr std::size_t K = kernels::simd::conv3x3s2_c3_k;
        const auto in = random_floats(g.in_shape().size(), seed_);
        const auto w_ohwi = random_floats(n * K, seed_ + 1, -0.5f, 0.5f);
        const auto bias = random_floats(n, seed_ + 2);
        const auto res = random_floats(residual_ ? out_n : 0, seed_ + 3, -3.0f, 3.0f);
        const kernels::Epilogue ep{lo_, hi_, residual_ ? res.data() : nullptr};

        std::vector<float> want(out_n);
        kernels::reference::conv2d(g, in.data(), w_ohwi.data(), bias.data(), want.data(), ep);

        AlignedBuffer packed(kernels::simd::gemm_packed_floats(K, n, kernel.nr));
        kernels::simd::gemm_pack(K, n, kernel.nr, w_ohwi.data(), bias.data(), packed.data());
        auto got = guarded_output(out_n);
        kernel.fn(g, in.data(), packed.data(), got.data(), ep, 0, g.out_h);

        const Comparison cmp = compare(got.data(), want.data(), out_n);
        INFO("first mismatch at " << nhwc_position(cmp.first, static_cast<std::size_t>(g.out_w), n) << ": got "
                                  << cmp.got << ", want " << cmp.want << " (" << cmp.mismatches << " mismatches)");
        CHECK(cmp.mismatches == 0);
        CHECK(first_guard_hit(got, out_n) == guard_floats);

        auto split = guarded_output(out_n);
        const int half = (g.out_h + 1) / 2;
        kernel.fn(g, in.data(), packed.data(), split.data(), ep, 0, half);
        kernel.fn(g, in.data(), packed.data(), split.data(), ep, half, g.out_h);
        CHECK(std::memcmp(split.data(), got.data(), got.size() * sizeof(float)) == 0);
    }
#endif

private:
    int h_ = 1, w_ = 1, out_c_ = 1;
    Padding padding_ = Padding::tf_same;
    bool residual_ = false;
    float lo_ = 0.0f, hi_ = 6.0f;
    std::uint32_t seed_ = 1;
};

}  // namespace mnet::test
