// mnet::load — one entry point for every weight file mnet reads, chosen by extension.
//
// Header-only by default: load is inline, so a TU that includes this header
// parses the readers (nlohmann/json, flatbuffers) and, if it calls load, compiles
// them — most of what a classifying TU costs to compile (README, "Compile time"),
// though a program needs it in one place only. A project that defines
// MNET_SEPARATE_LOADERS in all its TUs gets just the declarations here and
// includes <mnet/loaders.hpp> in exactly one TU, which defines them.
#pragma once

#include <string>
#include <vector>

#ifdef MNET_SEPARATE_LOADERS
#include "mnet/models/model.hpp"
#else
#include "mnet/io/detail/load_by_extension.hpp"
#endif

namespace mnet {

#ifdef MNET_SEPARATE_LOADERS
// Defined by <mnet/loaders.hpp>, in one TU of the program; documented below.
Model load(const std::string& path);
Model load(const std::vector<std::string>& paths);
#else
/// Loads a model from a `.safetensors` file (torchvision naming) or a `.tflite` file.
/// Throws Error: io (unreadable), format (malformed), shape (tensors that do not fit
/// the graph) or unsupported (another extension, an op mnet does not run).
inline Model load(const std::string& path) { return io::detail::load_by_extension(path); }

/// Loads a model stored as one file, or as several files that chain into one
/// network (e.g. a .tflite feature extractor followed by its classifier head).
inline Model load(const std::vector<std::string>& paths) { return io::detail::load_by_extension(paths); }
#endif

}  // namespace mnet
