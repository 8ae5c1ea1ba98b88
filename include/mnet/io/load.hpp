// mnet::load — one entry point for every weight file mnet reads, chosen by extension.
#pragma once

#include <string>
#include <vector>

#include "mnet/io/safetensors_model.hpp"

namespace mnet {

/// Loads a model from a `.safetensors` file (torchvision naming).
inline Model load(const std::string& path) {
    if (path.ends_with(".safetensors")) return io::load_safetensors(path);
    throw Error(ErrorKind::unsupported, path + ": unknown model file type (expected .safetensors)");
}

/// Loads a model stored as one file, or as several files that chain into one
/// network (e.g. a .tflite feature extractor followed by its classifier head).
inline Model load(const std::vector<std::string>& paths) {
    require(!paths.empty(), ErrorKind::argument, "load: no model file given");
    if (paths.size() == 1) return load(paths.front());
    throw Error(ErrorKind::unsupported, paths.front() + ": chaining several model files is not supported for this file type");
}

}  // namespace mnet
