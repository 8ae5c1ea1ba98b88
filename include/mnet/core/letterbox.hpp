// Letterbox: where an image sits inside a square model input once its aspect ratio is
// kept (the deeplab preset, io/segmentation.hpp), so that a mask computed on the input
// can be mapped back onto the image (runtime/mask.hpp). Geometry only, no pixels.
#pragma once

#include <algorithm>
#include <cstdint>

#include "mnet/core/error.hpp"

namespace mnet {

/// An image of image_height × image_width resized to valid_height × valid_width and
/// placed at the top-left of a resolution × resolution input; rows ≥ valid_height and
/// columns ≥ valid_width are padding.
struct Letterbox {
    int resolution = 0;    ///< side R of the square model input
    int valid_height = 0;  ///< rows [0, valid_height) of the input hold the image
    int valid_width = 0;   ///< columns [0, valid_width) of the input hold the image
    int image_height = 0;  ///< rows of the original image
    int image_width = 0;   ///< columns of the original image
    constexpr bool operator==(const Letterbox&) const = default;  ///< Same five sizes.
};

/// TF DeepLab's inference geometry (resize_to_range with max_size = R, then pad to R):
/// the long side becomes R and the short side floor(short · R / long), at least 1,
/// computed exactly in integers (TF computes the product in float32, which can land
/// one pixel lower). Images larger and smaller than R are both scaled; a square R × R
/// image keeps its size.
inline Letterbox deeplab_letterbox(int image_height, int image_width, int resolution) {
    if (image_height < 1 || image_width < 1 || resolution < 1)
        detail::fail(ErrorKind::argument, {"deeplab_letterbox: bad sizes: image ", image_width, "x", image_height,
                                           ", resolution ", resolution});
    const std::int64_t longer = std::max(image_height, image_width);
    auto scaled = [&](int side) {
        return static_cast<int>(std::max<std::int64_t>(1, side * std::int64_t{resolution} / longer));
    };
    return {resolution, scaled(image_height), scaled(image_width), image_height, image_width};
}

}  // namespace mnet
