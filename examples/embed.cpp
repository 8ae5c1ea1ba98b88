// mnet-embed: the pooled features (embeddings) of images before the classifier,
// and the cosine similarity of every pair. Any failure ends the program with a
// non-zero status and one line on stderr.
//   mnet-embed --model FILE [--model FILE2] [--out FILE] [--normalize] [--threads N] IMAGE...
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "classify_args.hpp"
#include "mnet/mnet.hpp"
#include "tool_main.hpp"
#include "mnet/transfer/embed.hpp"

namespace {

constexpr const char* usage =
    "usage: mnet-embed --model FILE [--model FILE2] [--out FILE] [--normalize] [--threads N] IMAGE...\n"
    "  --model FILE   a classifier (.safetensors / .tflite; its features before the classifier) or a\n"
    "                 feature extractor; give it twice to chain two .tflite files\n"
    "  --out FILE     write the embeddings: little-endian float32, one row per image\n"
    "  --normalize    L2-normalise each row first\n"
    "  --threads N    worker threads of the session (default 1)\n"
    "Prints 'embedding_size K', 'image I PATH' per image, then the cosine similarity table.\n";

struct Args {
    std::vector<std::string> models, images;
    std::string out;
    bool normalize = false;
    int threads = 1;
    bool help = false;
};

Args parse(const std::vector<std::string>& raw) {
    Args a;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string& arg = raw[i];
        if (arg == "--help" || arg == "-h") {
            a.help = true;
        } else if (arg == "--normalize") {
            a.normalize = true;
        } else if (arg == "--model" || arg == "--out" || arg == "--threads") {
            mnet::require(i + 1 < raw.size() && !raw[i + 1].empty(), mnet::ErrorKind::argument,
                          "missing value after " + arg);
            const std::string& value = raw[++i];
            if (arg == "--model") a.models.push_back(value);
            else if (arg == "--out") a.out = value;
            else a.threads = mnet::cli::detail::parse_int(arg, value, 1, 1024);
        } else {
            mnet::require(arg.size() < 2 || arg[0] != '-', mnet::ErrorKind::argument, "unknown option '" + arg + "'");
            mnet::require(!arg.empty(), mnet::ErrorKind::argument, "empty image path");
            a.images.push_back(arg);
        }
    }
    if (a.help) return a;
    mnet::require(!a.models.empty(), mnet::ErrorKind::argument, "--model is required");
    mnet::require(!a.images.empty(), mnet::ErrorKind::argument, "no image given");
    return a;
}

int run(const Args& args) {
    const mnet::Model model = mnet::load(args.models);
    mnet::Session session(model, {.threads = args.threads, .output = mnet::SessionOutput::features});
    const std::size_t k = session.output_size();
    std::vector<float> rows = mnet::embed_files(session, args.images);
    const std::size_t n = args.images.size();
    std::vector<float> unit = rows;
    for (std::size_t i = 0; i < n; ++i) mnet::l2_normalize({unit.data() + i * k, k});

    if (!args.out.empty()) {
        const std::vector<float>& data = args.normalize ? unit : rows;
        std::vector<std::uint32_t> words(data.size());
        std::memcpy(words.data(), data.data(), data.size() * sizeof(float));
        if constexpr (std::endian::native == std::endian::big)
            for (std::uint32_t& w : words) w = (w >> 24) | ((w >> 8) & 0xFF00u) | ((w << 8) & 0xFF0000u) | (w << 24);
        std::ofstream out(args.out, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(words.size() * 4));
        out.close();
        mnet::require(!out.fail(), mnet::ErrorKind::io, args.out + ": cannot write embeddings");
    }

    std::printf("embedding_size %zu\n", k);
    for (std::size_t i = 0; i < n; ++i) std::printf("image %zu %s\n", i + 1, args.images[i].c_str());
    std::printf("cosine");
    for (std::size_t j = 0; j < n; ++j) std::printf(" %6zu", j + 1);
    std::printf("\n");
    for (std::size_t i = 0; i < n; ++i) {
        std::printf("%6zu", i + 1);
        for (std::size_t j = 0; j < n; ++j) {
            double dot = 0;
            for (std::size_t c = 0; c < k; ++c) dot += static_cast<double>(unit[i * k + c]) * unit[j * k + c];
            std::printf(" %6.3f", dot);
        }
        std::printf("\n");
    }
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return mnet::cli::tool_main("mnet-embed", argc, argv, parse, usage, run);
}
