// MobileNetV1 (Howard et al. 2017, Table 1) from {α, resolution, classes,
// padding}: a 3x3/2 stem and 13 depthwise-separable pairs, each layer with
// max(int(c·α), 8) channels as TF-slim computes them (truncation, not rounding).
// Weight names follow the torchvision layout of a Sequential per pair:
// features.k.{0,1} = depthwise conv + BN, features.k.{3,4} = 1x1 conv + BN.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mnet/models/graph.hpp"

namespace mnet {

/// MobileNetV1 (Howard et al. 2017): a 3x3 stem and 13 depthwise-separable pairs,
/// channels int(c·α) as TF-slim rounds them.
struct MobileNetV1 {
    /// A row of the paper's tables: width multiplier, resolution, classes, padding.
    struct Config {
        float width = 1.0f;                  ///< width multiplier α
        int resolution = 224;                ///< input height = width
        int num_classes = 1001;              ///< 1001: TF-slim (0 = background); 0: no classifier
        Padding padding = Padding::tf_same;  ///< tf_same for TensorFlow weights
    };

    /// One depthwise-separable pair: pointwise output channels and depthwise stride.
    struct PairSpec {
        int c;  ///< pointwise output channels (before α)
        int s;  ///< depthwise stride
    };
    /// The 13 pairs of the paper's Table 1.
    static constexpr std::array<PairSpec, 13> pairs{{{64, 1},
                                                     {128, 2},
                                                     {128, 1},
                                                     {256, 2},
                                                     {256, 1},
                                                     {512, 2},
                                                     {512, 1},
                                                     {512, 1},
                                                     {512, 1},
                                                     {512, 1},
                                                     {512, 1},
                                                     {1024, 2},
                                                     {1024, 1}}};

    /// TF-slim's `depth(d) = max(int(d·α), min_depth)` with min_depth 8.
    static constexpr int channels(int c, float width) noexcept {
        return std::max(static_cast<int>(c * static_cast<double>(width)), 8);
    }

    /// Convolution and classifier weights (biases not counted) of the graph `build`
    /// makes, computed without building it: a loader compares this with what a
    /// file holds before it allocates a graph the file could never fill.
    static std::uint64_t weight_count(const Config& config) noexcept {
        using U = std::uint64_t;
        U in = static_cast<U>(channels(32, config.width));
        U n = in * 3 * 3 * 3;
        for (const PairSpec& pair : pairs) {
            const U out = static_cast<U>(channels(pair.c, config.width));
            n += in * 9 + in * out;  // depthwise 3x3, pointwise
            in = out;
        }
        return n + in * static_cast<U>(config.num_classes);
    }

    /// The graph of `config`, weights zero (fill them through Graph::weight_slots).
    /// Throws Error(argument) unless width and resolution are positive and classes ≥ 0.
    static Graph build(const Config& config) {
        if (!(config.width > 0.0f && config.resolution >= 1 && config.num_classes >= 0))
            detail::fail(ErrorKind::argument, {"MobileNetV1: width and resolution must be positive, num_classes >= 0 (0: no classifier)"});
        std::vector<Node> nodes;
        int in_c = channels(32, config.width);
        nodes.push_back({Stem(3, in_c), "features.0", "features.0.0", "features.0.1"});
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            const std::string name = "features." + std::to_string(k + 1);
            if (pairs[k].s == 2)
                nodes.push_back({DepthwiseConv<3, Stride<2>, ReLU6>(in_c), name + ".dw", name + ".0", name + ".1"});
            else
                nodes.push_back({DepthwiseConv<3, Stride<1>, ReLU6>(in_c), name + ".dw", name + ".0", name + ".1"});
            const int out_c = channels(pairs[k].c, config.width);
            nodes.push_back({PointwiseConv<ReLU6>(in_c, out_c), name + ".pw", name + ".3", name + ".4"});
            in_c = out_c;
        }
        nodes.push_back({GlobalAvgPool{}, "avgpool", "", ""});
        if (config.num_classes > 0)  // 0: a feature extractor, ending at the pooled features
            nodes.push_back({Classifier(in_c, config.num_classes), "classifier", "classifier.1", ""});
        return Graph({config.resolution, config.resolution, 3}, config.padding, std::move(nodes));
    }
};

}  // namespace mnet
