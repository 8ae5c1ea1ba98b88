// Reference GEMM for 1x1 convolutions on NHWC: C[M×N] = A[M×K] · B[K×N] + bias,
// then the epilogue (clamp, residual). A is the activation (pixels × Cin, row
// major), B the weights as [Cin][Cout]. Twin of the SIMD gemm micro-kernels.
#pragma once

#include <algorithm>
#include <cstddef>

#include "mnet/kernels/conv_geometry.hpp"

namespace mnet::kernels::reference {

inline void gemm(std::size_t m_count, std::size_t k_count, std::size_t n_count, const float* a,
                 const float* b_kn, const float* bias, float* c, const Epilogue& ep) noexcept {
    const std::size_t ldc = ep.out_stride ? ep.out_stride : n_count;
    for (std::size_t m = 0; m < m_count; ++m) {
        float* row = c + m * ldc;
        for (std::size_t n = 0; n < n_count; ++n) row[n] = bias[n];
        const float* a_row = a + m * k_count;
        for (std::size_t k = 0; k < k_count; ++k) {
            const float a_mk = a_row[k];
            const float* b_row = b_kn + k * n_count;
            for (std::size_t n = 0; n < n_count; ++n) row[n] += a_mk * b_row[n];
        }
        for (std::size_t n = 0; n < n_count; ++n) {
            float v = std::min(std::max(row[n], ep.min), ep.max);
            if (ep.residual) v += ep.residual[m * n_count + n];
            row[n] = v;
        }
    }
}

}  // namespace mnet::kernels::reference
