// DwconvTester: one depthwise 3x3 problem (H, W, channels, dilation, padding mode,
// clamp, residual, seed) run through a dwconv registry entry (which fixes the stride)
// and checked against reference::dwconv, the guard zone, a split of the output
// rows into two ranges, and band execution (input rows in a ring, output rows in a
// band buffer, as fused inverted residuals run it) — the last two bit-identical.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/reference/dwconv.hpp"
#include "support/kernel_tester.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/dwconv3x3.hpp"
#endif

namespace mnet::test {

class DwconvTester {
public:
    DwconvTester& size(int h, int w) { h_ = h; w_ = w; return *this; }
    DwconvTester& channels(int v) { c_ = v; return *this; }
    DwconvTester& dilation(int v) { dilation_ = v; return *this; }
    DwconvTester& padding(Padding v) { padding_ = v; return *this; }
    DwconvTester& residual(bool v) { residual_ = v; return *this; }
    DwconvTester& relu6(bool v) {
        lo_ = v ? 0.0f : -std::numeric_limits<float>::infinity();
        hi_ = v ? 6.0f : std::numeric_limits<float>::infinity();
        return *this;
    }
    DwconvTester& seed(std::uint32_t v) { seed_ = v; return *this; }

#if MNET_SIMD_ENABLED
    void test(const kernels::simd::DwconvKernel& kernel) const {
        const kernels::ConvGeometry g = kernels::ConvGeometry::make({h_, w_, c_}, c_, 3, kernel.stride, padding_, dilation_);
        INFO(kernel.name << ": in " << h_ << "x" << w_ << "x" << c_ << " dilation " << dilation_ << " out " << g.out_h << "x" << g.out_w << " "
                         << to_string(padding_) << " (pad top " << g.pad_top << ", left " << g.pad_left << ") clamp=["
                         << lo_ << ", " << hi_ << "] residual=" << residual_ << " seed=" << seed_);
        const std::size_t c = static_cast<std::size_t>(c_), out_n = g.out_shape().size();
        const auto in = random_floats(g.in_shape().size(), seed_, -2.0f, 2.0f);
        const auto w_c33 = random_floats(c * 9, seed_ + 1);
        const auto bias = random_floats(c, seed_ + 2);
        const auto res = random_floats(residual_ ? out_n : 0, seed_ + 3, -3.0f, 3.0f);
        const kernels::Epilogue ep{lo_, hi_, residual_ ? res.data() : nullptr};

        std::vector<float> w_hwc(c * 9), want(out_n);
        for (std::size_t ch = 0; ch < c; ++ch)
            for (std::size_t t = 0; t < 9; ++t) w_hwc[t * c + ch] = w_c33[ch * 9 + t];
        kernels::reference::dwconv(g, in.data(), w_hwc.data(), bias.data(), want.data(), ep);

        AlignedBuffer packed(kernels::simd::dwconv3x3_packed_floats(c));
        kernels::simd::dwconv3x3_pack(c, w_c33.data(), bias.data(), packed.data());
        auto got = guarded_output(out_n);
        kernel.fn(g, in.data(), packed.data(), got.data(), ep, 0, g.out_h, {});

        const Comparison cmp = compare(got.data(), want.data(), out_n);
        INFO("first mismatch at " << nhwc_position(cmp.first, static_cast<std::size_t>(g.out_w), c) << ": got "
                                  << cmp.got << ", want " << cmp.want << " (" << cmp.mismatches << " mismatches)");
        CHECK(cmp.mismatches == 0);
        CHECK(first_guard_hit(got, out_n) == guard_floats);

        auto split = guarded_output(out_n);
        const int half = g.out_h / 2;
        kernel.fn(g, in.data(), packed.data(), split.data(), ep, half, g.out_h, {});
        kernel.fn(g, in.data(), packed.data(), split.data(), ep, 0, half, {});
        CHECK(std::memcmp(split.data(), got.data(), got.size() * sizeof(float)) == 0);

        for (const int band : {1, 2, 3, g.out_h}) {
            INFO("bands of " << band << " rows");
            const auto run_band = [&](const float* ring, float* out, const kernels::Epilogue& band_ep, int y0, int y1,
                                      kernels::RowWindow rows) {
                kernel.fn(g, ring, packed.data(), out, band_ep, y0, y1, rows);
            };
            CHECK(banded(g, in, ep, band, run_band) == std::vector<float>(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(out_n)));
            const auto run_reference = [&](const float* ring, float* out, const kernels::Epilogue& band_ep, int y0,
                                           int y1, kernels::RowWindow rows) {
                kernels::reference::dwconv(g, ring, w_hwc.data(), bias.data(), out, band_ep, y0, y1, rows);
            };
            CHECK(banded(g, in, ep, band, run_reference) == want);
        }
    }
#endif

    /// Output rows computed `band` at a time, the way a fused block does: the input
    /// rows each band reads are copied into a ring of band_input_rows(g, band) rows (not in
    /// order: row iy sits at iy mod ring), the outputs land in a band buffer whose
    /// rows are then copied out. The ring's stale rows are NaN, so reading one shows.
    template <class Run>
    static std::vector<float> banded(const kernels::ConvGeometry& g, const std::vector<float>& in,
                                     const kernels::Epilogue& ep, int band, Run run) {
        const std::size_t in_row = static_cast<std::size_t>(g.in_w) * static_cast<std::size_t>(g.in_c);
        const std::size_t out_row = static_cast<std::size_t>(g.out_w) * static_cast<std::size_t>(g.out_c);
        const int ring_rows = kernels::band_input_rows(g, band);
        std::vector<float> ring(static_cast<std::size_t>(ring_rows) * in_row), band_out(static_cast<std::size_t>(band) * out_row);
        std::vector<float> all(static_cast<std::size_t>(g.out_h) * out_row);
        const kernels::RowWindow window{ring_rows, 0};
        for (int y0 = 0; y0 < g.out_h; y0 += band) {
            const int y1 = std::min(g.out_h, y0 + band);
            std::fill(ring.begin(), ring.end(), std::numeric_limits<float>::quiet_NaN());
            const int lo = std::max(0, y0 * g.stride - g.pad_top), hi = std::min(g.in_h, (y1 - 1) * g.stride - g.pad_top + 2 * g.dilation + 1);
            for (int iy = lo; iy < hi; ++iy)
                std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(iy) * in_row), in_row,
                            ring.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(window.in_row(iy)) * in_row));
            kernels::Epilogue band_ep = ep;
            if (ep.residual) band_ep.residual = ep.residual + static_cast<std::size_t>(y0) * out_row;
            run(ring.data(), band_out.data(), band_ep, y0, y1, kernels::RowWindow{ring_rows, y0});
            std::copy_n(band_out.begin(), static_cast<std::size_t>(y1 - y0) * out_row,
                        all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(y0) * out_row));
        }
        return all;
    }

private:
    int h_ = 1, w_ = 1, c_ = 1, dilation_ = 1;
    Padding padding_ = Padding::tf_same;
    bool residual_ = false;
    float lo_ = 0.0f, hi_ = 6.0f;
    std::uint32_t seed_ = 1;
};

}  // namespace mnet::test
