// What mnet::load does: pick the reader by file extension. Kept apart from
// io/load.hpp so that, with MNET_SEPARATE_LOADERS, only the one TU that includes
// <mnet/loaders.hpp> parses and compiles the readers (nlohmann/json, flatbuffers).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"

namespace mnet::io::detail {

inline Model load_by_extension(const std::string& path) {
    if (path.ends_with(".safetensors")) return load_safetensors(path);
    if (path.ends_with(".tflite")) return load_tflite(path);
    throw Error(ErrorKind::unsupported, path + ": unknown model file type (expected .safetensors or .tflite)");
}

inline Model load_by_extension(const std::vector<std::string>& paths) {
    require(!paths.empty(), ErrorKind::argument, "load: no model file given");
    if (paths.size() == 1) return load_by_extension(paths.front());
    if (std::all_of(paths.begin(), paths.end(), [](const std::string& p) { return p.ends_with(".tflite"); }))
        return load_tflite(paths);
    throw Error(ErrorKind::unsupported, paths.front() + ": chaining several model files is not supported for this file type");
}

}  // namespace mnet::io::detail
