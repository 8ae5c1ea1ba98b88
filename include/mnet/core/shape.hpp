// Activation shapes (HWC of one image; the batch is a loop outside) and the
// padding rules of the two weight families mnet reads.
#pragma once

#include <cstddef>
#include <string>

namespace mnet {

/// Height × width × channels of one NHWC image; N is handled by the Session.
struct Shape {
    int h = 0;  ///< height (rows)
    int w = 0;  ///< width (columns)
    int c = 0;  ///< channels (innermost)

    /// Number of floats: h · w · c.
    constexpr std::size_t size() const noexcept {
        return static_cast<std::size_t>(h) * static_cast<std::size_t>(w) * static_cast<std::size_t>(c);
    }
    constexpr bool operator==(const Shape&) const = default;  ///< Same h, w and c.
};

/// "224x224x3" (h x w x c).
inline std::string to_string(const Shape& s) {
    return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

/// How a model pads its convolutions; a property of where the weights came from.
enum class Padding {
    tf_same,    ///< TensorFlow SAME: extra padding goes after (bottom/right)
    symmetric,  ///< torchvision: pad k/2 on every side
};

/// "tf_same" or "symmetric", as weight files' metadata spell it.
inline const char* to_string(Padding p) noexcept {
    return p == Padding::tf_same ? "tf_same" : "symmetric";
}

/// Padding of one spatial axis and the resulting output length.
struct AxisPadding {
    int before = 0;  ///< padding before the first input element (top/left)
    int after = 0;   ///< padding after the last one (bottom/right)
    int out = 0;     ///< output length
};

/// Extent of a k-tap kernel whose taps are `dilation` apart: (k − 1)·d + 1.
constexpr int effective_kernel(int k, int dilation = 1) noexcept { return (k - 1) * dilation + 1; }

/// Output length and padding of one axis of a k×k convolution with stride s and
/// dilation d, whose taps span eff_k = (k − 1)·d + 1 inputs.
/// tf_same (TensorFlow's SAME, dilated or not): out = ceil(in/s),
///   pad_total = max((out − 1)·s + eff_k − in, 0), before = total/2, after = the rest.
/// symmetric (torchvision, padding = d·(k − 1)/2): eff_k/2 on both sides,
///   out = (in + 2·(eff_k/2) − eff_k)/s + 1. For odd k the two agree on `out`; they
///   differ only in where the padding of an even input goes.
constexpr AxisPadding axis_padding(int in, int k, int s, Padding mode, int dilation = 1) noexcept {
    const int eff = effective_kernel(k, dilation);
    AxisPadding p;
    if (mode == Padding::tf_same) {
        p.out = (in + s - 1) / s;
        int total = (p.out - 1) * s + eff - in;
        if (total < 0) total = 0;
        p.before = total / 2;
        p.after = total - p.before;
    } else {
        p.before = eff / 2;
        p.out = (in + 2 * (eff / 2) - eff) / s + 1;
        int total = (p.out - 1) * s + eff - in;
        p.after = total - p.before;
        if (p.after < 0) p.after = 0;
    }
    return p;
}

}  // namespace mnet
