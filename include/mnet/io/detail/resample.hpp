// The definitions behind io/preprocess.hpp and io/segmentation.hpp: crop, the
// float64 resamplers (per-axis tap tables, then a separable pass), preprocess and
// prepare_segmentation. Included by
// io/preprocess.hpp (header-only) or only by <mnet/loaders.hpp>
// (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/preprocess.hpp"
#include "mnet/io/segmentation.hpp"

namespace mnet {

MNET_LOADERS_INLINE Image crop(const Image& image, Window w) {
    if (!(w.top >= 0 && w.left >= 0 && w.height >= 1 && w.width >= 1 && w.top + w.height <= image.height &&
          w.left + w.width <= image.width))
        detail::fail(ErrorKind::argument, {"crop: window outside the image"});
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

/// a·b rounded to double on its own: a fused multiply-add (what -march=native and
/// -ffp-contract=fast make of `sum += a * b`) rounds differently, and exact .5 ties of the
/// resized pixels must land where the reference's do (preprocess_pixels rounds them).
inline double product(double a, double b) noexcept {
    volatile double p = a * b;
    return p;
}

/// tf_inception: src = (d + 0.5)·(size/out) − 0.5, clamped to [0, size − 1]; two taps
/// (i0, 1 − f) and (i1, f), offset by where the crop starts. The scale size/out is
/// rounded first, as the reference does: many resized pixels are exact .5 ties in
/// real arithmetic, and the uint8 input of the integer models (floor(p + 0.5)) then
/// depends on which way float64 errs — (d + 0.5)·size/out flips 21 of chelsea's.
inline Taps bilinear_taps(int offset, int size, int out) {
    Taps t{2, std::vector<int>(static_cast<std::size_t>(out), 2), std::vector<int>(static_cast<std::size_t>(out) * 2),
           std::vector<double>(static_cast<std::size_t>(out) * 2)};
    const double scale = static_cast<double>(size) / out;
    for (int d = 0; d < out; ++d) {
        double src = product(d + 0.5, scale) - 0.5;
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

/// deeplab (TF's resize with align_corners = true): src = d·(size − 1)/(out − 1), 0 when
/// out = 1; two taps (i0, 1 − f) and (i1, f). size = out gives src = d exactly, so an
/// image already at its target size comes through unchanged.
inline Taps align_corners_taps(int size, int out) {
    Taps t{2, std::vector<int>(static_cast<std::size_t>(out), 2), std::vector<int>(static_cast<std::size_t>(out) * 2),
           std::vector<double>(static_cast<std::size_t>(out) * 2)};
    for (int d = 0; d < out; ++d) {
        const double src = out > 1 ? static_cast<double>(d) * (size - 1) / (out - 1) : 0.0;
        const int i0 = std::min(static_cast<int>(std::floor(src)), size - 1);
        const int i1 = std::min(i0 + 1, size - 1);
        const double f = src - i0;
        const auto at = static_cast<std::size_t>(d) * 2;
        t.index[at] = i0;
        t.index[at + 1] = i1;
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
                    sum += product(line[static_cast<std::size_t>(cols.index[at + static_cast<std::size_t>(k)]) * 3 +
                                        static_cast<std::size_t>(c)],
                                   cols.weight[at + static_cast<std::size_t>(k)]);
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
                sum += product(filtered[static_cast<std::size_t>(rows.index[at + static_cast<std::size_t>(k)] - first_row) *
                                            out_w * 3 +
                                        v],
                               rows.weight[at + static_cast<std::size_t>(k)]);
            out[i * out_w * 3 + v] = sum;
        }
    }
    return out;
}

inline void require_image(const Image& image, const char* who) {
    if (!(image.width >= 1 && image.height >= 1 &&
          image.rgb.size() == static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3))
        mnet::detail::fail(ErrorKind::argument, {who, ": image is ", image.width, "x", image.height, " with ",
                                                 image.rgb.size(), " bytes (expected width*height*3 > 0)"});
}

}  // namespace io::detail

MNET_LOADERS_INLINE std::vector<double> resize_bilinear(const Image& image, Window window, int out_height, int out_width) {
    io::detail::require_image(image, "resize_bilinear");
    if (!(window.top >= 0 && window.left >= 0 && window.height >= 1 && window.width >= 1 &&
          window.top + window.height <= image.height && window.left + window.width <= image.width &&
          out_height >= 1 && out_width >= 1))
        detail::fail(ErrorKind::argument, {"resize_bilinear: window outside the image or empty output"});
    return io::detail::resample(image, io::detail::bilinear_taps(window.top, window.height, out_height),
                                io::detail::bilinear_taps(window.left, window.width, out_width));
}

MNET_LOADERS_INLINE std::vector<double> resize_antialias(const Image& image, int out_height, int out_width, Window keep) {
    io::detail::require_image(image, "resize_antialias");
    if (!(out_height >= 1 && out_width >= 1 && keep.top >= 0 && keep.left >= 0 && keep.height >= 1 &&
          keep.width >= 1 && keep.top + keep.height <= out_height && keep.left + keep.width <= out_width))
        detail::fail(ErrorKind::argument, {"resize_antialias: kept window outside the output or empty output"});
    return io::detail::resample(image, io::detail::antialias_taps(image.height, out_height, keep.top, keep.height),
                                io::detail::antialias_taps(image.width, out_width, keep.left, keep.width));
}

MNET_LOADERS_INLINE SegmentationInput prepare_segmentation(const Image& image, InputSpec spec) {
    io::detail::require_image(image, "prepare_segmentation");
    if (spec.resolution < 1 || spec.resolution > 8192)
        detail::fail(ErrorKind::argument,
                     {"prepare_segmentation: resolution must be in [1, 8192], got ", spec.resolution});
    if (spec.preset != Preprocess::deeplab)
        detail::fail(ErrorKind::argument, {"prepare_segmentation: the input spec's preset is ", to_string(spec.preset),
                                           ", not deeplab (a classification model?)"});
    const Letterbox box = deeplab_letterbox(image.height, image.width, spec.resolution);
    const auto r = static_cast<std::size_t>(spec.resolution);
    const auto valid_w = static_cast<std::size_t>(box.valid_width);
    SegmentationInput out{std::vector<float>(r * r * 3, 0.0f), box};  // 0.0f: the padding, p = 128
    auto put_row = [&](std::size_t y, auto pixel) {
        float* dst = out.input.data() + y * r * 3;
        for (std::size_t v = 0; v < valid_w * 3; ++v) dst[v] = static_cast<float>((pixel(v) - 128.0) / 128.0);
    };
    if (box.valid_height == image.height && box.valid_width == image.width) {
        // no resampling at all: the reference feeds the PNG's own pixels
        for (std::size_t y = 0; y < static_cast<std::size_t>(image.height); ++y) {
            const std::uint8_t* line = image.rgb.data() + y * valid_w * 3;
            put_row(y, [line](std::size_t v) { return static_cast<double>(line[v]); });
        }
        return out;
    }
    const std::vector<double> pixels =
        io::detail::resample(image, io::detail::align_corners_taps(image.height, box.valid_height),
                             io::detail::align_corners_taps(image.width, box.valid_width));
    for (std::size_t y = 0; y < static_cast<std::size_t>(box.valid_height); ++y) {
        const double* line = pixels.data() + y * valid_w * 3;
        put_row(y, [line](std::size_t v) { return line[v]; });
    }
    return out;
}

MNET_LOADERS_INLINE std::vector<float> preprocess(const Image& image, InputSpec spec) {
    io::detail::require_image(image, "preprocess");
    if (spec.resolution < 1 || spec.resolution > 8192)
        detail::fail(ErrorKind::argument, {"preprocess: resolution must be in [1, 8192], got ", spec.resolution});
    if (spec.preset == Preprocess::deeplab) return prepare_segmentation(image, spec).input;
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

MNET_LOADERS_INLINE std::vector<std::uint8_t> preprocess_pixels(const Image& image, InputSpec spec) {
    io::detail::require_image(image, "preprocess_pixels");
    if (spec.resolution < 1 || spec.resolution > 8192)
        detail::fail(ErrorKind::argument, {"preprocess_pixels: resolution must be in [1, 8192], got ", spec.resolution});
    const int r = spec.resolution;
    auto round_pixel = [](double p) { return static_cast<std::uint8_t>(std::clamp(std::floor(p + 0.5), 0.0, 255.0)); };
    if (spec.preset == Preprocess::deeplab) {
        const Letterbox box = deeplab_letterbox(image.height, image.width, r);
        const auto side = static_cast<std::size_t>(r);
        const auto valid_w = static_cast<std::size_t>(box.valid_width);
        std::vector<std::uint8_t> out(side * side * 3, 128);  // the padding: p = 128, x = 0
        if (box.valid_height == image.height && box.valid_width == image.width) {
            for (std::size_t y = 0; y < static_cast<std::size_t>(image.height); ++y)
                std::copy_n(image.rgb.data() + y * valid_w * 3, valid_w * 3, out.data() + y * side * 3);
            return out;
        }
        const std::vector<double> pixels =
            io::detail::resample(image, io::detail::align_corners_taps(image.height, box.valid_height),
                                 io::detail::align_corners_taps(image.width, box.valid_width));
        for (std::size_t y = 0; y < static_cast<std::size_t>(box.valid_height); ++y)
            for (std::size_t v = 0; v < valid_w * 3; ++v) out[y * side * 3 + v] = round_pixel(pixels[y * valid_w * 3 + v]);
        return out;
    }
    std::vector<double> pixels;
    if (spec.preset == Preprocess::tf_inception) {
        pixels = resize_bilinear(image, tf_inception_crop(image.height, image.width), r, r);
    } else {
        const ImageSize resized = resize_short_side(image.height, image.width, torchvision_resize_size(r));
        pixels = resize_antialias(image, resized.height, resized.width, center_crop(resized.height, resized.width, r, r));
    }
    std::vector<std::uint8_t> out(pixels.size());
    for (std::size_t i = 0; i < pixels.size(); ++i) out[i] = round_pixel(pixels[i]);
    return out;
}

}  // namespace mnet
