// The definition of mnet::load (io/load.hpp): pick the reader by file extension.
// Included by io/load.hpp (header-only) or only by <mnet/loaders.hpp>
// (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "mnet/io/load.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/transfer/features.hpp"
#include "mnet/transfer/head_file.hpp"

namespace mnet {

MNET_LOADERS_INLINE Model load(const std::string& path) {
    if (path.ends_with(".safetensors")) {
        const io::SafetensorsFile file(path);
        if (is_head_file(file))
            file.fail(ErrorKind::argument, {"a classifier head (mnet-imprint): load it after its base model, "
                                            "mnet::load({base, head})"});
        return io::load_safetensors(file);
    }
    if (path.ends_with(".tflite")) return io::load_tflite(path);
    detail::fail(ErrorKind::unsupported, {path, ": unknown model file type (expected .safetensors or .tflite)"});
}

MNET_LOADERS_INLINE Model load(const std::vector<std::string>& paths) {
    if (paths.empty()) detail::fail(ErrorKind::argument, {"load: no model file given"});
    if (paths.size() == 1) return load(paths.front());
    // A head file last (transfer/head_file.hpp) replaces the classifier of the model before it.
    if (paths.back().ends_with(".safetensors")) {
        const io::SafetensorsFile last(paths.back());
        if (is_head_file(last))
            return attach_head(load(std::vector<std::string>(paths.begin(), paths.end() - 1)),
                               std::make_shared<const Head>(detail::head_from(last)));
    }
    if (std::all_of(paths.begin(), paths.end(), [](const std::string& p) { return p.ends_with(".tflite"); }))
        return io::load_tflite(paths);
    detail::fail(ErrorKind::unsupported,
                 {paths.front(), ": chaining several model files is not supported for this file type"});
}

}  // namespace mnet
