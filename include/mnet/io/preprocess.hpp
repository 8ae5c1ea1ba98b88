// Image → network input: crop, resize, scale. Output is NHWC float32, 1×R×R×3, RGB.
// Presets (mnet::Preprocess): `tf_inception` is bit-for-bit the recipe of
// ../shared/reference/index.json (central square crop 0.875, bilinear with
// half-pixel centres and clamping, no antialias, float64, x = p/127.5 − 1);
// `torchvision` is Resize(round(R·256/224), antialias) + CenterCrop(R) + ImageNet
// mean/std; `deeplab` keeps the whole image and its aspect ratio, padded to R × R
// (io/segmentation.hpp, whose prepare_segmentation also returns where the image lies).
// Crop geometry and both resamplers are separate functions so tests can pin them.
// The resamplers and preprocess are defined in io/detail/resample.hpp, compiled
// where io/linkage.hpp says.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/image.hpp"
#include "mnet/io/linkage.hpp"
#include "mnet/core/input_spec.hpp"
#include "mnet/io/segmentation.hpp"

namespace mnet {

/// Rows [top, top + height) and columns [left, left + width) of an image.
struct Window {
    int top = 0;     ///< first row
    int left = 0;    ///< first column
    int height = 0;  ///< rows
    int width = 0;   ///< columns
    constexpr bool operator==(const Window&) const = default;  ///< Same rows and columns.
};

/// Height and width of an image, in pixels.
struct ImageSize {
    int height = 0;  ///< rows
    int width = 0;   ///< columns
    constexpr bool operator==(const ImageSize&) const = default;  ///< Same height and width.
};

/// tf_inception's crop: the central square of side floor(0.875 · min(H, W)),
/// top/left floored. A side below 1 (images 1 pixel thin) is raised to 1, where
/// the reference recipe is undefined.
inline Window tf_inception_crop(int height, int width) {
    if (height < 1 || width < 1)
        detail::fail(ErrorKind::argument, {"tf_inception_crop: empty image ", width, "x", height});
    // 0.875 = 7/8 exactly, so integer arithmetic is the same floor without a float.
    const int s = std::max(1, static_cast<int>(7 * static_cast<std::int64_t>(std::min(height, width)) / 8));
    return {(height - s) / 2, (width - s) / 2, s, s};
}

namespace io::detail {

/// Python's round() of d/2 for d >= 0: halves go to the even neighbour, as
/// torchvision's center_crop computes its offsets.
constexpr int half_round_even(int d) noexcept {
    const int k = d / 2;
    return (d % 2 == 0 || k % 2 == 0) ? k : k + 1;
}

}  // namespace io::detail

/// torchvision's CenterCrop offsets for a crop of crop_height × crop_width.
inline Window center_crop(int height, int width, int crop_height, int crop_width) {
    if (!(crop_height >= 1 && crop_width >= 1 && crop_height <= height && crop_width <= width))
        detail::fail(ErrorKind::argument,
                     {"center_crop: cannot crop ", crop_width, "x", crop_height, " from ", width, "x", height});
    return {io::detail::half_round_even(height - crop_height), io::detail::half_round_even(width - crop_width),
            crop_height, crop_width};
}

/// torchvision's Resize(int): the short side becomes `short_side`, the long side
/// int(short_side · long / short) (truncated, as torchvision does).
inline ImageSize resize_short_side(int height, int width, int short_side) {
    if (height < 1 || width < 1 || short_side < 1)
        detail::fail(ErrorKind::argument,
                     {"resize_short_side: bad sizes ", width, "x", height, " -> ", short_side});
    const bool tall = height > width;
    const std::int64_t shorter = tall ? width : height;
    const std::int64_t longer = tall ? height : width;
    const double scaled = static_cast<double>(short_side * longer) / static_cast<double>(shorter);
    if (!(scaled < 1 << 30))
        detail::fail(ErrorKind::unsupported, {"resize_short_side: resized image would be too long"});
    const int new_long = static_cast<int>(scaled);
    return tall ? ImageSize{new_long, short_side} : ImageSize{short_side, new_long};
}

/// The short side torchvision's recipe resizes to before cropping R: 256 for R = 224.
/// (R·8/7 is never a tie, so rounding has no half-way case.)
inline int torchvision_resize_size(int resolution) {
    return static_cast<int>(std::lround(resolution * 256.0 / 224.0));
}

/// A copy of the pixels inside `w`.
MNET_LOADERS_INLINE Image crop(const Image& image, Window w);

/// Bilinear resize of the `window` of `image` to out_height × out_width, half-pixel
/// centres, clamped, no antialias (tf_inception). Float64 pixel values, H×W×3.
MNET_LOADERS_INLINE std::vector<double> resize_bilinear(const Image& image, Window window, int out_height,
                                                        int out_width);

/// Antialiased bilinear resize of the whole image to out_height × out_width, of which
/// only `keep` (a window of the resized image) is computed and returned. Float64, H×W×3.
MNET_LOADERS_INLINE std::vector<double> resize_antialias(const Image& image, int out_height, int out_width,
                                                         Window keep);

/// ImageNet mean of p/255 per RGB channel, as torchvision normalises.
inline constexpr double imagenet_mean[3] = {0.485, 0.456, 0.406};
/// ImageNet standard deviation of p/255 per RGB channel, as torchvision normalises.
inline constexpr double imagenet_std[3] = {0.229, 0.224, 0.225};

/// The network input for `image`: 1 × R × R × 3 floats, NHWC, RGB. For the deeplab
/// preset this is prepare_segmentation(image, spec).input.
MNET_LOADERS_INLINE std::vector<float> preprocess(const Image& image, InputSpec spec);

/// The input of an integer (quantized) model for `image`: the same crop and resize as
/// preprocess(), the resized pixels p rounded floor(p + 0.5) to uint8 (as TFLite's
/// label_image feeds a uint8 model: ../shared/reference/README.md), 1 × R × R × 3, RGB;
/// deeplab pads with 128. What Session::run_pixels takes.
MNET_LOADERS_INLINE std::vector<std::uint8_t> preprocess_pixels(const Image& image, InputSpec spec);

}  // namespace mnet

#ifndef MNET_SEPARATE_LOADERS
#include "mnet/io/detail/resample.hpp"
#endif
