// simd/backend.hpp: the layers run the kernels of the ISA the compiler targets (NEON on
// AArch64, AVX2/AVX-512 on x86-64 as the flags allow, the reference kernels in the
// scalar build). The WARN line names the target, the arch and the GEMM tile, so a CI
// log (.ci/aarch64.sh, .ci/scalar.sh) shows what was tested.
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/kernels/simd/backend.hpp"
#include "support/kernel_tester.hpp"
#if MNET_SIMD_ENABLED
#include "mnet/kernels/simd/conv3x3s2_c3.hpp"
#include "mnet/kernels/simd/dwconv3x3.hpp"
#include "mnet/kernels/simd/gemm.hpp"
#include "mnet/kernels/simd/head.hpp"
#endif

namespace {

constexpr const char* target_cpu() noexcept {
#if defined(__aarch64__)
    return "aarch64";
#elif defined(__x86_64__)
    return "x86_64";
#else
    return "other";
#endif
}

#if MNET_SIMD_ENABLED
// "arm64+neon: gemm_5x4v gemm_7x3v ... dwconv3x3s1 ...": the registries' names for one arch.
template <class Arch>
std::string kernel_names() {
    namespace simd = mnet::kernels::simd;
    std::string names = std::string(simd::arch_name<Arch>()) + ":";
    for (const auto& k : simd::gemm_kernels<Arch>) names += std::string(" ") + k.name;
    for (const auto& k : simd::dwconv_kernels<Arch>) names += std::string(" ") + k.name;
    for (const auto& k : simd::conv3x3s2_c3_kernels<Arch>) names += std::string(" ") + k.name;
    for (const auto& k : simd::head_kernels<Arch>) names += std::string(" ") + k.avgpool_name + " " + k.fc_name;
    return names;
}
#endif

}  // namespace

#if MNET_SIMD_ENABLED
// One WARN line per arch the kernel tests run over (TestArchs: the target's arch first,
// then each narrower one down to scalar) with its kernels, so a CI log names what the
// "- TestArchs - N" tests compared against their reference twins (.ci/aarch64.sh: NEON).
TEST_CASE("backend: the kernel tests' archs, each with its kernels by name", "[kernel][backend]") {
    const std::vector<std::string> archs =
        std::apply([](auto... arch) { return std::vector<std::string>{kernel_names<decltype(arch)>()...}; },
                   mnet::test::TestArchs{});
    for (const std::string& line : archs) WARN("tested " << line);
    CHECK(std::string(mnet::kernels::simd::arch_name<std::tuple_element_t<0, mnet::test::TestArchs>>()) ==
          mnet::kernels::backend_name());
}
#endif

TEST_CASE("backend: the layers' kernels are those of the ISA the compiler targets", "[kernel][backend]") {
    const std::string name = mnet::kernels::backend_name();
#if MNET_SIMD_ENABLED
    const std::string gemm = mnet::kernels::simd::gemm_kernels<mnet::kernels::simd::default_arch>[0].name;
    for (const std::size_t k : {16u, 1024u})
        CHECK(mnet::kernels::pointwise_mr(k) == static_cast<std::size_t>(mnet::kernels::pointwise_kernel(k).mr));
#else
    const std::string gemm = "reference::gemm";
#endif
    WARN("target " << target_cpu() << ", kernels " << name << ", 1x1 conv tile " << gemm);
#if !MNET_SIMD_ENABLED
    CHECK(name == "reference");
#elif defined(__aarch64__)
    CHECK(name == "arm64+neon");  // xsimd 8.1's name for neon64
    CHECK(gemm == "gemm_5x4v");
#elif defined(__AVX512BW__)
    CHECK(name == "avx512bw");
    CHECK(gemm == "gemm_7x2v");
#elif defined(__AVX2__) && defined(__FMA__)
    CHECK(name == "fma3+avx2");
    CHECK(gemm == "gemm_6x2v");
#else
    CHECK(!name.empty());
#endif
}
