// host_app's classifier: one function, so main.cpp needs no mnet types beyond
// what it prints.
#pragma once

#include <string>

namespace host {

/// The best class of one image.
struct Top1 {
    int index = -1;
    float probability = 0;
    int num_classes = 0;  ///< of the model, to line a labels file up with its outputs
};

/// Loads `model_path`, classifies the image at `image_path`; throws mnet::Error on failure.
Top1 classify(const std::string& model_path, const std::string& image_path);

}  // namespace host
