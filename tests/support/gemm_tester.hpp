// GemmTester: builds one GEMM problem (m, k, n, clamp, residual, seed), runs a
// gemm registry entry on it and checks it against reference::gemm, the guard
// zone after C, and that splitting rows and panels (as threads will) changes
// no bit of the result.
#pragma once

#include <cstring>
#include <limits>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/gemm.hpp"
#include "support/kernel_tester.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/gemm.hpp"
#endif

namespace mnet::test {

class GemmTester {
public:
    GemmTester& m(std::size_t v) { m_ = v; return *this; }
    GemmTester& k(std::size_t v) { k_ = v; return *this; }
    GemmTester& n(std::size_t v) { n_ = v; return *this; }
    GemmTester& residual(bool v) { residual_ = v; return *this; }
    GemmTester& relu6(bool v) {
        lo_ = v ? 0.0f : -std::numeric_limits<float>::infinity();
        hi_ = v ? 6.0f : std::numeric_limits<float>::infinity();
        return *this;
    }
    GemmTester& seed(std::uint32_t v) { seed_ = v; return *this; }

#if MNET_SIMD_ENABLED
    void test(const kernels::simd::GemmKernel& kernel) const {
        INFO(kernel.name << " (nr " << kernel.nr << "): m=" << m_ << " k=" << k_ << " n=" << n_ << " clamp=[" << lo_
                         << ", " << hi_ << "] residual=" << residual_ << " seed=" << seed_);
        const auto a = random_floats(m_ * k_, seed_);
        const auto w_nk = random_floats(n_ * k_, seed_ + 1);
        const auto bias = random_floats(n_, seed_ + 2);
        const auto res = random_floats(residual_ ? m_ * n_ : 0, seed_ + 3, -3.0f, 3.0f);
        const kernels::Epilogue ep{lo_, hi_, residual_ ? res.data() : nullptr};

        std::vector<float> b_kn(k_ * n_), want(m_ * n_);
        for (std::size_t o = 0; o < n_; ++o)
            for (std::size_t i = 0; i < k_; ++i) b_kn[i * n_ + o] = w_nk[o * k_ + i];
        kernels::reference::gemm(m_, k_, n_, a.data(), b_kn.data(), bias.data(), want.data(), ep);

        AlignedBuffer packed(kernels::simd::gemm_packed_floats(k_, n_, kernel.nr));
        kernels::simd::gemm_pack(k_, n_, kernel.nr, w_nk.data(), bias.data(), packed.data());
        const std::size_t panels = kernels::simd::gemm_panels(n_, kernel.nr);
        auto got = guarded_output(m_ * n_);
        kernel.fn(m_, k_, n_, a.data(), packed.data(), got.data(), ep, 0, m_, 0, panels);

        const Comparison c = compare(got.data(), want.data(), m_ * n_);
        INFO("first mismatch at row " << c.first / n_ << " col " << c.first % n_ << ": got " << c.got << ", want "
                                      << c.want << " (" << c.mismatches << " mismatches)");
        CHECK(c.mismatches == 0);
        CHECK(first_guard_hit(got, m_ * n_) == guard_floats);

        // Rows [0, m/2) and [m/2, m) of the first half of the panels, then all rows of the rest.
        auto split = guarded_output(m_ * n_);
        const std::size_t mh = m_ / 2, ph = panels / 2;
        kernel.fn(m_, k_, n_, a.data(), packed.data(), split.data(), ep, 0, mh, 0, ph);
        kernel.fn(m_, k_, n_, a.data(), packed.data(), split.data(), ep, mh, m_, 0, ph);
        kernel.fn(m_, k_, n_, a.data(), packed.data(), split.data(), ep, 0, m_, ph, panels);
        CHECK(std::memcmp(split.data(), got.data(), got.size() * sizeof(float)) == 0);
    }
#endif

private:
    std::size_t m_ = 1, k_ = 1, n_ = 1;
    bool residual_ = false;
    float lo_ = 0.0f, hi_ = 6.0f;
    std::uint32_t seed_ = 1;
};

}  // namespace mnet::test
