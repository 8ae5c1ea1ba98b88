// mnet-bench-kernels: one Google Benchmark per registry entry of the default
// arch, on MobileNet shapes, with a GFLOP/s counter. The context line names the
// CPU-visible ISA the kernels were built for. The integer 1x1 kernels (mnet::quant::simd)
// run on V2 shapes beside the float GEMM of the same shape, with GOPS and the share of
// the measured fp32 FMA and int8 vpdpbusd peaks (fma_peak.hpp, int_peak.hpp).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/kernels/simd/config.hpp"

#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/backend.hpp"
#include "mnet/kernels/simd/conv3x3s2_c3.hpp"
#include "mnet/kernels/simd/dwconv3x3.hpp"
#include "mnet/kernels/simd/gemm.hpp"
#include "mnet/kernels/simd/head.hpp"
#include "mnet/quant/kernels/simd/dispatch.hpp"

#include "fma_peak.hpp"
#include "int_peak.hpp"

namespace {

namespace simd = mnet::kernels::simd;
using Arch = simd::default_arch;

std::vector<float> filled(std::size_t n, float v) { return std::vector<float>(n, v); }

// Peaks measured once at registration, in the same run as the kernels (GFLOP/s, GOPS).
double fp32_peak = 0, int8_peak = 0;

/// A counter whose rate is `ops` per iteration as a percentage of `peak` (G/s).
benchmark::Counter percent_of(double ops, double peak) {
    return benchmark::Counter(peak > 0 ? ops / (peak * 1e9) * 100.0 : 0.0, benchmark::Counter::kIsIterationInvariantRate);
}

void bench_gemm(benchmark::State& state, simd::GemmKernel kernel) {
    const auto m = static_cast<std::size_t>(state.range(0)), k = static_cast<std::size_t>(state.range(1)),
               n = static_cast<std::size_t>(state.range(2));
    const auto a = filled(m * k, 0.5f), w = filled(n * k, 0.01f), bias = filled(n, 0.1f);
    mnet::AlignedBuffer packed(simd::gemm_packed_floats(k, n, kernel.nr)), c(m * n);
    simd::gemm_pack(k, n, kernel.nr, w.data(), bias.data(), packed.data());
    const mnet::kernels::Epilogue ep{0.0f, 6.0f};
    for (auto _ : state) {
        kernel.fn(m, k, n, a.data(), packed.data(), c.data(), ep, 0, m, 0, simd::gemm_panels(n, kernel.nr));
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * k * n, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
    state.counters["%fp32_peak"] = percent_of(2.0 * m * k * n, fp32_peak);
}

// Integer 1x1 conv, Args {M, K, N}: uint8 per-tensor (weight zero point 120, so the row-sum term
// runs) or int8 per-channel, ReLU6-like clamp; the same packing and epilogue the models use.
template <class T>
void bench_qgemm(benchmark::State& state, mnet::quant::simd::GemmKernel kernel) {
    namespace q = mnet::quant;
    const int m = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1)), n = static_cast<int>(state.range(2));
    std::mt19937 rng(16);
    std::uniform_int_distribution<int> byte(std::is_signed_v<T> ? -128 : 0, std::is_signed_v<T> ? 127 : 255);
    std::vector<T> a(static_cast<std::size_t>(m) * static_cast<std::size_t>(k)), w(static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
    for (auto& v : a) v = static_cast<T>(byte(rng));
    for (auto& v : w) v = static_cast<T>(byte(rng));
    std::vector<std::int32_t> bias(static_cast<std::size_t>(n), 1000);
    std::vector<q::QuantizedMultiplier> mults;
    for (int c = 0; c < (std::is_signed_v<T> ? n : 1); ++c) mults.push_back({1518500250 + c, -9});
    q::ref::ConvParams p;
    p.input_offset = std::is_signed_v<T> ? 128 : -3;
    p.filter_offset = std::is_signed_v<T> ? 0 : -120;
    p.output_offset = std::is_signed_v<T> ? -128 : 0;
    p.multipliers = mults;
    p.clamp = {std::is_signed_v<T> ? -128 : 0, std::is_signed_v<T> ? 40 : 200};
    const auto g = mnet::quant::simd::pack_gemm<T>(p, k, n, w.data(), bias.data());
    std::vector<T> c(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
    for (auto _ : state) {
        if constexpr (std::is_signed_v<T>) kernel.s8(g, a.data(), c.data(), 0, m);
        else kernel.u8(g, a.data(), c.data(), 0, m);
        benchmark::ClobberMemory();
    }
    const double ops = 2.0 * m * k * n;
    state.counters["GOPS"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
    state.counters["%int8_peak"] = percent_of(ops, int8_peak);
    state.counters["%fp32_peak"] = percent_of(ops, fp32_peak);
}

// Integer depthwise 3x3 SAME, Args {hw, c}: uint8 per-tensor or int8 per-channel, int16 weights with the
// zero point subtracted (as the interpreter packs them), stride from the name.
template <class T>
void bench_qdwconv(benchmark::State& state, mnet::quant::simd::DwconvKernel kernel, int stride) {
    namespace q = mnet::quant;
    const int hw = static_cast<int>(state.range(0)), c = static_cast<int>(state.range(1));
    const int out_hw = (hw + stride - 1) / stride;
    std::mt19937 rng(17);
    std::uniform_int_distribution<int> byte(std::is_signed_v<T> ? -128 : 0, std::is_signed_v<T> ? 127 : 255);
    const q::ref::Nhwc in{1, hw, hw, c}, filt{1, 3, 3, c}, out{1, out_hw, out_hw, c};
    std::vector<T> x(in.size()), y(out.size());
    for (auto& v : x) v = static_cast<T>(byte(rng));
    std::vector<std::int16_t> w(filt.size());
    for (auto& v : w) v = static_cast<std::int16_t>(byte(rng) - (std::is_signed_v<T> ? 0 : 120));
    std::vector<std::int32_t> bias(static_cast<std::size_t>(c), 1000);
    std::vector<q::QuantizedMultiplier> mults;
    for (int i = 0; i < (std::is_signed_v<T> ? c : 1); ++i) mults.push_back({1518500250 + i, -9});
    q::ref::ConvParams p;
    p.stride_h = p.stride_w = stride;
    p.pad_top = p.pad_left = std::max((out_hw - 1) * stride + 3 - hw, 0) / 2;
    p.input_offset = std::is_signed_v<T> ? 128 : -3;
    p.output_offset = std::is_signed_v<T> ? -128 : 0;
    p.multipliers = mults;
    p.clamp = {std::is_signed_v<T> ? -128 : 0, std::is_signed_v<T> ? 40 : 200};
    // kernel.name "packed": the interpreter's path, constants laid out once by pack_depthwise (best variant).
    const bool packed = std::string(kernel.name) == "packed";
    const auto pk = mnet::quant::simd::pack_depthwise<T>(p, filt, w.data(), bias.data());
    for (auto _ : state) {
        if (packed) mnet::quant::simd::depthwise_conv2d(pk, p, in, x.data(), filt, w.data(), bias.data(), out, y.data(), 0, out_hw);
        else if constexpr (std::is_signed_v<T>) kernel.s8(p, in, x.data(), filt, w.data(), bias.data(), out, y.data(), 0, out_hw);
        else kernel.u8(p, in, x.data(), filt, w.data(), bias.data(), out, y.data(), 0, out_hw);
        benchmark::ClobberMemory();
    }
    state.counters["GOPS"] = benchmark::Counter(18.0 * static_cast<double>(out.size()), benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

// Args: {hw, c}; taps `dilation` apart.
void bench_dwconv(benchmark::State& state, simd::DwconvKernel kernel, int dilation) {
    const int hw = static_cast<int>(state.range(0)), c = static_cast<int>(state.range(1));
    const auto g = mnet::kernels::ConvGeometry::make({hw, hw, c}, c, 3, kernel.stride, mnet::Padding::tf_same, dilation);
    const auto in = filled(g.in_shape().size(), 0.5f), w = filled(9 * static_cast<std::size_t>(c), 0.1f),
               bias = filled(static_cast<std::size_t>(c), 0.1f);
    mnet::AlignedBuffer packed(simd::dwconv3x3_packed_floats(static_cast<std::size_t>(c))), out(g.out_shape().size());
    simd::dwconv3x3_pack(static_cast<std::size_t>(c), w.data(), bias.data(), packed.data());
    for (auto _ : state) {
        kernel.fn(g, in.data(), packed.data(), out.data(), {0.0f, 6.0f}, 0, g.out_h, {});
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(18.0 * static_cast<double>(g.out_shape().size()),
                                                   benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// Args: {in_hw, channels, out_hw}: DeepLab's logits to the mask, align_corners.
void bench_resize_argmax(benchmark::State& state) {
    const int in = static_cast<int>(state.range(0)), c = static_cast<int>(state.range(1)),
              out = static_cast<int>(state.range(2));
    const auto g = mnet::kernels::ResizeGeometry::make({in, in, c}, out, out, true, false);
    std::vector<float> logits(g.in_shape().size());
    for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>((i * 7919) % 1000) / 100.0f;
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(out) * static_cast<std::size_t>(out));
    for (auto _ : state) {
        mnet::kernels::resize_bilinear_argmax(g, logits.data(), mask.data(), 0, g.out_h);
        benchmark::ClobberMemory();
    }
    state.counters["Mpixel/s"] = benchmark::Counter(static_cast<double>(mask.size()) * 1e-6,
                                                    benchmark::Counter::kIsIterationInvariantRate);
}

void bench_stem(benchmark::State& state, simd::Conv3x3s2C3Kernel kernel) {
    const int hw = static_cast<int>(state.range(0)), oc = static_cast<int>(state.range(1));
    const auto g = mnet::kernels::ConvGeometry::make({hw, hw, 3}, oc, 3, 2, mnet::Padding::tf_same);
    const auto in = filled(g.in_shape().size(), 0.5f), w = filled(27 * static_cast<std::size_t>(oc), 0.1f),
               bias = filled(static_cast<std::size_t>(oc), 0.1f);
    mnet::AlignedBuffer packed(simd::gemm_packed_floats(27, static_cast<std::size_t>(oc), kernel.nr)),
        out(g.out_shape().size());
    simd::gemm_pack(27, static_cast<std::size_t>(oc), kernel.nr, w.data(), bias.data(), packed.data());
    for (auto _ : state) {
        kernel.fn(g, in.data(), packed.data(), out.data(), {0.0f, 6.0f}, 0, g.out_h);
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(54.0 * static_cast<double>(g.out_shape().size()),
                                                   benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

void bench_fc(benchmark::State& state, simd::HeadKernels kernel) {
    const auto k = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
    const auto in = filled(k, 0.5f), w = filled(n * k, 0.01f), bias = filled(n, 0.1f);
    mnet::AlignedBuffer packed(simd::gemm_packed_floats(k, n, kernel.fc_nr)), out(n);
    simd::gemm_pack(k, n, kernel.fc_nr, w.data(), bias.data(), packed.data());
    for (auto _ : state) {
        kernel.fc(k, n, in.data(), packed.data(), out.data(), 0, simd::gemm_panels(n, kernel.fc_nr));
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * k * n, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

const bool registered = [] {
    // (M, K, N) of MobileNetV2/V1 1.0-224 1x1 layers.
    const std::vector<std::vector<std::int64_t>> gemm_shapes{
        {12544, 32, 16}, {12544, 16, 96}, {3136, 24, 144}, {3136, 144, 24}, {784, 192, 32}, {196, 384, 64},
        {196, 576, 96},  {49, 960, 160},  {49, 320, 1280}, {3136, 128, 128}, {196, 512, 512}, {49, 1024, 1024},
        {49, 960, 320}, {784, 32, 192}, {12544, 27, 32}};
    fp32_peak = mnet_bench::fma_peak_gflops();
    int8_peak = mnet_bench::vnni_peak_gops();
    benchmark::AddCustomContext("fp32_fma_peak_gflops", std::to_string(fp32_peak));
    benchmark::AddCustomContext("int8_vpdpbusd_peak_gops", std::to_string(int8_peak));
    // Integer 1x1 on V2 1.0-224 shapes (the float GEMM of each shape is in the list above).
    for (const auto& kernel : mnet::quant::simd::gemm_kernels) {
        if (std::string(kernel.name) == "scalar") continue;
        for (const auto& s : std::vector<std::vector<std::int64_t>>{{12544, 32, 16}, {12544, 16, 96}, {3136, 144, 24}, {196, 384, 64}, {49, 960, 320},
                                                                    {3136, 24, 144}, {196, 576, 96}, {49, 320, 1280},
                                                                    {784, 192, 32}, {784, 32, 192}, {12544, 27, 32}}) {
            benchmark::RegisterBenchmark((std::string("qgemm_u8/") + kernel.name).c_str(), bench_qgemm<std::uint8_t>, kernel)->Args(s);
            benchmark::RegisterBenchmark((std::string("qgemm_s8/") + kernel.name).c_str(), bench_qgemm<std::int8_t>, kernel)->Args(s);
        }
    }
    for (const auto& kernel : simd::gemm_kernels<Arch>)
        for (const auto& s : gemm_shapes)
            benchmark::RegisterBenchmark(kernel.name, bench_gemm, kernel)->Args(s);
    for (const auto& kernel : simd::dwconv_kernels<Arch>)
        for (const auto& s : std::vector<std::vector<std::int64_t>>{{112, 32}, {112, 96}, {56, 144}, {28, 192},
                                                                    {14, 576}, {7, 960}})
            benchmark::RegisterBenchmark(kernel.name, bench_dwconv, kernel, 1)->Args(s);
    auto qdw_variants = std::vector<mnet::quant::simd::DwconvKernel>(mnet::quant::simd::dwconv_kernels.begin(),
                                                                      mnet::quant::simd::dwconv_kernels.end());
    qdw_variants.insert(qdw_variants.begin(), mnet::quant::simd::DwconvKernel{"packed", nullptr, nullptr});
    for (const auto& kernel : qdw_variants)
        for (const int stride : std::string(kernel.name) == "scalar" ? std::vector<int>{} : std::vector<int>{1, 2})
            for (const auto& s : std::vector<std::vector<std::int64_t>>{{112, 32}, {112, 96}, {56, 144}, {28, 192},
                                                                        {14, 576}, {7, 960}}) {
                // appends, not "literal" + string: g++ 12 warns on those at x86-64-v3 (-Wrestrict, a false positive)
                const std::string name = std::string("s").append(std::to_string(stride)).append("/").append(kernel.name);
                benchmark::RegisterBenchmark(std::string("qdwconv3x3_u8").append(name).c_str(), bench_qdwconv<std::uint8_t>, kernel, stride)->Args(s);
                benchmark::RegisterBenchmark(std::string("qdwconv3x3_s8").append(name).c_str(), bench_qdwconv<std::int8_t>, kernel, stride)->Args(s);
            }
    // DeepLabv3-MobileNetV2 at 513, output stride 16 (dilation 2) and 8 (dilation 4 at 65x65).
    for (const int d : {1, 2, 4})
        benchmark::RegisterBenchmark(("dwconv3x3s1_d" + std::to_string(d)).c_str(), bench_dwconv,
                                     simd::dwconv_kernels<Arch>[0], d)
            ->Args({d == 4 ? 65 : 33, 960});
    benchmark::RegisterBenchmark("resize_bilinear_argmax", bench_resize_argmax)->Args({33, 21, 513});
    for (const auto& kernel : simd::conv3x3s2_c3_kernels<Arch>)
        benchmark::RegisterBenchmark(kernel.name, bench_stem, kernel)->Args({224, 32});
    for (const auto& kernel : simd::head_kernels<Arch>)
        benchmark::RegisterBenchmark(kernel.fc_name, bench_fc, kernel)->Args({1280, 1001});
    benchmark::AddCustomContext("mnet kernels", Arch::name());
    return true;
}();

}  // namespace
#endif

BENCHMARK_MAIN();
