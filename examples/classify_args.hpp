// Command line of mnet-classify, parsed without touching any file so that tests
// and a fuzzer can drive it: strings in, ClassifyArgs or Error(argument) out.
//   mnet-classify --model FILE [--model FILE2] [--labels FILE] [--top K] [--threads N]
//                 [--preset tf_inception|torchvision] [--input-size N] [--dump-logits OUT] [--bench N]
//                 [--profile] [--precision int8|float] IMAGE...
// `--opt value` and `--opt=value` both work; `--` ends the options.
#pragma once

#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/models/model.hpp"
#include "mnet/runtime/memory_plan.hpp"

namespace mnet::cli {

struct ClassifyArgs {
    std::vector<std::string> models;        ///< one file, or several chained into one network
    std::string labels;                     ///< empty: look for imagenet_<classes>.txt near the model
    int top = 5;                            ///< lines printed per image
    int threads = 1;                        ///< SessionOptions::threads
    std::optional<Preprocess> preset;       ///< empty: the model's own preset
    int input_size = 0;                     ///< 0: the model's resolution; else N×N input
    std::string dump_logits;                ///< empty: no dump
    int bench = 0;                          ///< timed runs after a warm-up; 0: no benchmark
    bool profile = false;                   ///< print the per-layer profile (profile_layers, profile_integer_ops)
    Precision precision = Precision::automatic;  ///< --precision int8|float; automatic: the model's own
    std::vector<std::string> images;
    bool help = false;
};

inline constexpr const char* classify_usage =
    "usage: mnet-classify --model FILE [--model FILE2] [--labels FILE] [--top K] [--threads N]\n"
    "                     [--preset tf_inception|torchvision] [--input-size N] [--dump-logits OUT]\n"
    "                     [--bench N] [--profile] [--precision int8|float] IMAGE...\n"
    "  --model FILE        .safetensors or .tflite weights; give it twice to chain two files\n"
    "                      or to replace the classifier by a head from mnet-imprint (labels from it)\n"
    "  --labels FILE       one label per line (default: imagenet_<classes>.txt in <model dir>/labels\n"
    "                      or <model dir>/../labels; without one, labels print as '-')\n"
    "  --top K             classes printed per image (default 5)\n"
    "  --threads N         worker threads of the session (default 1)\n"
    "  --preset NAME       preprocessing; default is the one the model file names\n"
    "  --input-size N      classify at N x N (32..4096; default: the model's resolution): MobileNets\n"
    "                      are fully convolutional up to the global pool\n"
    "  --dump-logits OUT   write the raw logits of every image, little-endian float32 (integer\n"
    "                      execution: the dequantized logits, scale * (q - zero_point))\n"
    "  --precision P       int8: integer execution (quantized .tflite files; their default),\n"
    "                      fed the resized pixels rounded to uint8; float: float execution\n"
    "  --bench N           after classifying, time N runs of the first image after a warm-up;\n"
    "                      ends with 'latency_ms min=<x> median=<y>'\n"
    "  --profile           then time every layer of the network (20 runs after a warm-up, with\n"
    "                      --threads): node, layers, input -> output, median ms, GFLOP/s, share,\n"
    "                      and a 'total' line; an integer session times each op of its program\n"
    "                      (GOP/s)\n"
    "Prints per image: 'image PATH WxH', K lines 'rank  class_index  probability  label',\n"
    "and 'inference_ms T'.\n";

namespace detail {

/// A whole decimal integer in [lo, hi]; nothing else (no sign, spaces or suffix).
inline int parse_int(std::string_view option, std::string_view text, int lo, int hi) {
    int value = 0;
    const char* first = text.data();
    const char* last = first + text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    require(!text.empty() && text.front() != '-' && text.front() != '+' && ec == std::errc() && end == last &&
                value >= lo && value <= hi,
            ErrorKind::argument,
            std::string(option) + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "], got '" + std::string(text) + "'");
    return value;
}

/// --precision: int8 (integer execution, uint8 or int8 models alike) or float.
inline Precision parse_precision(std::string_view text) {
    if (text == "int8") return Precision::integer;
    if (text == "float") return Precision::float32;
    throw Error(ErrorKind::argument, "--precision expects int8 or float, got '" + std::string(text) + "'");
}

inline Preprocess parse_preset(std::string_view text) {
    if (text == "tf_inception") return Preprocess::tf_inception;
    if (text == "torchvision") return Preprocess::torchvision;
    throw Error(ErrorKind::argument, "--preset expects tf_inception or torchvision, got '" + std::string(text) + "'");
}

}  // namespace detail

/// Parses the arguments after the program name. Throws Error(argument) naming the
/// offending option; `help` set means: print classify_usage and stop.
inline ClassifyArgs parse_classify_args(std::span<const std::string> args) {
    ClassifyArgs out;
    bool seen_labels = false, seen_top = false, seen_threads = false, seen_preset = false, seen_dump = false,
         seen_bench = false, seen_profile = false, seen_size = false, seen_precision = false;
    auto once = [](bool& seen, std::string_view option) {
        require(!seen, ErrorKind::argument, std::string(option) + " given twice");
        seen = true;
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
        if (arg == "--profile") {  // the one flag without a value
            once(seen_profile, arg);
            out.profile = true;
            continue;
        }
        // --name=value or --name value
        std::string name = arg, value;
        bool has_value = false;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        require(name != "--profile", ErrorKind::argument, "--profile takes no value");
        const bool known = name == "--model" || name == "--labels" || name == "--top" || name == "--threads" ||
                           name == "--preset" || name == "--dump-logits" || name == "--bench" ||
                           name == "--input-size" || name == "--precision";
        require(known, ErrorKind::argument, "unknown option '" + name + "'");
        if (!has_value) {
            require(i + 1 < args.size(), ErrorKind::argument, "missing value after " + name);
            value = args[++i];
        }
        require(!value.empty(), ErrorKind::argument, name + " needs a non-empty value");

        if (name == "--model") {
            out.models.push_back(value);
        } else if (name == "--labels") {
            once(seen_labels, name);
            out.labels = value;
        } else if (name == "--top") {
            once(seen_top, name);
            out.top = detail::parse_int(name, value, 1, 1'000'000);
        } else if (name == "--threads") {
            once(seen_threads, name);
            out.threads = detail::parse_int(name, value, 1, 1024);
        } else if (name == "--preset") {
            once(seen_preset, name);
            out.preset = detail::parse_preset(value);
        } else if (name == "--input-size") {
            once(seen_size, name);
            out.input_size = detail::parse_int(name, value, 32, 4096);
        } else if (name == "--precision") {
            once(seen_precision, name);
            out.precision = detail::parse_precision(value);
        } else if (name == "--dump-logits") {
            once(seen_dump, name);
            out.dump_logits = value;
        } else {
            once(seen_bench, name);
            out.bench = detail::parse_int(name, value, 1, 1'000'000);
        }
    }
    if (out.help) return out;
    require(!out.models.empty(), ErrorKind::argument, "--model is required");
    require(!out.images.empty(), ErrorKind::argument, "no image given");
    return out;
}

}  // namespace mnet::cli
