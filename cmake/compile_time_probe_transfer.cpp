// cmake/measure-compile-time.sh --transfer times this TU beside compile_time_probe.cpp:
// the same classifying program plus what a transfer-learning host adds — the
// features of a photo, a head imprinted and fine-tuned from them (<mnet/transfer/
// imprint.hpp>, Eigen) and written to a file — so the difference is the price of
// the transfer header, which <mnet/mnet.hpp> does not include.
#include <cstdio>

#include <mnet/mnet.hpp>
#include <mnet/transfer/head_file.hpp>
#include <mnet/transfer/imprint.hpp>

int main(int argc, char** argv) {
    if (argc != 4) return 2;
    const mnet::Model model = mnet::load(argv[1]);
    mnet::Session session(model, {.threads = 1, .output = mnet::SessionOutput::features});
    const std::vector<float> input = mnet::preprocess(mnet::read_image(argv[2]), model.input_spec());
    mnet::LabelledEmbeddings data;
    data.add(session.run(input), 0);
    const mnet::Head head = mnet::fine_tune(mnet::imprint(data, {"new class"}), data);
    mnet::write_head(argv[3], head);
    std::printf("%zu\n", head.num_classes());
    return 0;
}
