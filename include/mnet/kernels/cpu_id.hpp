// Which core the process runs on, as far as the kernel dispatcher cares: vendor and
// (display) family/model from cpuid on x86, "other" elsewhere. The ISA itself is a
// compile-time choice (the arch type); this only picks among tiles of that ISA.
#pragma once

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define MNET_HAVE_CPUID 1
#else
#define MNET_HAVE_CPUID 0
#endif

namespace mnet::kernels {

/// CPU vendor from cpuid leaf 0.
enum class CpuVendor { intel, amd, other };

/// Vendor and display family/model (family 6 = Intel Core/Xeon, 25 = AMD Zen3/Zen4, 26 = Zen5).
struct CpuId {
    CpuVendor vendor = CpuVendor::other;  ///< GenuineIntel, AuthenticAMD, anything else
    int family = 0;                       ///< base + extended family
    int model = 0;                        ///< extended model · 16 + base model
};

/// The running CPU (all zero / other when cpuid is unavailable).
inline CpuId cpu_id() noexcept {
    CpuId id;
#if MNET_HAVE_CPUID
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return id;
    // "GenuineIntel" / "AuthenticAMD" in ebx, edx, ecx: the first four letters decide.
    if (b == 0x756e6547u) id.vendor = CpuVendor::intel;       // "Genu"
    else if (b == 0x68747541u) id.vendor = CpuVendor::amd;    // "Auth"
    if (!__get_cpuid(1, &a, &b, &c, &d)) return id;
    const int base_family = static_cast<int>((a >> 8) & 0xF), base_model = static_cast<int>((a >> 4) & 0xF);
    id.family = base_family == 0xF ? base_family + static_cast<int>((a >> 20) & 0xFF) : base_family;
    id.model = base_family == 0xF || base_family == 6 ? (static_cast<int>((a >> 16) & 0xF) << 4) + base_model : base_model;
#endif
    return id;
}

}  // namespace mnet::kernels

#undef MNET_HAVE_CPUID
