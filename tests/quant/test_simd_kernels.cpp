// The integer SIMD kernels (mnet::quant::simd) against the scalar reference kernels (mnet::quant::ref),
// value for value, for every variant this build compiled (AVX512-VNNI, 256-bit VNNI, AVX2 vpmaddwd,
// scalar): the vector requantization on edge accumulators and multipliers; the 1x1 GEMM on channel
// counts around the register and panel widths, K not a multiple of 4, 1 to 13 pixels, uint8 per-tensor
// (weight zero points 0…255, packed raw or as int16) and int8 per-channel; depthwise 3x3 at strides 1
// and 2 on odd and even sizes, 1x1 and 2x2 inputs, dilation, SAME and VALID padding, other kernels.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/quant/kernels/conv.hpp"
#include "mnet/quant/kernels/simd/dispatch.hpp"
#include "support/int_limits.hpp"

using namespace mnet::quant;
using ref::Nhwc;

namespace {

using mnet::test::i32_max;
using mnet::test::i32_min;

template <class T>
constexpr std::int32_t lo_of() {
    return std::numeric_limits<T>::min();
}
template <class T>
constexpr std::int32_t hi_of() {
    return std::numeric_limits<T>::max();
}

/// Random case parameters: zero points (extremes included), multipliers, clamp.
struct Params {
    ref::ConvParams p;
    std::vector<QuantizedMultiplier> multipliers;
};

template <class T>
Params random_params(std::mt19937& rng, int channels, bool per_channel, int shift_lo, int shift_hi) {
    Params r;
    auto pick = [&](std::initializer_list<std::int32_t> extremes, std::int32_t lo, std::int32_t hi) {
        const auto i = std::uniform_int_distribution<int>(0, static_cast<int>(extremes.size()))(rng);
        if (i < static_cast<int>(extremes.size())) return *(extremes.begin() + i);
        return std::uniform_int_distribution<std::int32_t>(lo, hi)(rng);
    };
    constexpr std::int32_t tlo = lo_of<T>(), thi = hi_of<T>();
    r.p.input_offset = -pick({tlo, thi, 0}, tlo, thi);
    r.p.output_offset = pick({tlo, thi, 0}, tlo, thi);
    const int n = per_channel ? channels : 1;
    for (int c = 0; c < n; ++c) {
        const std::int32_t m = pick({std::int32_t{1} << 30, i32_max, 0}, std::int32_t{1} << 30, i32_max);
        const int s = std::uniform_int_distribution<int>(shift_lo, shift_hi)(rng);
        r.multipliers.push_back({m, s});
    }
    const std::int32_t a = std::uniform_int_distribution<std::int32_t>(tlo, thi)(rng);
    const std::int32_t b = std::uniform_int_distribution<std::int32_t>(tlo, thi)(rng);
    r.p.clamp = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? ActivationRange{tlo, thi}
                                                                   : ActivationRange{std::min(a, b), std::max(a, b)};
    r.p.multipliers = r.multipliers;
    return r;
}

template <class T>
std::vector<T> random_bytes(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<int> d(lo_of<T>(), hi_of<T>());
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(d(rng));
    return v;
}

std::vector<std::int32_t> random_bias(std::mt19937& rng, int n) {
    std::uniform_int_distribution<std::int32_t> d(-100000, 100000);
    std::vector<std::int32_t> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = d(rng);
    return v;
}

template <class T>
auto gemm_fn(const simd::GemmKernel& k) {
    if constexpr (std::is_same_v<T, std::uint8_t>) return k.u8;
    else return k.s8;
}
template <class T>
auto dwconv_fn(const simd::DwconvKernel& k) {
    if constexpr (std::is_same_v<T, std::uint8_t>) return k.u8;
    else return k.s8;
}

/// One GEMM case (M pixels × K → N) on every variant; W is how the weights are handed to pack_gemm.
template <class T, class W>
void check_gemm(std::mt19937& rng, int m, int k, int n, bool per_channel, std::int32_t weight_zero_point, bool fc) {
    Params prm = random_params<T>(rng, n, per_channel, -31, 8);
    const auto x = random_bytes<T>(rng, static_cast<std::size_t>(m) * static_cast<std::size_t>(k));
    const auto raw = random_bytes<std::conditional_t<std::is_same_v<W, std::int16_t>, T, W>>(
        rng, static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
    std::vector<W> w(raw.size());
    ref::ConvParams p = prm.p;
    if constexpr (std::is_same_v<W, std::int16_t>) {
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::int16_t>(raw[i] - weight_zero_point);
        p.filter_offset = 0;
    } else {
        std::copy(raw.begin(), raw.end(), w.begin());
        p.filter_offset = -weight_zero_point;
    }
    const bool with_bias = std::uniform_int_distribution<int>(0, 3)(rng) != 0;
    const auto bias = random_bias(rng, n);
    const std::int32_t* b = with_bias ? bias.data() : nullptr;

    std::vector<T> expected(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
    if (fc) ref::fully_connected(p, m, k, n, x.data(), w.data(), b, expected.data());
    else ref::conv2d(p, Nhwc{1, 1, m, k}, x.data(), Nhwc{n, 1, 1, k}, w.data(), b, Nhwc{1, 1, m, n}, expected.data());

    const simd::PackedGemm g = simd::pack_gemm<T>(p, k, n, w.data(), b);
    for (const auto& kernel : simd::gemm_kernels) {
        CAPTURE(kernel.name, m, k, n, per_channel, weight_zero_point, p.input_offset, p.output_offset, p.clamp.min,
                p.clamp.max, g.row_factor, fc);
        std::vector<T> got(expected.size(), T{0x5A});
        // Two row ranges, as two threads would split them.
        const int split = m / 2;
        gemm_fn<T>(kernel)(g, x.data(), got.data(), 0, split);
        gemm_fn<T>(kernel)(g, x.data(), got.data(), split, m);
        CHECK(got == expected);
    }
}

/// One depthwise case on every variant; weights as the interpreter packs them (int16, zero point subtracted).
template <class T>
void check_dwconv(std::mt19937& rng, int h, int w, int c, int k, int stride, int dilation, bool same, bool per_channel,
                  int multiplier = 1) {
    const int cout = c * multiplier;
    Params prm = random_params<T>(rng, cout, per_channel, -31, 8);
    ref::ConvParams p = prm.p;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = dilation;
    p.depth_multiplier = multiplier;
    const int ek = (k - 1) * dilation + 1;
    const int oh = same ? (h + stride - 1) / stride : (h - ek) / stride + 1;
    const int ow = same ? (w + stride - 1) / stride : (w - ek) / stride + 1;
    if (oh <= 0 || ow <= 0) return;
    p.pad_top = same ? std::max((oh - 1) * stride + ek - h, 0) / 2 : 0;
    p.pad_left = same ? std::max((ow - 1) * stride + ek - w, 0) / 2 : 0;
    const std::int32_t zw = std::is_signed_v<T> ? 0 : std::uniform_int_distribution<int>(0, 255)(rng);
    const Nhwc in{1, h, w, c}, filt{1, k, k, cout}, out{1, oh, ow, cout};
    const auto x = random_bytes<T>(rng, in.size());
    const auto raw = random_bytes<T>(rng, filt.size());
    std::vector<std::int16_t> wt(raw.size());
    for (std::size_t i = 0; i < wt.size(); ++i) wt[i] = static_cast<std::int16_t>(raw[i] - zw);
    const auto bias = random_bias(rng, cout);
    std::vector<T> expected(out.size());
    ref::depthwise_conv2d(p, in, x.data(), filt, wt.data(), bias.data(), out, expected.data());
    for (const auto& kernel : simd::dwconv_kernels) {
        CAPTURE(kernel.name, h, w, c, k, stride, dilation, same, per_channel, multiplier, p.input_offset,
                p.output_offset, zw);
        std::vector<T> got(expected.size(), T{0x5A});
        const int split = oh / 2;
        dwconv_fn<T>(kernel)(p, in, x.data(), filt, wt.data(), bias.data(), out, got.data(), 0, split);
        dwconv_fn<T>(kernel)(p, in, x.data(), filt, wt.data(), bias.data(), out, got.data(), split, oh);
        CHECK(got == expected);
    }
}

}  // namespace

TEST_CASE("simd kernels: the registries list this build's variants, the scalar one last", "[quant][simd]") {
    std::string names;
    for (const auto& k : simd::gemm_kernels) names += std::string(k.name) + " ";
    for (const auto& k : simd::dwconv_kernels) names += std::string(k.name) + " ";
    INFO("gemm and depthwise variants: " << names);
    CHECK(std::string(simd::gemm_kernels.back().name) == "scalar");
    CHECK(std::string(simd::dwconv_kernels.back().name) == "scalar");
#if MNET_QSIMD_AVX512VNNI
    CHECK(std::string(simd::gemm_kernels.front().name) == "avx512-vnni");
#endif
#if MNET_QSIMD_AVX2
    CHECK(simd::gemm_kernels.size() >= 2);
#endif
}

TEST_CASE("simd requantize: every variant equals the scalar epilogue on edge accumulators and multipliers",
          "[quant][simd]") {
    std::mt19937 rng(7);
    const std::vector<std::int32_t> accs{0, 1, -1, 2, -2, i32_min, i32_max, i32_min + 1, 1 << 30, -(1 << 30),
                                         (1 << 30) + 1, 12345, -12345};
    const std::vector<std::int32_t> mults{0, 1, i32_min, i32_max, 1 << 30, (1 << 30) + 1, 1518500250};
    ref::ConvParams p;
    std::vector<QuantizedMultiplier> ms;
    std::vector<std::int32_t> acc_values;
    for (int i = 0; i < 64 * 7; ++i) {
        const std::int32_t m = i < 64 ? mults[static_cast<std::size_t>(i) % mults.size()]
                                      : std::uniform_int_distribution<std::int32_t>(i32_min, i32_max)(rng);
        const int s = i < 64 ? (i % 2 ? -31 : 30) : std::uniform_int_distribution<int>(-31, 30)(rng);
        ms.push_back({m, s});
        acc_values.push_back(i < 64 ? accs[static_cast<std::size_t>(i) % accs.size()]
                                    : std::uniform_int_distribution<std::int32_t>(i32_min, i32_max)(rng));
    }
    // x · 2^1 = INT32_MIN with multiplier INT32_MIN: the saturating product.
    ms[0] = {i32_min, 1};
    acc_values[0] = -(1 << 30);
    p.multipliers = ms;
    p.output_offset = 3;
    p.clamp = {-200, 200};
    const int n = static_cast<int>(ms.size());
    const simd::RequantTable t = simd::make_requant_table(p, n, n);
    std::vector<std::int32_t> expected(ms.size());
    for (int c = 0; c < n; ++c) {
        const std::int32_t s = multiply_by_quantized_multiplier(acc_values[static_cast<std::size_t>(c)], ms[static_cast<std::size_t>(c)]);
        expected[static_cast<std::size_t>(c)] = std::clamp(static_cast<std::int32_t>(static_cast<std::uint32_t>(s) + 3u), -200, 200);
        REQUIRE(t.apply<std::int16_t>(static_cast<std::uint32_t>(acc_values[static_cast<std::size_t>(c)]), c) ==
                expected[static_cast<std::size_t>(c)]);
    }
    CHECK(multiply_by_quantized_multiplier(acc_values[0], ms[0]) == i32_max);  // the saturating case is exercised
    // Every vector epilogue (requantize8, requantize16) on every lane against the scalar epilogue of the
    // multipliers in `ms`, clamped to [lo, hi].
    const auto check = [&](const simd::RequantTable& table, std::int32_t lo, std::int32_t hi) {
        const auto want = [&](int c) {
            const auto i = static_cast<std::size_t>(c);
            const std::int32_t s = multiply_by_quantized_multiplier(acc_values[i], ms[i]);
            return std::clamp(static_cast<std::int32_t>(static_cast<std::uint32_t>(s) + 3u), lo, hi);
        };
#if MNET_QSIMD_AVX2
        for (int c = 0; c < n; c += 8) {
            alignas(32) std::int32_t got[8];
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc_values.data() + c));
            _mm256_store_si256(reinterpret_cast<__m256i*>(got), simd::detail::requantize8(a, table.view(), static_cast<std::size_t>(c)));
            for (int j = 0; j < 8; ++j) CHECK(got[j] == want(c + j));
        }
#endif
#if MNET_QSIMD_AVX512BW
        for (int c = 0; c < n; c += 16) {
            alignas(64) std::int32_t got[16];
            const __m512i a = _mm512_loadu_si512(acc_values.data() + c);
            _mm512_store_si512(got, simd::detail::requantize16(a, table.view(), static_cast<std::size_t>(c)));
            for (int j = 0; j < 16; ++j) CHECK(got[j] == want(c + j));
        }
#endif
        (void)table;
        (void)want;
    };
    check(t, -200, 200);
    // Without a saturating multiplier the AVX-512 epilogue takes the merged rounding: same values.
    for (auto& m : ms)
        if (m.multiplier == i32_min) m.multiplier = i32_max;
    p.multipliers = ms;
    const simd::RequantTable t2 = simd::make_requant_table(p, n, n);
    REQUIRE_FALSE(t2.saturation);
    REQUIRE_FALSE(t2.floor_at_zero);  // the clamp lets values below the output offset through
    REQUIRE_FALSE(t2.dword_shift);    // some channels shift left
    check(t2, -200, 200);
    // Right shifts only (multipliers of both signs): AVX2 merges the roundings too, on the high dwords.
    for (auto& m : ms) m.shift = -1 - std::abs(m.shift) % 31;
    p.multipliers = ms;
    const simd::RequantTable t_right = simd::make_requant_table(p, n, n);
    REQUIRE(t_right.dword_shift);
    REQUIRE_FALSE(t_right.floor_at_zero);
    check(t_right, -200, 200);
    // A clamp from the output offset up (ReLU), non-negative multipliers and right shifts only: the epilogue
    // takes max(x, 0) and the dword shift, and must still give every value of the scalar one.
    for (auto& m : ms) m.multiplier = std::abs(m.multiplier);
    // Zero multipliers give the output offset whatever the shift: no right shift, and a left one.
    REQUIRE(ms[7].multiplier == 0);
    REQUIRE(ms[14].multiplier == 0);
    ms[7].shift = 0;
    ms[14].shift = 5;
    p.multipliers = ms;
    p.clamp = {3, 200};
    const simd::RequantTable t3 = simd::make_requant_table(p, n, n);
    REQUIRE(t3.floor_at_zero);
    REQUIRE(t3.dword_shift);
    check(t3, 3, 200);
}

TEST_CASE("simd gemm: uint8 per-tensor 1x1 conv equals ref::conv2d on odd shapes", "[quant][simd]") {
    std::mt19937 rng(1601);
    for (const int zw : {0, 1, 127, 128, 200, 255})
        for (const auto& [m, k, n] : std::vector<std::array<int, 3>>{
                 {1, 1, 1}, {1, 3, 7}, {4, 5, 17}, {2, 8, 16}, {7, 16, 24}, {13, 17, 64}, {6, 32, 65}, {12, 24, 96},
                 {9, 144, 24}, {5, 61, 130}, {8, 4, 200}, {3, 67, 33},
                 // row sums: K tails around the 8-, 32- and 64-byte loads
                 {5, 27, 32}, {3, 100, 24}, {4, 64, 144}, {2, 65, 32}, {3, 40, 48}, {2, 129, 16},
                 // more rows than a row block (48) and than the 8 rows summed at once, split at odd rows
                 {103, 16, 96}, {61, 27, 16}, {50, 130, 48},
                 // whole 8-row blocks of K = 16, 24 and 32 summed as contiguous bytes, and a partial block after them
                 {19, 32, 40}, {17, 16, 24}, {21, 24, 144}}) {
            check_gemm<std::uint8_t, std::uint8_t>(rng, m, k, n, false, zw, false);
            check_gemm<std::uint8_t, std::int16_t>(rng, m, k, n, false, zw, false);
        }
}

TEST_CASE("simd gemm: int8 per-channel 1x1 conv and fully connected equal the reference", "[quant][simd]") {
    std::mt19937 rng(1602);
    for (const auto& [m, k, n] : std::vector<std::array<int, 3>>{
             {1, 1, 1}, {1, 3, 7}, {4, 5, 17}, {2, 8, 16}, {7, 16, 24}, {13, 17, 64}, {6, 32, 65}, {12, 24, 96},
             {9, 144, 24}, {5, 61, 130}, {8, 4, 200}, {3, 67, 33}, {1, 1280, 1001},
             {5, 27, 32}, {3, 100, 24}, {4, 64, 144}, {2, 65, 32}, {3, 40, 48}, {2, 129, 16},
             {103, 16, 96}, {61, 27, 16}, {50, 130, 48}, {19, 32, 40}, {17, 16, 24}, {21, 24, 144}}) {
        check_gemm<std::int8_t, std::int8_t>(rng, m, k, n, true, 0, false);
        check_gemm<std::int8_t, std::int16_t>(rng, m, k, n, true, 0, true);
        check_gemm<std::int8_t, std::int8_t>(rng, m, k, n, false, 0, true);
    }
    // uint8 fully connected (per tensor), e.g. the classifier of a quantization-aware V1.
    check_gemm<std::uint8_t, std::uint8_t>(rng, 1, 1024, 1001, false, 117, true);
    check_gemm<std::uint8_t, std::uint8_t>(rng, 2, 19, 37, false, 255, true);
}

TEST_CASE("simd gemm: weights spanning more than 256 values take the wide path, still exact", "[quant][simd]") {
    std::mt19937 rng(1603);
    ref::ConvParams p;
    const std::vector<QuantizedMultiplier> ms{{1 << 30, -12}};
    p.multipliers = ms;
    p.input_offset = -3;
    p.clamp = {0, 255};
    const int m = 5, k = 9, n = 19;
    std::vector<std::int16_t> w(static_cast<std::size_t>(n * k));
    std::uniform_int_distribution<int> d(-1000, 1000);
    for (auto& v : w) v = static_cast<std::int16_t>(d(rng));
    const auto x = random_bytes<std::uint8_t>(rng, static_cast<std::size_t>(m * k));
    std::vector<std::uint8_t> expected(static_cast<std::size_t>(m * n));
    ref::fully_connected(p, m, k, n, x.data(), w.data(), nullptr, expected.data());
    const auto g = simd::pack_gemm<std::uint8_t>(p, k, n, w.data(), nullptr);
    CHECK_FALSE(g.fits_bytes);
    for (const auto& kernel : simd::gemm_kernels) {
        CAPTURE(kernel.name);
        std::vector<std::uint8_t> got(expected.size());
        kernel.u8(g, x.data(), got.data(), 0, m);
        CHECK(got == expected);
    }
}

TEST_CASE("simd depthwise: 3x3 stride 1 and 2, SAME and VALID, dilation, equals ref::depthwise_conv2d",
          "[quant][simd]") {
    std::mt19937 rng(1604);
    for (const int c : {1, 7, 8, 16, 17, 33, 64, 65, 80, 144})
        for (const auto& [h, w] : std::vector<std::array<int, 2>>{{1, 1}, {2, 2}, {5, 7}, {6, 8}, {7, 7}, {8, 3}})
            for (const int stride : {1, 2}) {
                check_dwconv<std::uint8_t>(rng, h, w, c, 3, stride, 1, true, false);
                check_dwconv<std::int8_t>(rng, h, w, c, 3, stride, 1, true, true);
            }
    for (const int dilation : {2, 4}) {
        check_dwconv<std::uint8_t>(rng, 9, 11, 21, 3, 1, dilation, true, false);
        check_dwconv<std::int8_t>(rng, 9, 11, 21, 3, 1, dilation, true, true);
        check_dwconv<std::int8_t>(rng, 12, 10, 35, 3, 2, dilation, true, true);
    }
    for (const int stride : {1, 2}) {
        check_dwconv<std::uint8_t>(rng, 9, 8, 19, 3, stride, 1, false, false);
        check_dwconv<std::int8_t>(rng, 10, 7, 19, 3, stride, 1, false, true);
    }
}

TEST_CASE("simd depthwise: weights and offsets beyond int16 still equal the reference", "[quant][simd]") {
    std::mt19937 rng(1606);
    const std::vector<QuantizedMultiplier> ms{{1 << 30, -20}};
    for (const auto& [filter_offset, input_offset] : std::vector<std::array<std::int32_t, 2>>{{5000, -3}, {0, -40000}, {-9000, 32512}}) {
        ref::ConvParams p;
        p.multipliers = ms;
        p.filter_offset = filter_offset;
        p.input_offset = input_offset;
        p.pad_top = p.pad_left = 1;
        p.clamp = {0, 255};
        const Nhwc in{1, 5, 6, 70}, filt{1, 3, 3, 70}, out{1, 5, 6, 70};
        const auto x = random_bytes<std::uint8_t>(rng, in.size());
        std::vector<std::int16_t> w(filt.size());
        std::uniform_int_distribution<int> d(-32768, 32767);
        for (auto& v : w) v = static_cast<std::int16_t>(d(rng));
        w[5] = 30000;  // + 5000 leaves int16 in the first chunk
        std::vector<std::uint8_t> expected(out.size());
        ref::depthwise_conv2d(p, in, x.data(), filt, w.data(), nullptr, out, expected.data());
        for (const auto& kernel : simd::dwconv_kernels) {
            CAPTURE(kernel.name, filter_offset, input_offset);
            std::vector<std::uint8_t> got(expected.size());
            kernel.u8(p, in, x.data(), filt, w.data(), nullptr, out, got.data(), 0, out.h);
            CHECK(got == expected);
        }
    }
}

TEST_CASE("simd depthwise: other kernel sizes and depth multipliers fall back or vectorize, exactly", "[quant][simd]") {
    std::mt19937 rng(1605);
    check_dwconv<std::uint8_t>(rng, 7, 6, 18, 5, 1, 1, true, false);
    check_dwconv<std::int8_t>(rng, 9, 9, 23, 5, 2, 1, true, true);
    check_dwconv<std::int8_t>(rng, 6, 6, 10, 2, 2, 1, true, true);
    check_dwconv<std::uint8_t>(rng, 8, 8, 5, 7, 1, 1, true, false);  // 49 taps: scalar path
    check_dwconv<std::int8_t>(rng, 6, 5, 9, 3, 1, 1, true, true, 2);  // depth multiplier 2: scalar path
}

#if MNET_QSIMD_AVX512VNNI
/// The VNNI depthwise with its constants packed at load (pack_depthwise), over two row bands as two threads
/// run it; `takes`: whether the packed kernel accepts the op (else the unpacked path runs).
template <class T>
std::vector<T> packed_vnni_depthwise(const ref::ConvParams& p, Nhwc in, const std::vector<T>& x, Nhwc filt,
                                     const std::vector<std::int16_t>& wt, const std::vector<std::int32_t>& bias, Nhwc out,
                                     bool& takes) {
    const auto packed = simd::pack_depthwise<T>(p, filt, wt.data(), bias.data());
    takes = !packed.vnni.empty();
    std::vector<T> got(out.size(), T{0x5A});
    simd::depthwise_conv2d<simd::avx512_vnni_isa>(packed, p, in, x.data(), filt, wt.data(), bias.data(), out, got.data(), 0, out.h / 2);
    simd::depthwise_conv2d<simd::avx512_vnni_isa>(packed, p, in, x.data(), filt, wt.data(), bias.data(), out, got.data(), out.h / 2,
                                                  out.h);
    return got;
}

TEST_CASE("simd depthwise: the VNNI column kernel takes uint8 (d = 0 and d != 0) and int8, exactly", "[quant][simd]") {
    std::mt19937 rng(1607);
    // Weight ranges: inside a signed byte (d = 0), shifted up (d > 0), shifted down (d < 0), and one that
    // needs d = 128 (W' from 0 to 255), which the kernel must refuse.
    for (const auto& [wlo, whi, accepted] : std::vector<std::array<int, 3>>{{-128, 127, 1}, {-50, 200, 1}, {-250, 0, 1}, {0, 255, 0}})
        for (const int c : {5, 16, 32, 33, 64, 70})
            for (const auto& [h, w, stride] : std::vector<std::array<int, 3>>{{1, 1, 1}, {2, 2, 2}, {7, 9, 1}, {7, 9, 2}, {8, 6, 2}, {3, 70, 1}}) {
                Params prm = random_params<std::uint8_t>(rng, c, false, -20, 2);
                ref::ConvParams p = prm.p;
                p.stride_h = p.stride_w = stride;
                const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
                p.pad_top = std::max((oh - 1) * stride + 3 - h, 0) / 2;
                p.pad_left = std::max((ow - 1) * stride + 3 - w, 0) / 2;
                const Nhwc in{1, h, w, c}, filt{1, 3, 3, c}, out{1, oh, ow, c};
                const auto x = random_bytes<std::uint8_t>(rng, in.size());
                std::vector<std::int16_t> wt(filt.size());
                std::uniform_int_distribution<int> d(wlo, whi);
                for (auto& v : wt) v = static_cast<std::int16_t>(d(rng));
                wt[0] = static_cast<std::int16_t>(wlo);  // both ends present in channel 0
                wt[static_cast<std::size_t>(c)] = static_cast<std::int16_t>(whi);
                const auto bias = random_bias(rng, c);
                std::vector<std::uint8_t> expected(out.size()), got(out.size(), 0x5A);
                ref::depthwise_conv2d(p, in, x.data(), filt, wt.data(), bias.data(), out, expected.data());
                CAPTURE(wlo, whi, c, h, w, stride, p.input_offset);
                const bool ran = simd::detail::dwconv_vnni(p, in, x.data(), wt.data(), bias.data(), out, got.data(), 0, oh);
                CHECK(ran == (accepted != 0));
                if (ran) CHECK(got == expected);
                bool takes = false;
                CHECK(packed_vnni_depthwise(p, in, x, filt, wt, bias, out, takes) == expected);
                CHECK(takes == (accepted != 0));
            }
    // int8: x ^ 0x80 as the unsigned operand.
    for (const int c : {3, 64, 65})
        for (const int stride : {1, 2}) {
            Params prm = random_params<std::int8_t>(rng, c, true, -20, 2);
            ref::ConvParams p = prm.p;
            p.stride_h = p.stride_w = stride;
            p.pad_top = p.pad_left = 1;
            const int oh = (9 + 2 - 3) / stride + 1;
            const Nhwc in{1, 9, 9, c}, filt{1, 3, 3, c}, out{1, oh, oh, c};
            const auto x = random_bytes<std::int8_t>(rng, in.size());
            const auto raw = random_bytes<std::int8_t>(rng, filt.size());
            const std::vector<std::int16_t> wt(raw.begin(), raw.end());
            const auto bias = random_bias(rng, c);
            std::vector<std::int8_t> expected(out.size()), got(out.size(), 0x5A);
            ref::depthwise_conv2d(p, in, x.data(), filt, wt.data(), bias.data(), out, expected.data());
            CAPTURE(c, stride, p.input_offset);
            REQUIRE(simd::detail::dwconv_vnni(p, in, x.data(), wt.data(), bias.data(), out, got.data(), 0, oh));
            CHECK(got == expected);
            bool takes = false;
            CHECK(packed_vnni_depthwise(p, in, x, filt, wt, bias, out, takes) == expected);
            CHECK(takes);
        }
}
#endif
