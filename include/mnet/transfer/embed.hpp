// Embeddings of image files: read, preprocess for the model, run a Session that
// returns features (SessionOptions::output = features or unit_features). What
// mnet-embed, mnet-imprint and the transfer tests feed to imprint/fine_tune.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "mnet/io/image.hpp"
#include "mnet/io/preprocess.hpp"
#include "mnet/runtime/session.hpp"

namespace mnet {

/// One row of session.output_size() floats per file, in order (preprocessed with
/// the session model's input_spec). Error as read_image, preprocess and Session::run.
inline std::vector<float> embed_files(Session& session, std::span<const std::string> paths) {
    std::vector<float> rows;
    rows.reserve(paths.size() * session.output_size());
    for (const std::string& path : paths) {
        const std::vector<float> input = preprocess(read_image(path), session.model().input_spec());
        const std::span<const float> out = session.run(input);
        rows.insert(rows.end(), out.begin(), out.end());
    }
    return rows;
}

}  // namespace mnet
