// mnet — header-only MobileNetV1/V2 inference. Umbrella header: includes only.
#pragma once

#include "mnet/version.hpp"
#include "mnet/core/error.hpp"
#include "mnet/core/shape.hpp"
#include "mnet/layers/activation.hpp"
#include "mnet/layers/conv2d.hpp"
#include "mnet/layers/depthwise_conv.hpp"
#include "mnet/layers/pointwise_conv.hpp"
#include "mnet/layers/inverted_residual.hpp"
#include "mnet/layers/pooling.hpp"
#include "mnet/layers/classifier.hpp"
#include "mnet/models/mobilenet_v1.hpp"
#include "mnet/models/mobilenet_v2.hpp"
#include "mnet/models/model.hpp"
#include "mnet/runtime/session.hpp"
#include "mnet/runtime/postprocess.hpp"
#include "mnet/runtime/mask.hpp"
#include "mnet/io/load.hpp"
#include "mnet/io/image.hpp"
#include "mnet/io/preprocess.hpp"
#include "mnet/io/segmentation.hpp"
#include "mnet/io/mask_image.hpp"
#include "mnet/io/png.hpp"
#include "mnet/io/labels.hpp"
#include "mnet/stats/complexity.hpp"
#include "mnet/stats/memory.hpp"

/// \namespace mnet
/// Everything a host uses: mnet::load, mnet::Session, mnet::read_image,
/// mnet::preprocess, mnet::top_k, the layer templates and the MobileNet graphs.
/// \namespace mnet::io
/// The file formats behind mnet::load: safetensors and .tflite readers.
/// \namespace mnet::stats
/// Complexity reports (multiply-adds and parameters per layer).
