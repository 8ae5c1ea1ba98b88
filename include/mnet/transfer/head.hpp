// Head: a classifier that replaces a model's own, made on the device from a few
// labelled photos (transfer/imprint.hpp) and stored as a small .safetensors file
// (transfer/head_file.hpp). logits = scale · W · φ(f) + b, where f are the pooled
// features of the base model and φ is the L2 normalisation (or nothing). No Eigen
// here: a Session applies a head with the float FC kernel the Classifier uses.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mnet/core/aligned_buffer.hpp"
#include "mnet/core/error.hpp"
#include "mnet/kernels/simd/backend.hpp"

namespace mnet {

/// Scales `v` to unit Euclidean length (left as is when it is all zeros).
inline void l2_normalize(std::span<float> v) noexcept {
    double sum = 0.0;
    for (float x : v) sum += static_cast<double>(x) * x;
    if (sum <= 0.0) return;
    const auto inv = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& x : v) x *= inv;
}

/// A classifier head over a base model's pooled features: N classes, K features.
/// logits = scale · W·φ(f) + b with φ the L2 normalisation when `normalize` (an
/// imprinted head: each row of W a unit class direction, so a logit is a scaled
/// cosine) or the identity. Immutable; a Model carries it behind a shared pointer.
class Head {
public:
    /// W as [N][K] row-major, N biases, N class names. Throws Error(argument) on
    /// sizes that disagree, no class, a non-finite value, a scale that is not
    /// finite and positive, or a class name that is empty or holds a line break
    /// (names are stored one per line).
    Head(std::vector<float> weight_nk, std::vector<float> bias, std::vector<std::string> names, float scale,
         bool normalize)
        : weight_(std::move(weight_nk)), bias_(std::move(bias)), names_(std::move(names)), scale_(scale),
          normalize_(normalize) {
        const std::size_t n = names_.size();
        if (n == 0) detail::fail(ErrorKind::argument, {"Head: no class"});
        if (bias_.size() != n)
            detail::fail(ErrorKind::argument, {"Head: ", n, " classes but ", bias_.size(), " biases"});
        if (weight_.empty() || weight_.size() % n != 0)
            detail::fail(ErrorKind::argument,
                         {"Head: ", weight_.size(), " weights are not a whole number of rows for ", n, " classes"});
        k_ = weight_.size() / n;
        if (!(std::isfinite(scale_) && scale_ > 0.0f))
            detail::fail(ErrorKind::argument, {"Head: scale must be finite and positive, got ", scale_});
        for (std::size_t i = 0; i < weight_.size(); ++i)
            if (!std::isfinite(weight_[i]))
                detail::fail(ErrorKind::argument, {"Head: non-finite weight at row ", i / k_, ", column ", i % k_});
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isfinite(bias_[i])) detail::fail(ErrorKind::argument, {"Head: non-finite bias of class ", i});
        for (std::size_t i = 0; i < n; ++i) check_class_name(names_[i], i);
        // The scale is folded into the packed weights: one FC call per image.
        std::vector<float> scaled(weight_);
        for (float& w : scaled) w *= scale_;
        packed_ = AlignedBuffer(kernels::fc_packed_floats(k_, n));
        kernels::fc_pack(k_, n, scaled.data(), bias_.data(), packed_.data());
    }

    /// Error(argument) unless `name` is non-empty, has no line break or NUL, and is
    /// at most 256 bytes (`index` numbers it in the message).
    static void check_class_name(const std::string& name, std::size_t index) {
        if (name.empty() || name.size() > 256 || name.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
            detail::fail(ErrorKind::argument, {"Head: class ", index,
                                               " name must be 1-256 bytes without line breaks or NUL, got '",
                                               name.substr(0, 64), "'"});
    }

    std::size_t in_features() const noexcept { return k_; }             ///< K: features it reads.
    std::size_t num_classes() const noexcept { return names_.size(); }  ///< N: logits it writes.
    const std::vector<float>& weight() const noexcept { return weight_; }  ///< W, [N][K] row-major.
    const std::vector<float>& bias() const noexcept { return bias_; }      ///< b, N values.
    const std::vector<std::string>& names() const noexcept { return names_; }  ///< Class names.
    float scale() const noexcept { return scale_; }       ///< Multiplies W·φ(f).
    bool normalize() const noexcept { return normalize_; }  ///< φ = L2 normalisation?

    /// Logits of one image: `features` (K floats) is normalised in place when the
    /// head asks for it, then N logits are written to `logits`. No allocation.
    void apply(float* features, float* logits) const noexcept {
        if (normalize_) l2_normalize({features, k_});
        kernels::fully_connected(k_, names_.size(), features, packed_.data(), logits);
    }

private:
    std::vector<float> weight_;
    std::vector<float> bias_;
    std::vector<std::string> names_;
    float scale_;
    bool normalize_;
    std::size_t k_ = 0;
    AlignedBuffer packed_;
};

}  // namespace mnet
