// A class mask as pictures: the PASCAL VOC colour map, the mask in those colours,
// and a photo with the coloured mask blended over it (what mnet-segment writes as
// <name>.mask.png and <name>.overlay.png through io/png.hpp).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "mnet/core/error.hpp"
#include "mnet/io/image.hpp"
#include "mnet/runtime/mask.hpp"

namespace mnet {

/// The PASCAL VOC colour of class `index` (0–255), as the VOC devkit's labelcolormap
/// builds it: bit k of R, G and B (from the top bit down) are bits 3k, 3k + 1 and
/// 3k + 2 of the index. 0 background is black, 1 aeroplane (128, 0, 0), 255 (the
/// "void" border) (224, 224, 192). Every index gets a different colour.
constexpr std::array<std::uint8_t, 3> pascal_voc_color(std::uint8_t index) noexcept {
    unsigned rgb[3] = {0, 0, 0};
    unsigned c = index;
    for (int bit = 7; bit >= 0; --bit, c >>= 3)
        for (unsigned k = 0; k < 3; ++k) rgb[k] |= ((c >> k) & 1u) << bit;
    return {static_cast<std::uint8_t>(rgb[0]), static_cast<std::uint8_t>(rgb[1]), static_cast<std::uint8_t>(rgb[2])};
}

/// The mask as an RGB image in the PASCAL VOC colours (pascal_voc_color).
inline Image colorize(const Mask& mask) {
    Image out{mask.width, mask.height, std::vector<std::uint8_t>(mask.classes.size() * 3)};
    for (std::size_t i = 0; i < mask.classes.size(); ++i) {
        const auto color = pascal_voc_color(mask.classes[i]);
        for (std::size_t k = 0; k < 3; ++k) out.rgb[i * 3 + k] = color[k];
    }
    return out;
}

/// `photo` with the mask's colours blended over it: p' = round((1 − opacity)·p +
/// opacity·colour) where the class is not 0; background pixels (class 0) keep the
/// photo as it is. The mask must have the photo's size (segmentation_mask gives the
/// image's own size); Error(argument) otherwise, or for an opacity outside [0, 1].
inline Image overlay(const Image& photo, const Mask& mask, double opacity = 0.5) {
    if (!(photo.width == mask.width && photo.height == mask.height &&
          photo.rgb.size() == mask.classes.size() * 3))
        detail::fail(ErrorKind::argument, {"overlay: mask ", mask.width, "x", mask.height, " on an image of ",
                                           photo.width, "x", photo.height});
    if (!(opacity >= 0 && opacity <= 1))
        detail::fail(ErrorKind::argument, {"overlay: opacity must be in [0, 1], got ", opacity});
    Image out = photo;
    for (std::size_t i = 0; i < mask.classes.size(); ++i) {
        if (mask.classes[i] == 0) continue;
        const auto color = pascal_voc_color(mask.classes[i]);
        for (std::size_t k = 0; k < 3; ++k)
            out.rgb[i * 3 + k] = static_cast<std::uint8_t>(
                std::lround((1 - opacity) * photo.rgb[i * 3 + k] + opacity * color[k]));
    }
    return out;
}

}  // namespace mnet
