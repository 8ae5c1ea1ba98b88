// mnet::load — one entry point for every weight file mnet reads, chosen by extension.
// Defined in io/detail/load_by_extension.hpp, which parses and compiles both
// readers (nlohmann/json, flatbuffers): most of what a classifying TU costs to
// compile, though a program needs it in one place only — see io/linkage.hpp.
#pragma once

#include <string>
#include <vector>

#include "mnet/io/linkage.hpp"
#include "mnet/models/model.hpp"

namespace mnet {

/// Loads a model from a `.safetensors` file (torchvision naming) or a `.tflite` file.
/// Throws Error: io (unreadable), format (malformed), shape (tensors that do not fit
/// the graph) or unsupported (another extension, an op mnet does not run).
MNET_LOADERS_INLINE Model load(const std::string& path);

/// Loads a model stored as one file, or as several files that chain into one
/// network (e.g. a .tflite feature extractor followed by its classifier head). A
/// head file from mnet-imprint last (transfer/head_file.hpp) replaces the classifier
/// of the model the files before it make: mnet::load({base, "head.safetensors"}).
MNET_LOADERS_INLINE Model load(const std::vector<std::string>& paths);

}  // namespace mnet

#ifndef MNET_SEPARATE_LOADERS
#include "mnet/io/detail/load_by_extension.hpp"
#endif
