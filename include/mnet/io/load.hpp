// mnet::load — one entry point for every weight file mnet reads, chosen by extension.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"

namespace mnet {

/// Loads a model from a `.safetensors` file (torchvision naming) or a `.tflite` file.
inline Model load(const std::string& path) {
    if (path.ends_with(".safetensors")) return io::load_safetensors(path);
    if (path.ends_with(".tflite")) return io::load_tflite(path);
    throw Error(ErrorKind::unsupported, path + ": unknown model file type (expected .safetensors or .tflite)");
}

/// Loads a model stored as one file, or as several files that chain into one
/// network (e.g. a .tflite feature extractor followed by its classifier head).
inline Model load(const std::vector<std::string>& paths) {
    require(!paths.empty(), ErrorKind::argument, "load: no model file given");
    if (paths.size() == 1) return load(paths.front());
    if (std::all_of(paths.begin(), paths.end(), [](const std::string& p) { return p.ends_with(".tflite"); }))
        return io::load_tflite(paths);
    throw Error(ErrorKind::unsupported, paths.front() + ": chaining several model files is not supported for this file type");
}

}  // namespace mnet
