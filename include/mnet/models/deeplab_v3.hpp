// DeepLabv3 with a MobileNetV2 backbone ("Mobile DeepLabv3", MobileNetV2 §6.3):
// the V2 blocks with the last stages dilated instead of strided (output stride 16
// or 8), no 1280-channel conv, then the ASPP head as Google's files build it — a
// 1x1 branch (256, ReLU) and an image-pooling branch (global average → 1x1 conv
// 256, ReLU → bilinear back to the feature map, corners aligned), concatenated,
// projected by a 1x1 conv (256, ReLU) and turned into per-class logits by a 1x1
// conv with bias. The logits stay at the feature map's resolution (33×33 for a
// 513×513 input at stride 16): upsampling them to the image and the arg-max are the
// caller's (runtime/segmentation.hpp), as the model's ResizeFlags say.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mnet/models/mobilenet_v2.hpp"

namespace mnet {

/// DeepLabv3 on MobileNetV2 (α 1.0 or 0.5 as Google ships it; any α builds).
struct DeepLabV3 {
    /// Width, input size, classes, output stride, padding.
    struct Config {
        float width = 1.0f;                  ///< MobileNetV2 width multiplier α
        int resolution = 513;                ///< native input height = width
        int num_classes = 21;                ///< PASCAL VOC: background + 20
        int output_stride = 16;              ///< 16 (Google's files) or 8
        Padding padding = Padding::tf_same;  ///< TensorFlow SAME
    };
    /// The backbone's channel divisor as Google's DeepLab files have it: 8 at α = 1, else 1
    /// (TensorFlow DeepLab's `divisible_by`), channels never below 8.
    static constexpr int channel_divisor(float width) noexcept { return width == 1.0f ? 8 : 1; }
    /// Channels of the ASPP branches and the projection.
    static constexpr int aspp_channels = 256;
    /// How the logits are brought to the image (the files' RESIZE_BILINEAR flags).
    static constexpr ResizeFlags upsample{true, false};

    /// Weights (biases not counted) of the graph `build` makes, without building it.
    static std::uint64_t weight_count(const Config& config) noexcept {
        using U = std::uint64_t;
        const int divisor = channel_divisor(config.width);
        const U last_in = static_cast<U>(MobileNetV2::channels(320, config.width, divisor));
        const U last = static_cast<U>(MobileNetV2::last_channels(config.width));
        const U backbone =
            MobileNetV2::weight_count({config.width, config.resolution, 0, config.padding}, divisor) - last_in * last;
        const U a = aspp_channels;
        return backbone + 2 * last_in * a + 2 * a * a + a * static_cast<U>(config.num_classes);
    }

    /// The graph of `config`, weights zero. Error(argument) on a width, resolution or
    /// class count that is not positive, or an output stride other than 8, 16 or 32.
    static Graph build(const Config& config) {
        if (!(config.width > 0.0f && config.resolution >= 1 && config.num_classes >= 1))
            detail::fail(ErrorKind::argument, {"DeepLabV3: width, resolution and num_classes must be positive"});
        if (config.output_stride != 8 && config.output_stride != 16 && config.output_stride != 32)
            detail::fail(ErrorKind::argument, {"DeepLabV3: output stride must be 8, 16 or 32, got ", config.output_stride});
        std::vector<Node> nodes;
        const int features =
            MobileNetV2::append_backbone(config.width, config.output_stride, nodes, channel_divisor(config.width));
        const int backbone = static_cast<int>(nodes.size());  // tensor id of the backbone output
        const int a = aspp_channels;
        nodes.push_back({PointwiseConv<ReLU>(features, a), "aspp0", "aspp0", "", {backbone}});
        const int aspp0 = backbone + 1;
        nodes.push_back({GlobalAvgPool{}, "image_pooling.pool", "", "", {backbone}});
        nodes.push_back({PointwiseConv<ReLU>(features, a), "image_pooling", "image_pooling", "", {aspp0 + 1}});
        nodes.push_back({ResizeBilinear(upsample), "image_pooling.resize", "", "", {aspp0 + 2, backbone}});
        nodes.push_back({Concat{}, "concat", "", "", {aspp0 + 3, aspp0}});
        nodes.push_back({PointwiseConv<ReLU>(2 * a, a), "concat_projection", "concat_projection", "", {}});
        nodes.push_back({PointwiseConv<Linear>(a, config.num_classes), "logits", "logits", "", {}});
        return Graph({config.resolution, config.resolution, 3}, config.padding, std::move(nodes));
    }
};

}  // namespace mnet
