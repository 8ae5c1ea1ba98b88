// mnet-classify: top-K ImageNet classes of images with a MobileNet (see
// classify_args.hpp for the command line). Every failure — bad arguments, an
// unreadable model, image or labels file — ends the program with a non-zero
// status and exactly one line on stderr; nothing escapes as an exception.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "classify_args.hpp"
#include "mnet/mnet.hpp"
#include "tool_main.hpp"
#include "mnet/runtime/profile.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// --labels if given, else imagenet_<classes>.txt in <model dir>/labels or
/// <model dir>/../labels of any model file; empty Labels if none exists.
mnet::Labels find_labels(const mnet::cli::ClassifyArgs& args, int num_classes) {
    if (!args.labels.empty()) return mnet::read_labels(args.labels).for_classes(num_classes);
    const std::string file = "imagenet_" + std::to_string(num_classes) + ".txt";
    for (const std::string& model : args.models) {
        const std::filesystem::path dir = std::filesystem::path(model).parent_path();
        for (const std::filesystem::path& candidate : {dir / "labels" / file, dir / ".." / "labels" / file}) {
            std::error_code ec;
            if (std::filesystem::is_regular_file(candidate, ec))
                return mnet::read_labels(candidate.string()).for_classes(num_classes);
        }
    }
    return {};
}

void write_logits(std::ofstream& out, const std::string& path, std::span<const float> logits) {
    std::vector<std::uint32_t> words(logits.size());
    std::memcpy(words.data(), logits.data(), logits.size_bytes());
    if constexpr (std::endian::native == std::endian::big)
        for (std::uint32_t& w : words)
            w = (w >> 24) | ((w >> 8) & 0xFF00u) | ((w << 8) & 0xFF0000u) | (w << 24);
    out.write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(logits.size_bytes()));
    mnet::require(out.good(), mnet::ErrorKind::io, path + ": cannot write logits");
}

int run(const mnet::cli::ClassifyArgs& args) {
    const mnet::Model model = mnet::load(args.models);
    mnet::require(model.info().task() == mnet::Task::classification, mnet::ErrorKind::unsupported,
                  model.info().source + ": a segmentation model (" + mnet::to_string(model.info().arch) +
                      "); use mnet-segment");
    mnet::InputSpec spec = model.input_spec();
    if (args.preset) spec.preset = *args.preset;
    mnet::require(model.num_classes() > 0, mnet::ErrorKind::unsupported,
                  model.info().source + ": a feature extractor without classifier (mnet-embed takes it, or add a "
                                        "head: --model HEAD.safetensors)");
    if (args.input_size) spec.resolution = args.input_size;
    // A head (--model BASE --model HEAD.safetensors) names its own classes.
    const mnet::Labels labels = model.head() && args.labels.empty() ? mnet::Labels(model.head()->names(), "head")
                                                                    : find_labels(args, model.num_classes());
    mnet::Session session(model, {.threads = args.threads, .input_height = spec.resolution, .input_width = spec.resolution,
                                  .precision = args.precision});
    // An integer session takes the model's own uint8 input: the resized pixels, rounded.
    const bool integer = session.precision() == mnet::Precision::integer;

    std::ofstream dump;
    if (!args.dump_logits.empty()) {
        dump.open(args.dump_logits, std::ios::binary | std::ios::trunc);
        mnet::require(dump.is_open(), mnet::ErrorKind::io, args.dump_logits + ": cannot open for writing");
    }

    std::vector<float> bench_input;
    std::vector<std::uint8_t> bench_pixels;
    for (const std::string& path : args.images) {
        const mnet::Image image = mnet::read_image(path);
        std::vector<float> input;
        std::vector<std::uint8_t> pixels;
        if (integer)
            pixels = mnet::preprocess_pixels(image, spec);
        else
            input = mnet::preprocess(image, spec);
        const auto start = Clock::now();
        const std::span<const float> logits = integer ? session.run_pixels(pixels) : session.run(input);
        const double elapsed = ms_since(start);
        if (dump.is_open()) write_logits(dump, args.dump_logits, logits);

        std::printf("image %s %dx%d\n", path.c_str(), image.width, image.height);
        const std::vector<float> probabilities = mnet::softmax(logits);
        int rank = 1;
        for (const mnet::Ranked& r : mnet::top_k(probabilities, static_cast<std::size_t>(args.top))) {
            const char* label = labels.empty() ? "-" : labels.name(r.index).c_str();
            std::printf("%d  %d  %.6f  %s\n", rank++, r.index, static_cast<double>(r.score), label);
        }
        std::printf("inference_ms %.3f\n", elapsed);
        if (bench_input.empty() && bench_pixels.empty()) {
            bench_input = std::move(input);
            bench_pixels = std::move(pixels);
        }
    }
    if (dump.is_open()) {
        dump.close();
        mnet::require(!dump.fail(), mnet::ErrorKind::io, args.dump_logits + ": cannot write logits");
    }

    if (args.bench > 0) {
        auto once = [&] { integer ? session.run_pixels(bench_pixels) : session.run(bench_input); };
        once();  // warm-up: caches, page faults, thread start-up
        std::vector<double> times(static_cast<std::size_t>(args.bench));
        for (double& t : times) {
            const auto start = Clock::now();
            once();
            t = ms_since(start);
        }
        std::sort(times.begin(), times.end());
        const std::size_t n = times.size();
        const double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
        std::printf("latency_ms min=%.3f median=%.3f\n", times.front(), median);
    }
    if (args.profile) {
        constexpr int runs = 20;
        const char* rate = integer ? "GOP/s" : "GFLOP/s";
        std::printf("profile threads=%d runs=%d precision=%s (each %s alone, median; %s = 2 x MAdds / time)\n",
                    args.threads, runs, integer ? "int8" : "float", integer ? "op" : "layer", rate);
        const mnet::SessionOptions options{.threads = args.threads, .input_height = spec.resolution,
                                           .input_width = spec.resolution};
        if (integer) {
            std::fputs(mnet::format_profile(mnet::profile_integer_ops(model, runs, options), nullptr, args.threads, rate)
                           .c_str(),
                       stdout);
        } else {
            const mnet::Machine machine = mnet::measure_machine();
            std::fputs(mnet::format_profile(mnet::profile_layers(model, runs, options), &machine, args.threads).c_str(),
                       stdout);
        }
    }
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return mnet::cli::tool_main("mnet-classify", argc, argv, mnet::cli::parse_classify_args,
                                  mnet::cli::classify_usage, run);
}
