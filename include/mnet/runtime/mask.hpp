// Segmentation output: low-resolution logits (h × w × classes, HWC, as a Session of a
// segmentation model returns them) → a class mask at the image's own size, and the
// share of the image each class covers. Three steps, as DeepLab defines its output:
// bilinear upsampling to the model's input size with the model's own flags (TFLite
// RESIZE_BILINEAR), arg-max over the classes (the first maximum wins, as ARG_MAX),
// then the letterbox (core/letterbox.hpp) undone: the valid rows and columns are kept
// and mapped onto the image by nearest neighbour. Only the valid window is upsampled.
// The upsampling and arg-max are one fused kernel (kernels::resize_bilinear_argmax):
// the input-sized float tensor of class scores never exists.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/core/letterbox.hpp"
#include "mnet/core/resize_flags.hpp"
#include "mnet/core/shape.hpp"
#include "mnet/kernels/simd/backend.hpp"

namespace mnet {

/// A class index per pixel: classes[y · width + x], row 0 at the top.
struct Mask {
    int height = 0;                     ///< rows
    int width = 0;                      ///< columns
    std::vector<std::uint8_t> classes;  ///< height · width class indices, row-major

    /// Class of the pixel in row `y`, column `x` (unchecked).
    std::uint8_t at(int y, int x) const noexcept {
        return classes[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)];
    }
};

/// How much of a mask one class covers.
struct ClassShare {
    int index = 0;           ///< class index (0 = background for PASCAL VOC)
    std::int64_t pixels = 0;  ///< pixels of that class
    double share = 0;        ///< pixels / all pixels of the mask, in (0, 1]
};

namespace detail {

/// Nearest source index of output `d` when an in-long axis is stretched to out: the
/// inverse of the align-corners resize that made the letterbox, round(d·(in − 1)/(out − 1))
/// with halves up, in integers; 0 when out = 1. Corners map to corners.
constexpr int nearest_index(int d, int in, int out) noexcept {
    if (out <= 1 || in <= 1) return 0;
    const std::int64_t num = 2 * std::int64_t{d} * (in - 1) + (out - 1);
    return static_cast<int>(num / (2 * std::int64_t{out - 1}));
}

}  // namespace detail

/// The mask of an image from its segmentation logits (logits_shape = h × w × classes,
/// HWC, as Session::output_shape() gives it): the logits upsampled to the model input
/// (letterbox.resolution²) with the model's `upsample` flags (ModelInfo::upsample),
/// arg-max per pixel (first maximum wins), the letterbox's valid window kept, and that
/// window mapped onto letterbox.image_height × image_width by nearest neighbour
/// (detail::nearest_index; an identity when the image needed no resize). Throws
/// Error(shape) if the logits do not hold logits_shape.size() values or have more than
/// 256 classes, Error(argument) for an inconsistent letterbox.
inline Mask segmentation_mask(std::span<const float> logits, Shape logits_shape, ResizeFlags upsample,
                              const Letterbox& letterbox) {
    const Shape& s = logits_shape;
    if (!(s.h >= 1 && s.w >= 1 && s.c >= 1 && s.c <= 256))
        detail::fail(ErrorKind::shape, {"segmentation_mask: logits shape ", to_string(s),
                                        " (expected h, w >= 1 and 1 to 256 classes)"});
    if (logits.size() != s.size())
        detail::fail(ErrorKind::shape, {"segmentation_mask: ", logits.size(), " logits given for shape ",
                                        to_string(s), " (", s.size(), " expected)"});
    const Letterbox& b = letterbox;
    if (!(b.resolution >= 1 && b.valid_height >= 1 && b.valid_height <= b.resolution && b.valid_width >= 1 &&
          b.valid_width <= b.resolution && b.image_height >= 1 && b.image_width >= 1 &&
          static_cast<std::int64_t>(b.image_height) * b.image_width <= std::int64_t{1} << 31))
        detail::fail(ErrorKind::argument,
                     {"segmentation_mask: bad letterbox: input ", b.resolution, "x", b.resolution, ", valid ",
                      b.valid_width, "x", b.valid_height, ", image ", b.image_width, "x", b.image_height});
    Mask valid{b.valid_height, b.valid_width,
               std::vector<std::uint8_t>(static_cast<std::size_t>(b.valid_height) *
                                         static_cast<std::size_t>(b.valid_width))};
    // Rows [0, valid_height) of the upsampled mask at full width, then the valid columns.
    const kernels::ResizeGeometry g = kernels::ResizeGeometry::make(s, b.resolution, b.resolution, upsample.align_corners,
                                                                    upsample.half_pixel_centers);
    std::vector<std::uint8_t> rows(static_cast<std::size_t>(b.valid_height) * static_cast<std::size_t>(b.resolution));
    kernels::resize_bilinear_argmax(g, logits.data(), rows.data(), 0, b.valid_height);
    for (int y = 0; y < b.valid_height; ++y)
        std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(y) * b.resolution, b.valid_width,
                    valid.classes.begin() + static_cast<std::ptrdiff_t>(y) * b.valid_width);
    if (b.image_height == b.valid_height && b.image_width == b.valid_width) return valid;

    Mask out{b.image_height, b.image_width,
             std::vector<std::uint8_t>(static_cast<std::size_t>(b.image_height) *
                                       static_cast<std::size_t>(b.image_width))};
    std::vector<int> column(static_cast<std::size_t>(b.image_width));
    for (int x = 0; x < b.image_width; ++x)
        column[static_cast<std::size_t>(x)] = detail::nearest_index(x, b.valid_width, b.image_width);
    for (int y = 0; y < b.image_height; ++y) {
        const int from = detail::nearest_index(y, b.valid_height, b.image_height);
        std::uint8_t* dst = out.classes.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(b.image_width);
        for (int x = 0; x < b.image_width; ++x) dst[x] = valid.at(from, column[static_cast<std::size_t>(x)]);
    }
    return out;
}

/// The classes present in `mask`, in index order, with their pixel counts and shares.
inline std::vector<ClassShare> class_shares(const Mask& mask) {
    std::int64_t counts[256] = {};
    for (std::uint8_t c : mask.classes) ++counts[c];
    std::vector<ClassShare> out;
    const auto total = static_cast<double>(mask.classes.size());
    for (int c = 0; c < 256; ++c)
        if (counts[c] > 0) out.push_back({c, counts[c], static_cast<double>(counts[c]) / total});
    return out;
}

}  // namespace mnet
