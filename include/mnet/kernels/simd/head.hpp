// The classifier head. global_avgpool: NHWC H×W×C → C, pixels summed in order per
// channel register (4 registers in flight), then × 1/(H·W); tails go narrower.
// fully_connected: out[N] = W·in + bias as a GEMV, i.e. the gemm tile with MR = 1
// and wide panels (fc_nrv registers → that many independent FMA chains), weights
// packed by gemm_pack at fc_nr<Arch>. Twins: reference::global_avgpool, ::fully_connected.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include "mnet/kernels/simd/gemm.hpp"

namespace mnet::kernels::simd {

namespace detail {

template <class Arch>
inline void avgpool_channels(std::size_t pixels, std::size_t channels, const float* in, float* out, std::size_t c,
                             float inv) noexcept {
    using V = vec<Arch>;
    using B = typename V::type;
    constexpr std::size_t L = V::size;
    constexpr int U = 4;
    const B scale = V::broadcast(inv);
    for (; c + U * L <= channels; c += U * L) {
        B acc[U];
        unroll<U>([&](auto u) { acc[u] = V::zero(); });
        for (std::size_t p = 0; p < pixels; ++p)
            unroll<U>([&](auto u) { acc[u] = acc[u] + V::load(in + p * channels + c + u * L); });
        unroll<U>([&](auto u) { V::store(out + c + u * L, acc[u] * scale); });
    }
    for (; c + L <= channels; c += L) {
        B acc = V::zero();
        for (std::size_t p = 0; p < pixels; ++p) acc = acc + V::load(in + p * channels + c);
        V::store(out + c, acc * scale);
    }
    if constexpr (!std::is_same_v<Arch, scalar>)
        if (c < channels) avgpool_channels<narrower_t<Arch>>(pixels, channels, in, out, c, inv);
}

}  // namespace detail

/// Mean over `pixels` NHWC pixels of `channels` channels.
template <class Arch>
void global_avgpool(std::size_t pixels, std::size_t channels, const float* in, float* out) noexcept {
    detail::avgpool_channels<Arch>(pixels, channels, in, out, 0, 1.0f / static_cast<float>(pixels));
}

/// Registers per FC panel: 8 accumulators hide the FMA latency with one row.
template <class Arch>
inline constexpr int fc_nrv = 8;
template <class Arch>
inline constexpr std::size_t fc_nr = fc_nrv<Arch> * lanes<Arch>;

/// Outputs of panels [panel_begin, panel_end) (fc_nr<Arch> outputs each); no activation.
template <class Arch>
void fully_connected(std::size_t k, std::size_t n, const float* in, const float* packed, float* out,
                     std::size_t panel_begin, std::size_t panel_end) noexcept {
    constexpr float inf = std::numeric_limits<float>::infinity();
    gemm<Arch, 1, fc_nrv<Arch>>(1, k, n, in, packed, out, Epilogue{-inf, inf}, 0, 1, panel_begin, panel_end);
}

/// Registry of the head family for Arch.
using AvgpoolFn = void (*)(std::size_t, std::size_t, const float*, float*) noexcept;
using FullyConnectedFn = void (*)(std::size_t, std::size_t, const float*, const float*, float*, std::size_t,
                                  std::size_t) noexcept;
struct HeadKernels {
    const char* avgpool_name;
    AvgpoolFn avgpool;
    const char* fc_name;
    FullyConnectedFn fc;
    std::size_t fc_nr;
};
template <class Arch>
inline constexpr std::array head_kernels{
    HeadKernels{"global_avgpool", &global_avgpool<Arch>, "fc_1x8v", &fully_connected<Arch>, fc_nr<Arch>}};

}  // namespace mnet::kernels::simd
