// The definition of mnet::load (io/load.hpp): pick the reader by file extension.
// Included by io/load.hpp (header-only) or only by <mnet/loaders.hpp>
// (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "mnet/io/load.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"

namespace mnet {

MNET_LOADERS_INLINE Model load(const std::string& path) {
    if (path.ends_with(".safetensors")) return io::load_safetensors(path);
    if (path.ends_with(".tflite")) return io::load_tflite(path);
    detail::fail(ErrorKind::unsupported, {path, ": unknown model file type (expected .safetensors or .tflite)"});
}

MNET_LOADERS_INLINE Model load(const std::vector<std::string>& paths) {
    if (paths.empty()) detail::fail(ErrorKind::argument, {"load: no model file given"});
    if (paths.size() == 1) return load(paths.front());
    if (std::all_of(paths.begin(), paths.end(), [](const std::string& p) { return p.ends_with(".tflite"); }))
        return io::load_tflite(paths);
    detail::fail(ErrorKind::unsupported,
                 {paths.front(), ": chaining several model files is not supported for this file type"});
}

}  // namespace mnet
