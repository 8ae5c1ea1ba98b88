// The out-of-line mnet::load for programs built with MNET_SEPARATE_LOADERS (see
// io/load.hpp): include this in exactly one TU of the program. That TU alone
// parses and compiles the safetensors and .tflite readers; every other TU sees a
// declaration. Without the macro, mnet::load is inline and this header is not needed.
#pragma once

#ifndef MNET_SEPARATE_LOADERS
#error "<mnet/loaders.hpp> is for programs built with MNET_SEPARATE_LOADERS (in every TU); without it mnet::load is inline"
#endif

#include "mnet/io/detail/load_by_extension.hpp"
#include "mnet/io/load.hpp"

namespace mnet {

Model load(const std::string& path) { return io::detail::load_by_extension(path); }
Model load(const std::vector<std::string>& paths) { return io::detail::load_by_extension(paths); }

}  // namespace mnet
