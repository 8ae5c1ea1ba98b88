// Whether the SIMD kernels are compiled in. MNET_SIMD (default 1; the CMake
// option MNET_SIMD sets it for mnet's own targets) is the user's switch;
// MNET_SIMD_ENABLED is 1 only if that switch is on and the compiler flags give
// xsimd a float register (SSE2/AVX/AVX-512 or NEON). When it is 0, layers use
// the reference kernels and xsimd is never included.
#pragma once

#ifndef MNET_SIMD
#define MNET_SIMD 1
#endif

#if MNET_SIMD
#include <xsimd/config/xsimd_config.hpp>
#if XSIMD_WITH_SSE2 || XSIMD_WITH_NEON || XSIMD_WITH_NEON64
#define MNET_SIMD_ENABLED 1
#else
#define MNET_SIMD_ENABLED 0
#endif
#else
#define MNET_SIMD_ENABLED 0
#endif
