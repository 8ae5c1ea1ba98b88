// mnet-segment: per-pixel PASCAL VOC classes of images with a segmentation model
// (DeepLabv3-MobileNetV2; see segment_args.hpp for the command line). Prints the
// classes present with their share of the image and writes the mask and an overlay
// as PNGs. Every failure — bad arguments, an unreadable or non-segmentation model,
// a bad image, an unwritable output — ends the program with a non-zero status and
// exactly one line on stderr; nothing escapes as an exception.
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
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "mnet/mnet.hpp"
#include "tool_main.hpp"
#include "segment_args.hpp"

namespace {

using Clock = std::chrono::steady_clock;


/// --labels if given, else pascal_voc_<classes>.txt in <model dir>/labels or
/// <model dir>/../labels (as mnet-classify finds imagenet_<classes>.txt); empty if none.
mnet::Labels find_labels(const mnet::cli::SegmentArgs& args, int num_classes) {
    if (!args.labels.empty()) return mnet::read_labels(args.labels).for_classes(num_classes);
    const std::string file = "pascal_voc_" + std::to_string(num_classes) + ".txt";
    const std::filesystem::path dir = std::filesystem::path(args.model).parent_path();
    for (const std::filesystem::path& candidate : {dir / "labels" / file, dir / ".." / "labels" / file}) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec))
            return mnet::read_labels(candidate.string()).for_classes(num_classes);
    }
    return {};
}

std::ofstream open_dump(const std::string& path) {
    std::ofstream out;
    if (!path.empty()) {
        out.open(path, std::ios::binary | std::ios::trunc);
        mnet::require(out.is_open(), mnet::ErrorKind::io, path + ": cannot open for writing");
    }
    return out;
}

void write_bytes(std::ofstream& out, const std::string& path, const void* data, std::size_t size) {
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    mnet::require(out.good(), mnet::ErrorKind::io, path + ": cannot write");
}

/// Little-endian float32, whatever the host's byte order.
void write_floats(std::ofstream& out, const std::string& path, std::span<const float> values) {
    std::vector<std::uint32_t> words(values.size());
    std::memcpy(words.data(), values.data(), values.size_bytes());
    if constexpr (std::endian::native == std::endian::big)
        for (std::uint32_t& w : words)
            w = (w >> 24) | ((w >> 8) & 0xFF00u) | ((w << 8) & 0xFF0000u) | (w << 24);
    write_bytes(out, path, words.data(), values.size_bytes());
}

void close_dump(std::ofstream& out, const std::string& path) {
    if (!out.is_open()) return;
    out.close();
    mnet::require(!out.fail(), mnet::ErrorKind::io, path + ": cannot write");
}

int run(const mnet::cli::SegmentArgs& args) {
    const mnet::Model model = mnet::load(args.model);
    if (model.info().task() != mnet::Task::segmentation)
        mnet::detail::fail(mnet::ErrorKind::argument,
                           {args.model, ": a classification model (", model.num_classes(),
                            " classes), not a segmentation model; use mnet-classify, or give mnet-segment a "
                            "DeepLab file such as deeplabv3_mnv2_pascal_quant.tflite"});
    const mnet::InputSpec spec = model.input_spec();
    const mnet::ResizeFlags upsample = model.info().upsample();
    mnet::Session session(model, {.threads = args.threads, .precision = args.precision});
    const mnet::Shape shape = session.output_shape();
    const mnet::Labels labels = find_labels(args, shape.c);

    std::error_code ec;
    std::filesystem::create_directories(args.out, ec);
    mnet::require(std::filesystem::is_directory(args.out, ec), mnet::ErrorKind::io,
                  args.out + ": cannot create the output folder");
    std::ofstream dump_logits = open_dump(args.dump_logits);
    std::ofstream dump_mask = open_dump(args.dump_mask);

    for (const std::string& path : args.images) {
        const mnet::Image image = mnet::read_image(path);
        const mnet::SegmentationInput prepared = mnet::prepare_segmentation(image, spec);
        // An integer session takes the model's own uint8 input: the resized pixels, rounded.
        const bool integer = session.precision() == mnet::Precision::integer;
        const std::vector<std::uint8_t> pixels = integer ? mnet::preprocess_pixels(image, spec) : std::vector<std::uint8_t>{};
        const auto start = Clock::now();
        const std::span<const float> logits = integer ? session.run_pixels(pixels) : session.run(prepared.input);
        const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        const mnet::Mask mask = mnet::segmentation_mask(logits, shape, upsample, prepared.letterbox);
        if (dump_logits.is_open()) write_floats(dump_logits, args.dump_logits, logits);
        if (dump_mask.is_open()) write_bytes(dump_mask, args.dump_mask, mask.classes.data(), mask.classes.size());

        const mnet::Letterbox& box = prepared.letterbox;
        std::printf("image %s %dx%d\n", path.c_str(), image.width, image.height);
        std::printf("input %dx%d valid %dx%d logits %s\n", box.resolution, box.resolution, box.valid_width,
                    box.valid_height, mnet::to_string(shape).c_str());
        std::vector<mnet::ClassShare> shares = mnet::class_shares(mask);
        std::stable_sort(shares.begin(), shares.end(),
                         [](const mnet::ClassShare& a, const mnet::ClassShare& b) { return a.pixels > b.pixels; });
        for (const mnet::ClassShare& s : shares) {
            const char* label = labels.empty() ? "-" : labels.name(s.index).c_str();
            std::printf("class %d %.6f %lld %s\n", s.index, s.share, static_cast<long long>(s.pixels), label);
        }
        std::printf("inference_ms %.3f\n", elapsed);

        const std::string stem = (std::filesystem::path(args.out) / mnet::cli::output_stem(path)).string();
        mnet::write_png(stem + ".mask.png", mnet::colorize(mask));
        mnet::write_png(stem + ".overlay.png", mnet::overlay(image, mask, 0.5));
        std::printf("wrote %s.mask.png %s.overlay.png\n", stem.c_str(), stem.c_str());
    }
    close_dump(dump_logits, args.dump_logits);
    close_dump(dump_mask, args.dump_mask);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return mnet::cli::tool_main("mnet-segment", argc, argv, mnet::cli::parse_segment_args,
                                  mnet::cli::segment_usage, run);
}
