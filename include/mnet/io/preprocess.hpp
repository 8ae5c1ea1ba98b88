// Image → network input: crop, resize, scale. Output is NHWC float32, 1×R×R×3, RGB.
// Presets (mnet::Preprocess): `tf_inception` is bit-for-bit the recipe of
// ../shared/reference/index.json (central square crop 0.875, bilinear with
// half-pixel centres and clamping, no antialias, float64, x = p/127.5 − 1);
// `torchvision` is Resize(round(R·256/224), antialias) + CenterCrop(R) + ImageNet
// mean/std. Crop geometry and both resamplers are separate functions so tests can pin them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/image.hpp"
#include "mnet/models/model.hpp"

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
    require(height >= 1 && width >= 1, ErrorKind::argument,
            "tf_inception_crop: empty image " + std::to_string(width) + "x" + std::to_string(height));
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
    require(crop_height >= 1 && crop_width >= 1 && crop_height <= height && crop_width <= width,
            ErrorKind::argument,
            "center_crop: cannot crop " + std::to_string(crop_width) + "x" + std::to_string(crop_height) + " from " +
                std::to_string(width) + "x" + std::to_string(height));
    return {io::detail::half_round_even(height - crop_height), io::detail::half_round_even(width - crop_width),
            crop_height, crop_width};
}

/// torchvision's Resize(int): the short side becomes `short_side`, the long side
/// int(short_side · long / short) (truncated, as torchvision does).
inline ImageSize resize_short_side(int height, int width, int short_side) {
    require(height >= 1 && width >= 1 && short_side >= 1, ErrorKind::argument,
            "resize_short_side: bad sizes " + std::to_string(width) + "x" + std::to_string(height) + " -> " +
                std::to_string(short_side));
    const bool tall = height > width;
    const std::int64_t shorter = tall ? width : height;
    const std::int64_t longer = tall ? height : width;
    const double scaled = static_cast<double>(short_side * longer) / static_cast<double>(shorter);
    require(scaled < 1 << 30, ErrorKind::unsupported, "resize_short_side: resized image would be too long");
    const int new_long = static_cast<int>(scaled);
    return tall ? ImageSize{new_long, short_side} : ImageSize{short_side, new_long};
}

/// The short side torchvision's recipe resizes to before cropping R: 256 for R = 224.
/// (R·8/7 is never a tie, so rounding has no half-way case.)
inline int torchvision_resize_size(int resolution) {
    return static_cast<int>(std::lround(resolution * 256.0 / 224.0));
}

/// A copy of the pixels inside `w`.
inline Image crop(const Image& image, Window w) {
    require(w.top >= 0 && w.left >= 0 && w.height >= 1 && w.width >= 1 && w.top + w.height <= image.height &&
                w.left + w.width <= image.width,
            ErrorKind::argument, "crop: window outside the image");
    Image out;
    out.width = w.width;
    out.height = w.height;
    out.rgb.resize(static_cast<std::size_t>(w.width) * static_cast<std::size_t>(w.height) * 3);
    const std::size_t row_bytes = static_cast<std::size_t>(w.width) * 3;
    for (int y = 0; y < w.height; ++y) {
        const std::size_t from = (static_cast<std::size_t>(w.top + y) * static_cast<std::size_t>(image.width) +
                                  static_cast<std::size_t>(w.left)) * 3;
        std::copy_n(image.rgb.begin() + static_cast<std::ptrdiff_t>(from), row_bytes,
                    out.rgb.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(y) * row_bytes));
    }
    return out;
}

namespace io::detail {

/// 1-D resampling weights: output i reads source indices index[i·stride + k] with
/// weight[i·stride + k] for k < count[i]. Both resamplers are one of these per axis.
struct Taps {
    int stride = 0;
    std::vector<int> count;
    std::vector<int> index;
    std::vector<double> weight;
};

/// tf_inception: src = (d + 0.5)·size/out − 0.5, clamped to [0, size − 1]; two taps
/// (i0, 1 − f) and (i1, f), offset by where the crop starts.
inline Taps bilinear_taps(int offset, int size, int out) {
    Taps t{2, std::vector<int>(static_cast<std::size_t>(out), 2), std::vector<int>(static_cast<std::size_t>(out) * 2),
           std::vector<double>(static_cast<std::size_t>(out) * 2)};
    for (int d = 0; d < out; ++d) {
        double src = (d + 0.5) * size / out - 0.5;
        src = std::clamp(src, 0.0, static_cast<double>(size - 1));
        const int i0 = static_cast<int>(std::floor(src));
        const int i1 = std::min(i0 + 1, size - 1);
        const double f = src - i0;
        const auto at = static_cast<std::size_t>(d) * 2;
        t.index[at] = offset + i0;
        t.index[at + 1] = offset + i1;
        t.weight[at] = 1 - f;
        t.weight[at + 1] = f;
    }
    return t;
}

/// Antialiased bilinear as PIL's and torchvision's `antialias=True`: a triangle
/// filter whose half-width is max(1, size/out) source pixels, weights renormalised
/// at the borders. Only outputs [first, first + n) are computed (the crop after the resize).
inline Taps antialias_taps(int size, int out, int first, int n) {
    const double scale = static_cast<double>(size) / out;
    const double stretch = std::max(scale, 1.0);
    const double support = stretch;  // the triangle's support is 1 at scale 1
    const int stride = static_cast<int>(std::ceil(support)) * 2 + 1;
    Taps t{stride, std::vector<int>(static_cast<std::size_t>(n)),
           std::vector<int>(static_cast<std::size_t>(n) * static_cast<std::size_t>(stride)),
           std::vector<double>(static_cast<std::size_t>(n) * static_cast<std::size_t>(stride))};
    for (int i = 0; i < n; ++i) {
        const double center = (first + i + 0.5) * scale;
        // The +0.5 and truncation are how PIL rounds the support's ends (not lround).
        const int lo = std::max(static_cast<int>(center - support + 0.5), 0);  // NOLINT(bugprone-incorrect-roundings)
        const int hi = std::min(static_cast<int>(center + support + 0.5), size);  // NOLINT(bugprone-incorrect-roundings)
        const auto at = static_cast<std::size_t>(i) * static_cast<std::size_t>(stride);
        double total = 0;
        int k = 0;
        for (int x = lo; x < hi && k < stride; ++x, ++k) {
            const double w = std::max(0.0, 1.0 - std::abs((x - center + 0.5) / stretch));
            t.index[at + static_cast<std::size_t>(k)] = x;
            t.weight[at + static_cast<std::size_t>(k)] = w;
            total += w;
        }
        if (total != 0)
            for (int j = 0; j < k; ++j) t.weight[at + static_cast<std::size_t>(j)] /= total;
        t.count[static_cast<std::size_t>(i)] = k;
    }
    return t;
}

/// Separable resampling in float64: each needed source row is filtered along x
/// first, then the filtered rows are combined along y (the reference's order).
/// Returns rows.count.size() × cols.count.size() × 3 pixel values in [0, 255].
inline std::vector<double> resample(const Image& src, const Taps& rows, const Taps& cols) {
    const std::size_t out_h = rows.count.size(), out_w = cols.count.size();
    int first_row = src.height, last_row = -1;
    for (std::size_t i = 0; i < out_h; ++i)
        for (int k = 0; k < rows.count[i]; ++k) {
            const int r = rows.index[i * static_cast<std::size_t>(rows.stride) + static_cast<std::size_t>(k)];
            first_row = std::min(first_row, r);
            last_row = std::max(last_row, r);
        }
    if (last_row < first_row) return std::vector<double>(out_h * out_w * 3, 0.0);

    const std::size_t width = static_cast<std::size_t>(src.width);
    std::vector<double> filtered(static_cast<std::size_t>(last_row - first_row + 1) * out_w * 3);
    for (int r = first_row; r <= last_row; ++r) {
        const std::uint8_t* line = src.rgb.data() + static_cast<std::size_t>(r) * width * 3;
        double* dst = filtered.data() + static_cast<std::size_t>(r - first_row) * out_w * 3;
        for (std::size_t j = 0; j < out_w; ++j) {
            const std::size_t at = j * static_cast<std::size_t>(cols.stride);
            for (int c = 0; c < 3; ++c) {
                double sum = 0;
                for (int k = 0; k < cols.count[j]; ++k)
                    sum += line[static_cast<std::size_t>(cols.index[at + static_cast<std::size_t>(k)]) * 3 +
                                static_cast<std::size_t>(c)] *
                           cols.weight[at + static_cast<std::size_t>(k)];
                dst[j * 3 + static_cast<std::size_t>(c)] = sum;
            }
        }
    }

    std::vector<double> out(out_h * out_w * 3);
    for (std::size_t i = 0; i < out_h; ++i) {
        const std::size_t at = i * static_cast<std::size_t>(rows.stride);
        for (std::size_t v = 0; v < out_w * 3; ++v) {
            double sum = 0;
            for (int k = 0; k < rows.count[i]; ++k)
                sum += filtered[static_cast<std::size_t>(rows.index[at + static_cast<std::size_t>(k)] - first_row) *
                                    out_w * 3 +
                                v] *
                       rows.weight[at + static_cast<std::size_t>(k)];
            out[i * out_w * 3 + v] = sum;
        }
    }
    return out;
}

inline void require_image(const Image& image, const char* who) {
    require(image.width >= 1 && image.height >= 1 &&
                image.rgb.size() == static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3,
            ErrorKind::argument,
            std::string(who) + ": image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                " with " + std::to_string(image.rgb.size()) + " bytes (expected width*height*3 > 0)");
}

}  // namespace io::detail

/// Bilinear resize of the `window` of `image` to out_height × out_width, half-pixel
/// centres, clamped, no antialias (tf_inception). Float64 pixel values, H×W×3.
inline std::vector<double> resize_bilinear(const Image& image, Window window, int out_height, int out_width) {
    io::detail::require_image(image, "resize_bilinear");
    require(window.top >= 0 && window.left >= 0 && window.height >= 1 && window.width >= 1 &&
                window.top + window.height <= image.height && window.left + window.width <= image.width &&
                out_height >= 1 && out_width >= 1,
            ErrorKind::argument, "resize_bilinear: window outside the image or empty output");
    return io::detail::resample(image, io::detail::bilinear_taps(window.top, window.height, out_height),
                                io::detail::bilinear_taps(window.left, window.width, out_width));
}

/// Antialiased bilinear resize of the whole image to out_height × out_width, of which
/// only `keep` (a window of the resized image) is computed and returned. Float64, H×W×3.
inline std::vector<double> resize_antialias(const Image& image, int out_height, int out_width, Window keep) {
    io::detail::require_image(image, "resize_antialias");
    require(out_height >= 1 && out_width >= 1 && keep.top >= 0 && keep.left >= 0 && keep.height >= 1 &&
                keep.width >= 1 && keep.top + keep.height <= out_height && keep.left + keep.width <= out_width,
            ErrorKind::argument, "resize_antialias: kept window outside the output or empty output");
    return io::detail::resample(image, io::detail::antialias_taps(image.height, out_height, keep.top, keep.height),
                                io::detail::antialias_taps(image.width, out_width, keep.left, keep.width));
}

/// ImageNet mean of p/255 per RGB channel, as torchvision normalises.
inline constexpr double imagenet_mean[3] = {0.485, 0.456, 0.406};
/// ImageNet standard deviation of p/255 per RGB channel, as torchvision normalises.
inline constexpr double imagenet_std[3] = {0.229, 0.224, 0.225};

/// The network input for `image`: 1 × R × R × 3 floats, NHWC, RGB.
inline std::vector<float> preprocess(const Image& image, InputSpec spec) {
    io::detail::require_image(image, "preprocess");
    require(spec.resolution >= 1 && spec.resolution <= 8192, ErrorKind::argument,
            "preprocess: resolution must be in [1, 8192], got " + std::to_string(spec.resolution));
    const int r = spec.resolution;
    std::vector<double> pixels;
    if (spec.preset == Preprocess::tf_inception) {
        pixels = resize_bilinear(image, tf_inception_crop(image.height, image.width), r, r);
    } else {
        const ImageSize resized = resize_short_side(image.height, image.width, torchvision_resize_size(r));
        pixels = resize_antialias(image, resized.height, resized.width, center_crop(resized.height, resized.width, r, r));
    }

    std::vector<float> input(pixels.size());
    if (spec.preset == Preprocess::tf_inception) {
        for (std::size_t i = 0; i < pixels.size(); ++i) input[i] = static_cast<float>(pixels[i] / 127.5 - 1.0);
    } else {
        for (std::size_t i = 0; i < pixels.size(); ++i)
            input[i] = static_cast<float>((pixels[i] / 255.0 - imagenet_mean[i % 3]) / imagenet_std[i % 3]);
    }
    return input;
}

}  // namespace mnet
