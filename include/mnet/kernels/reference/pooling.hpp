// Reference global average pool (NHWC → C) and fully-connected layer
// (out[N] = W[N×K] · in[K] + bias). Twins of the classifier head kernels.
#pragma once

#include <cstddef>

namespace mnet::kernels::reference {

inline void global_avgpool(std::size_t pixels, std::size_t channels, const float* in, float* out) noexcept {
    for (std::size_t c = 0; c < channels; ++c) out[c] = 0.0f;
    for (std::size_t p = 0; p < pixels; ++p)
        for (std::size_t c = 0; c < channels; ++c) out[c] += in[p * channels + c];
    const float inv = 1.0f / static_cast<float>(pixels);
    for (std::size_t c = 0; c < channels; ++c) out[c] *= inv;
}

inline void fully_connected(std::size_t k_count, std::size_t n_count, const float* in, const float* weight_nk,
                            const float* bias, float* out) noexcept {
    for (std::size_t n = 0; n < n_count; ++n) {
        float acc = bias[n];
        const float* w = weight_nk + n * k_count;
        for (std::size_t k = 0; k < k_count; ++k) acc += w[k] * in[k];
        out[n] = acc;
    }
}

}  // namespace mnet::kernels::reference
