// HeadTester: global average pool over (pixels, channels) and the fully
// connected layer (k → n), each against its reference twin, with guard zones;
// the FC is also run as two panel ranges (bit-identical).
#pragma once

#include <cstring>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/pooling.hpp"
#include "support/kernel_tester.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/head.hpp"
#endif

namespace mnet::test {

class HeadTester {
public:
    HeadTester& pixels(std::size_t v) { pixels_ = v; return *this; }
    HeadTester& channels(std::size_t v) { k_ = v; return *this; }
    HeadTester& classes(std::size_t v) { n_ = v; return *this; }
    HeadTester& seed(std::uint32_t v) { seed_ = v; return *this; }

#if MNET_SIMD_ENABLED
    void test_avgpool(const kernels::simd::HeadKernels& kernel) const {
        INFO(kernel.avgpool_name << ": pixels=" << pixels_ << " channels=" << k_ << " seed=" << seed_);
        const auto in = random_floats(pixels_ * k_, seed_, 0.0f, 6.0f);
        std::vector<float> want(k_);
        kernels::reference::global_avgpool(pixels_, k_, in.data(), want.data());
        auto got = guarded_output(k_);
        kernel.avgpool(pixels_, k_, in.data(), got.data());
        const Comparison c = compare(got.data(), want.data(), k_);
        INFO("first mismatch at channel " << c.first << ": got " << c.got << ", want " << c.want << " ("
                                          << c.mismatches << " mismatches)");
        CHECK(c.mismatches == 0);
        CHECK(first_guard_hit(got, k_) == guard_floats);
    }

    void test_fc(const kernels::simd::HeadKernels& kernel) const {
        INFO(kernel.fc_name << " (nr " << kernel.fc_nr << "): k=" << k_ << " n=" << n_ << " seed=" << seed_);
        // Inputs on a 1/8 grid, weights and bias on 1/256: with k = 1280 every partial sum
        // stays within 21 bits, so it is exact (see random_floats).
        const auto in = random_floats(k_, seed_, 0.0f, 6.0f, 0.125f);
        const auto w_nk = random_floats(n_ * k_, seed_ + 1, -0.1f, 0.1f, 1.0f / 256);
        const auto bias = random_floats(n_, seed_ + 2, -1.0f, 1.0f, 1.0f / 256);
        std::vector<float> want(n_);
        kernels::reference::fully_connected(k_, n_, in.data(), w_nk.data(), bias.data(), want.data());

        AlignedBuffer packed(kernels::simd::gemm_packed_floats(k_, n_, kernel.fc_nr));
        kernels::simd::gemm_pack(k_, n_, kernel.fc_nr, w_nk.data(), bias.data(), packed.data());
        const std::size_t panels = kernels::simd::gemm_panels(n_, kernel.fc_nr);
        auto got = guarded_output(n_);
        kernel.fc(k_, n_, in.data(), packed.data(), got.data(), 0, panels);
        const Comparison c = compare(got.data(), want.data(), n_);
        INFO("first mismatch at output " << c.first << ": got " << c.got << ", want " << c.want << " ("
                                         << c.mismatches << " mismatches)");
        CHECK(c.mismatches == 0);
        CHECK(first_guard_hit(got, n_) == guard_floats);

        auto split = guarded_output(n_);
        kernel.fc(k_, n_, in.data(), packed.data(), split.data(), panels / 2, panels);
        kernel.fc(k_, n_, in.data(), packed.data(), split.data(), 0, panels / 2);
        CHECK(std::memcmp(split.data(), got.data(), got.size() * sizeof(float)) == 0);
    }
#endif

private:
    std::size_t pixels_ = 1, k_ = 1, n_ = 1;
    std::uint32_t seed_ = 1;
};

}  // namespace mnet::test
