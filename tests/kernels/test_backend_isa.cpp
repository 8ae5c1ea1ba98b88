// simd/backend.hpp: the layers run the kernels of the ISA the compiler targets (NEON on
// AArch64, AVX2/AVX-512 on x86-64 as the flags allow, the reference kernels in the
// scalar build). The WARN line names the target, the arch and the GEMM tile, so a CI
// log (.ci/aarch64.sh, .ci/scalar.sh) shows what was tested.
#include <string>

#include <catch2/catch.hpp>

#include "mnet/kernels/simd/backend.hpp"

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

}  // namespace

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
