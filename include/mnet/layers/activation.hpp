// Activations as types. A layer takes one as a template parameter; kernels see
// only its clamp bounds (an epilogue argument), so ReLU6 and Linear share code.
#pragma once

#include <limits>

namespace mnet {

/// Which activation a layer fuses, as a value (for loaders matching a file's ops).
enum class ActivationKind {
    linear,  ///< no activation
    relu,    ///< max(x, 0)
    relu6,   ///< min(max(x, 0), 6)
};

/// min(max(x, 0), 6): the MobileNet activation.
struct ReLU6 {
    static constexpr float min = 0.0f;                 ///< lower clamp
    static constexpr float max = 6.0f;                 ///< upper clamp
    static constexpr const char* name = "relu6";       ///< for tables and messages
    static constexpr ActivationKind kind = ActivationKind::relu6;  ///< as a value
};

/// max(x, 0): DeepLab's head (ASPP branches and the projection).
struct ReLU {
    static constexpr float min = 0.0f;                                     ///< lower clamp
    static constexpr float max = std::numeric_limits<float>::infinity();   ///< no upper clamp
    static constexpr const char* name = "relu";                            ///< for tables and messages
    static constexpr ActivationKind kind = ActivationKind::relu;           ///< as a value
};

/// Identity: the linear bottleneck of MobileNetV2 projections and the logits.
struct Linear {
    static constexpr float min = -std::numeric_limits<float>::infinity();  ///< no lower clamp
    static constexpr float max = std::numeric_limits<float>::infinity();   ///< no upper clamp
    static constexpr const char* name = "linear";                          ///< for tables and messages
    static constexpr ActivationKind kind = ActivationKind::linear;         ///< as a value
};

/// Stride as a type, so `DepthwiseConv<3, Stride<2>, ReLU6>` reads like the paper.
template <int S>
struct Stride {
    static_assert(S >= 1, "stride must be positive");
    static constexpr int value = S;  ///< the stride S
};

}  // namespace mnet
