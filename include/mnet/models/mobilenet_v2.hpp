// MobileNetV2 (Sandler et al. 2018, Table 2) from {α, resolution, classes,
// padding}. Channel rounding as TF-slim and torchvision do it: every layer gets
// make_divisible(c·α, 8), never below 90 % of c·α; the last 1x1 conv keeps 1280
// for α ≤ 1 and scales above. Weight names follow torchvision's state dict.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/models/graph.hpp"

namespace mnet {

/// MobileNetV2 (Sandler et al. 2018): a 3x3 stem, 17 inverted residual blocks, a
/// 1x1 conv to 1280 channels, pooling and the classifier; channels make_divisible(c·α, 8).
struct MobileNetV2 {
    /// A row of the TF-slim table: width multiplier, resolution, classes, padding.
    struct Config {
        float width = 1.0f;        ///< width multiplier α
        int resolution = 224;      ///< input height = width
        int num_classes = 1001;    ///< 1001: TF-slim (0 = background); 1000: torchvision; 0: no classifier
        Padding padding = Padding::tf_same;  ///< tf_same for TensorFlow weights
    };

    /// One row of the paper's table: expansion t, channels c, repeats n, stride s.
    struct StageSpec {
        int t;  ///< expansion ratio
        int c;  ///< output channels (before α)
        int n;  ///< number of blocks
        int s;  ///< stride of the first block
    };
    /// The 7 stages of the paper's Table 2.
    static constexpr std::array<StageSpec, 7> stages{{
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}}};

    /// The reference rounding (TF-slim `_make_divisible`, torchvision `_make_divisible`):
    /// the nearest multiple of `divisor`, at least `min_value` (0: the divisor), never
    /// below 90 % of `value`.
    static constexpr int make_divisible(double value, int divisor = 8, int min_value = 0) noexcept {
        int rounded = static_cast<int>(value + divisor / 2.0) / divisor * divisor;
        rounded = std::max(min_value > 0 ? min_value : divisor, rounded);
        if (rounded < 0.9 * value) rounded += divisor;
        return rounded;
    }
    /// Channels of a layer of `c` channels at width α: make_divisible(c·α, divisor), at least 8.
    static constexpr int channels(int c, float width, int divisor = 8) noexcept {
        return make_divisible(c * static_cast<double>(width), divisor, 8);
    }
    /// Channels of the stem conv: make_divisible(32·α).
    static constexpr int stem_channels(float width, int divisor = 8) noexcept { return channels(32, width, divisor); }
    /// Channels of the last 1x1 conv: 1280, or make_divisible(1280·α) for α > 1.
    static constexpr int last_channels(float width) noexcept {
        return make_divisible(1280.0 * std::max(1.0f, width));
    }

    /// Convolution and classifier weights (biases not counted) of the graph `build`
    /// makes, computed without building it: a loader compares this with what a
    /// file holds before it allocates a graph the file could never fill.
    /// `divisor`: channel counts are its multiples (8 for every published classifier;
    /// Google's DeepLab files use 1 when α ≠ 1, so α = 0.5 has 12-channel layers).
    static std::uint64_t weight_count(const Config& config, int divisor = 8) noexcept {
        using U = std::uint64_t;
        U in = static_cast<U>(stem_channels(config.width, divisor));
        U n = in * 3 * 3 * 3;
        for (const StageSpec& stage : stages) {
            const U out = static_cast<U>(channels(stage.c, config.width, divisor));
            for (int i = 0; i < stage.n; ++i) {
                const U hidden = in * static_cast<U>(stage.t);
                if (stage.t != 1) n += in * hidden;  // expand
                n += hidden * 9 + hidden * out;     // depthwise 3x3, project
                in = out;
            }
        }
        const U last = static_cast<U>(last_channels(config.width));
        return n + in * last + last * static_cast<U>(config.num_classes);
    }

    /// Appends the stem and the 17 blocks of `width` to `nodes` and returns their output
    /// channels. Once the accumulated stride reaches `output_stride` (8, 16 or 32; 32 is
    /// the classifier), later strides become 1 and the depthwise convolutions dilate by
    /// the stride they dropped instead (DeepLab's atrous backbone, MobileNetV2 §6.3): the
    /// block that loses its stride keeps the rate so far, the blocks after it dilate.
    /// Channels are multiples of `divisor` (see weight_count).
    static int append_backbone(float width, int output_stride, std::vector<Node>& nodes, int divisor = 8) {
        int in_c = stem_channels(width, divisor);
        nodes.push_back({Stem(3, in_c), "features.0", "features.0.0", "features.0.1"});
        int index = 1, current_stride = 2, dilation = 1;
        for (const StageSpec& stage : stages) {
            const int out_c = channels(stage.c, width, divisor);
            for (int i = 0; i < stage.n; ++i, ++index) {
                const std::string name = "features." + std::to_string(index);
                int stride = i == 0 ? stage.s : 1;
                const int block_dilation = dilation;
                if (stride > 1 && current_stride >= output_stride) {
                    dilation *= stride;
                    stride = 1;
                }
                current_stride *= stride;
                if (stride == 2)
                    nodes.push_back({InvertedResidual<Stride<2>>(in_c, out_c, stage.t, block_dilation), name, "", ""});
                else
                    nodes.push_back({InvertedResidual<Stride<1>>(in_c, out_c, stage.t, block_dilation), name, "", ""});
                in_c = out_c;
            }
        }
        return in_c;
    }

    /// The graph of `config`, weights zero (fill them through Graph::weight_slots).
    /// Throws Error(argument) unless width and resolution are positive and classes ≥ 0.
    static Graph build(const Config& config) {
        if (!(config.width > 0.0f && config.resolution >= 1 && config.num_classes >= 0))
            detail::fail(ErrorKind::argument, {"MobileNetV2: width and resolution must be positive, num_classes >= 0 (0: no classifier)"});
        std::vector<Node> nodes;
        const int in_c = append_backbone(config.width, 32, nodes);
        const int last = last_channels(config.width);
        const std::string name = "features." + std::to_string(nodes.size());
        nodes.push_back({PointwiseConv<ReLU6>(in_c, last), name, name + ".0", name + ".1"});
        nodes.push_back({GlobalAvgPool{}, "avgpool", "", ""});
        if (config.num_classes > 0)  // 0: a feature extractor, ending at the pooled features
            nodes.push_back({Classifier(last, config.num_classes), "classifier", "classifier.1", ""});
        return Graph({config.resolution, config.resolution, 3}, config.padding, std::move(nodes));
    }
};

}  // namespace mnet
