// Image → DeepLab input (the `deeplab` preset): the whole image, aspect ratio kept.
// As TF DeepLab's inference preprocessing (resize_to_range with max_size = R, then
// pad to the crop size): the image is resized bilinearly so that its long side is R
// (align_corners = true, as resize_to_range calls tf.image.resize; float64 here,
// no rounding back to 8 bits), placed at the top-left of the R × R input, and the
// rest is padded with the pixel value 128, which the scaling x = (p − 128)/128 maps
// to 0 (the mean pixel the model was trained to pad with). An R × R image is not
// resampled at all: x = (q − 128)/128 of its own pixels, exactly the reference's
// float input. The returned Letterbox says which rows and columns hold the image,
// so that runtime/mask.hpp can map the mask back onto it.
// prepare_segmentation is defined in io/detail/resample.hpp beside preprocess(),
// compiled where io/linkage.hpp says.
#pragma once

#include <vector>

#include "mnet/core/input_spec.hpp"
#include "mnet/core/letterbox.hpp"
#include "mnet/io/image.hpp"
#include "mnet/io/linkage.hpp"

namespace mnet {

/// A DeepLab network input and where the image lies in it.
struct SegmentationInput {
    std::vector<float> input;  ///< 1 × R × R × 3 floats, NHWC, RGB, x = (p − 128)/128, padding 0
    Letterbox letterbox;       ///< the image's rows and columns in the input, and its own size
};

/// The `deeplab` preset: `image` resized (aspect kept, long side R = spec.resolution)
/// and padded to R × R (see the top of io/segmentation.hpp). Throws Error(argument)
/// for an empty image, a resolution outside [1, 8192] or a spec whose preset is not
/// Preprocess::deeplab (a classification model's spec).
MNET_LOADERS_INLINE SegmentationInput prepare_segmentation(const Image& image, InputSpec spec);

}  // namespace mnet

// The definitions live beside preprocess() (which uses them for the deeplab preset):
// io/preprocess.hpp includes them in header-only mode.
#include "mnet/io/preprocess.hpp"
