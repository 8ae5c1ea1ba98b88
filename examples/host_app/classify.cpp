// The translation unit that runs a model: load, decode, preprocess, run, top-1.
#include "classify.hpp"

#include <vector>

#include <mnet/mnet.hpp>

namespace host {

Top1 classify(const std::string& model_path, const std::string& image_path) {
    const mnet::Model model = mnet::load(model_path);
    mnet::Session session(model, {.threads = 1});
    const mnet::Image image = mnet::read_image(image_path);
    const std::vector<float> input = mnet::preprocess(image, model.input_spec());
    const std::vector<mnet::Ranked> best = mnet::top_k(mnet::softmax(session.run(input)), 1);
    return {best.front().index, best.front().score, model.num_classes()};
}

}  // namespace host
