// The out-of-line file and image code for programs built with
// MNET_SEPARATE_LOADERS (io/linkage.hpp): mnet::load, read_image, decode_image,
// crop, the resamplers, preprocess, prepare_segmentation, write_png and
// read_labels. Exactly one TU of the program includes this header; it alone parses
// and compiles the safetensors and .tflite readers and the image checks, and every
// other TU sees declarations. The CMake
// target mnet::mnet compiles that TU for you; without the macro (mnet::header_only,
// or a plain include path) those functions are inline and this header is not needed.
#pragma once

#ifndef MNET_SEPARATE_LOADERS
#error "<mnet/loaders.hpp> is for programs built with MNET_SEPARATE_LOADERS (in every TU); without it these functions are inline"
#endif

#include "mnet/io/detail/image_decode.hpp"
#include "mnet/io/detail/labels_file.hpp"
#include "mnet/io/detail/load_by_extension.hpp"
#include "mnet/io/detail/png_write.hpp"
#include "mnet/io/detail/resample.hpp"
