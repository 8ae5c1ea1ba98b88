// BatchNorm folding: y = γ·(conv(x) − μ)/√(σ² + ε) + β becomes a conv with
// weights w·s and bias β − μ·s, s = γ/√(σ² + ε). Done once at load, in double.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace mnet {

/// Folds BN into `weight` (out_channels rows of equal length) and returns the bias.
inline std::vector<float> fold_batchnorm(std::span<float> weight, std::span<const float> gamma,
                                         std::span<const float> beta, std::span<const float> mean,
                                         std::span<const float> var, double eps) {
    const std::size_t out_c = gamma.size();
    const std::size_t per_out = out_c ? weight.size() / out_c : 0;
    std::vector<float> bias(out_c);
    for (std::size_t o = 0; o < out_c; ++o) {
        const double scale = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + eps);
        for (std::size_t i = 0; i < per_out; ++i)
            weight[o * per_out + i] = static_cast<float>(weight[o * per_out + i] * scale);
        bias[o] = static_cast<float>(beta[o] - mean[o] * scale);
    }
    return bias;
}

}  // namespace mnet
