// The translation unit cmake/measure-compile-time.sh times: what a host's
// classifying TU holds — the umbrella header, load, read_image, preprocess, a
// Session run and top_k — so every kernel and layer it can reach is compiled, as
// in a real program, and the loaders too unless MNET_SEPARATE_LOADERS
// (mnet::mnet) moves them to cmake/mnet_loaders.cpp.
#include <cstdio>

#include <mnet/mnet.hpp>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const mnet::Model model = mnet::load(argv[1]);
    mnet::Session session(model, {.threads = 1});
    const std::vector<float> input = mnet::preprocess(mnet::read_image(argv[2]), model.input_spec());
    const std::vector<mnet::Ranked> top = mnet::top_k(mnet::softmax(session.run(input)), 1);
    std::printf("%d\n", top.front().index);
    return 0;
}
