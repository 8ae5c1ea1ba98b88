// InputSpec: how an image becomes a model's input (crop, resize, scaling recipe and
// size). Its own small header so the image code (io/preprocess.hpp) does not pull in
// the graph, the layers and xsimd.
#pragma once

namespace mnet {

/// How an image becomes the network input (see io/preprocess.hpp).
enum class Preprocess {
    tf_inception,  ///< central crop 0.875, bilinear (half-pixel), x = p/127.5 - 1
    torchvision,   ///< resize short side to 256 (antialiased), centre crop 224, ImageNet mean/std
    deeplab,       ///< whole image, aspect kept, padded to a square (x = (p − 128)/128; see io/segmentation.hpp)
};

/// "tf_inception", "torchvision" or "deeplab", as weight files' metadata spell it.
inline const char* to_string(Preprocess p) noexcept {
    switch (p) {
        case Preprocess::tf_inception: return "tf_inception";
        case Preprocess::torchvision: return "torchvision";
        case Preprocess::deeplab: return "deeplab";
    }
    return "?";
}

/// What the network expects as input: a resolution×resolution×3 image, prepared by `preset`.
struct InputSpec {
    int resolution = 224;                          ///< side of the square input
    Preprocess preset = Preprocess::tf_inception;  ///< crop, resize and scaling recipe
};

}  // namespace mnet
