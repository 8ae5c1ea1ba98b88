// Command line of mnet-segment, parsed without touching any file so that tests and a
// fuzzer can drive it: strings in, SegmentArgs or Error(argument) out.
//   mnet-segment --model FILE [--labels FILE] [--threads N] [--out DIR] [--dump-logits OUT]
//                [--dump-mask OUT] [--precision int8|float] IMAGE...
// `--opt value` and `--opt=value` both work; `--` ends the options.
#pragma once

#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "classify_args.hpp"  // detail::parse_int, shared by the tools
#include "mnet/core/error.hpp"

namespace mnet::cli {

/// Everything mnet-segment was asked to do.
struct SegmentArgs {
    std::string model;             ///< a segmentation model (.tflite)
    std::string labels;            ///< empty: look for pascal_voc_<classes>.txt near the model
    int threads = 1;               ///< SessionOptions::threads
    std::string out = ".";         ///< folder for <name>.mask.png and <name>.overlay.png
    std::string dump_logits;       ///< empty: no dump; else low-resolution logits, float32 HWC, images in order
    std::string dump_mask;         ///< empty: no dump; else masks as raw uint8 at each image's size, in order
    Precision precision = Precision::automatic;  ///< --precision int8|float; automatic: the model's own
    std::vector<std::string> images;
    bool help = false;
};

inline constexpr const char* segment_usage =
    "usage: mnet-segment --model FILE [--labels FILE] [--threads N] [--out DIR] [--dump-logits OUT]\n"
    "                    [--dump-mask OUT] [--precision int8|float] IMAGE...\n"
    "  --model FILE        a segmentation model, e.g. deeplabv3_mnv2_pascal_quant.tflite\n"
    "  --labels FILE       one label per line (default: pascal_voc_<classes>.txt in <model dir>/labels\n"
    "                      or <model dir>/../labels; without one, labels print as '-')\n"
    "  --threads N         worker threads of the session (default 1)\n"
    "  --out DIR           where <name>.mask.png (PASCAL VOC colours) and <name>.overlay.png (the\n"
    "                      photo with the mask blended over it) go; <name> is the image's file\n"
    "                      name without its extension (default: the current folder)\n"
    "  --dump-logits OUT   write the low-resolution logits of every image (h x w x classes, HWC,\n"
    "                      before any resize), little-endian float32, images in order\n"
    "  --dump-mask OUT     write the mask of every image at the image's size, one uint8 class\n"
    "                      index per pixel, row-major, images in order\n"
    "  --precision P       int8: integer execution (the default for quantized files; logits\n"
    "                      dumped dequantized, scale * (q - zero_point)); float: float32\n"
    "Prints per image: 'image PATH WxH', 'input RxR valid WxH logits HxWxC', one line\n"
    "'class INDEX SHARE PIXELS LABEL' per class present (largest first), 'inference_ms T'\n"
    "and 'wrote MASK_PNG OVERLAY_PNG'.\n";

/// The <name> of an image's output files: its file name without the last extension.
inline std::string output_stem(const std::string& image) {
    return std::filesystem::path(image).stem().string();
}

/// Parses the arguments after the program name. Throws Error(argument) naming the
/// offending option; `help` set means: print segment_usage and stop. Two images
/// whose output files would have the same name are an error too.
inline SegmentArgs parse_segment_args(std::span<const std::string> args) {
    SegmentArgs out;
    std::set<std::string> seen;
    auto once = [&seen](const std::string& option) {
        require(seen.insert(option).second, ErrorKind::argument, option + " given twice");
    };
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_done || arg.size() < 2 || arg[0] != '-') {
            require(!arg.empty(), ErrorKind::argument, "empty image path");
            out.images.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            out.help = true;
            continue;
        }
        std::string name = arg, value;
        bool has_value = false;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        const bool known = name == "--model" || name == "--labels" || name == "--threads" || name == "--out" ||
                           name == "--dump-logits" || name == "--dump-mask" || name == "--precision";
        require(known, ErrorKind::argument, "unknown option '" + name + "'");
        if (!has_value) {
            require(i + 1 < args.size(), ErrorKind::argument, "missing value after " + name);
            value = args[++i];
        }
        require(!value.empty(), ErrorKind::argument, name + " needs a non-empty value");
        once(name);
        if (name == "--model") {
            out.model = value;
        } else if (name == "--labels") {
            out.labels = value;
        } else if (name == "--threads") {
            out.threads = detail::parse_int(name, value, 1, 1024);
        } else if (name == "--out") {
            out.out = value;
        } else if (name == "--dump-logits") {
            out.dump_logits = value;
        } else if (name == "--dump-mask") {
            out.dump_mask = value;
        } else {
            out.precision = detail::parse_precision(value);
        }
    }
    if (out.help) return out;
    require(!out.model.empty(), ErrorKind::argument, "--model is required");
    require(!out.images.empty(), ErrorKind::argument, "no image given");
    std::set<std::string> stems;
    for (const std::string& image : out.images) {
        const std::string stem = output_stem(image);
        require(!stem.empty() && stem != "." && stem != "..", ErrorKind::argument,
                "image path '" + image + "' has no file name to name its outputs after");
        require(stems.insert(stem).second, ErrorKind::argument,
                "two images would write " + stem + ".mask.png; give them different file names");
    }
    require(out.dump_logits.empty() || out.dump_logits != out.dump_mask, ErrorKind::argument,
            "--dump-logits and --dump-mask name the same file");
    return out;
}

}  // namespace mnet::cli
