// What every layer can say about itself: a row of the complexity table, and the
// weight slots a loader fills (named after torchvision's state dict, which is
// mnet's canonical naming; the .tflite importer fills the same slots by order).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/core/shape.hpp"

namespace mnet {

/// One row of the per-layer complexity table.
struct LayerStats {
    std::string type;         ///< e.g. "conv3x3s2", "dwconv3x3s1", "pointwise", "fc"
    Shape in;                 ///< input activation
    Shape out;                ///< output activation
    std::uint64_t madds = 0;  ///< multiply-adds of the conv / FC
    std::uint64_t params = 0; ///< weights (+ classifier bias); folded BN not counted
};

/// Multiply-adds of a k×k convolution producing `out` from `in_per_group` inputs per output.
constexpr std::uint64_t conv_madds(Shape out, int kernel, int in_per_group) noexcept {
    return static_cast<std::uint64_t>(out.h) * static_cast<std::uint64_t>(out.w) *
           static_cast<std::uint64_t>(out.c) * static_cast<std::uint64_t>(kernel * kernel) *
           static_cast<std::uint64_t>(in_per_group);
}

/// A convolution's weights as a loader must supply them, and where they go.
/// Weights arrive in torchvision layout OIHW (depthwise: [C,1,K,K]; the
/// classifier: [N,K]) with BatchNorm already folded into `bias`.
struct WeightSlot {
    std::string weight;              ///< tensor name prefix, e.g. "features.1.conv.0.0"
    std::string batchnorm;           ///< BN prefix ("features.1.conv.0.1"), empty: the conv has a bias
    std::array<int, 4> oihw{};       ///< expected OIHW shape
    bool depthwise = false;          ///< groups == channels
    bool fully_connected = false;    ///< stored as a 2-D [O, I] matrix
    /// Hands the layer its weights (OIHW, `weight_count()` values) and `out_channels()` biases;
    /// throws Error(shape) on a size mismatch.
    std::function<void(std::span<const float> weight_oihw, std::span<const float> bias)> assign;

    /// O · I · H · W: the number of weights `assign` expects.
    std::size_t weight_count() const noexcept {
        return static_cast<std::size_t>(oihw[0]) * oihw[1] * oihw[2] * oihw[3];
    }
    /// O: the number of biases `assign` expects.
    std::size_t out_channels() const noexcept { return static_cast<std::size_t>(oihw[0]); }
};

namespace detail {

/// Checks that a loader handed a layer the number of values it expects.
inline void check_weight_sizes(const char* layer, std::size_t weight_expected, std::size_t weight_found,
                               std::size_t bias_expected, std::size_t bias_found) {
    if (weight_found != weight_expected)
        fail(ErrorKind::shape, {layer, ": expected ", weight_expected, " weights, got ", weight_found});
    if (bias_found != bias_expected)
        fail(ErrorKind::shape, {layer, ": expected ", bias_expected, " biases, got ", bias_found});
}

/// Checks that an activation arriving at a layer has the channel count it was built for.
inline void check_channels(const char* layer, Shape in, int expected) {
    if (in.c != expected)  // the message is built only on failure: run() calls this and must not allocate
        fail(ErrorKind::shape, {layer, ": expected ", expected, " input channels, got ", to_string(in)});
}

}  // namespace detail
}  // namespace mnet
