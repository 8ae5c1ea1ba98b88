// mnet::load — one entry point for every weight file mnet reads, chosen by extension.
#pragma once

#include <string>

#include "mnet/io/safetensors_model.hpp"

namespace mnet {

/// Loads a model from a `.safetensors` file (torchvision naming).
inline Model load(const std::string& path) {
    if (path.ends_with(".safetensors")) return io::load_safetensors(path);
    throw Error(ErrorKind::unsupported, path + ": unknown model file type (expected .safetensors)");
}

}  // namespace mnet
