// mnet-imprint: a new classifier head from a few photos per class (weight
// imprinting, optionally fine-tuned), written as a small .safetensors file that
// mnet-classify --model BASE --model HEAD.safetensors then uses. Any failure ends
// the program with a non-zero status and one line on stderr.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "classify_args.hpp"
#include "mnet/mnet.hpp"
#include "tool_main.hpp"
#include "mnet/transfer/embed.hpp"
#include "mnet/transfer/head_file.hpp"
#include "mnet/transfer/imprint.hpp"

namespace {

constexpr const char* usage =
    "usage: mnet-imprint --model FILE [--model FILE2] --out HEAD.safetensors [--fine-tune] [--scale S]\n"
    "                    [--keep-base --labels FILE] [--threads N] --class NAME IMAGE_OR_DIR... [--class NAME ...]\n"
    "  --model FILE     the base model (a classifier or a feature extractor); twice to chain .tflite files\n"
    "  --out FILE       the head to write (.safetensors)\n"
    "  --class NAME     a new class; the images (or every image file of the directories) that follow\n"
    "  --fine-tune      refine the imprinted head by logistic regression (L-BFGS) on the photos\n"
    "  --scale S        logits = S x cosine (default 16)\n"
    "  --keep-base      keep the base model's classes (named by --labels) ahead of the new ones\n"
    "  --threads N      worker threads of the session (default 1)\n"
    "Prints 'class NAME photos N' per class, the timings, and 'head OUT classes N features K'.\n";

struct Args {
    std::vector<std::string> models;
    std::string out, labels;
    bool fine_tune = false, keep_base = false, help = false;
    float scale = 16.0f;
    int threads = 1;
    std::vector<std::string> names;
    std::vector<std::vector<std::string>> inputs;  // per class: files and directories
};

Args parse(const std::vector<std::string>& raw) {
    Args a;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string& arg = raw[i];
        if (arg == "--help" || arg == "-h") {
            a.help = true;
        } else if (arg == "--fine-tune") {
            a.fine_tune = true;
        } else if (arg == "--keep-base") {
            a.keep_base = true;
        } else if (arg == "--model" || arg == "--out" || arg == "--threads" || arg == "--class" || arg == "--scale" ||
                   arg == "--labels") {
            mnet::require(i + 1 < raw.size() && !raw[i + 1].empty(), mnet::ErrorKind::argument,
                          "missing value after " + arg);
            const std::string& value = raw[++i];
            if (arg == "--model") {
                a.models.push_back(value);
            } else if (arg == "--out") {
                a.out = value;
            } else if (arg == "--labels") {
                a.labels = value;
            } else if (arg == "--threads") {
                a.threads = mnet::cli::detail::parse_int(arg, value, 1, 1024);
            } else if (arg == "--scale") {
                std::size_t used = 0;
                float s = 0;
                try {
                    s = std::stof(value, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                mnet::require(used == value.size() && s > 0 && s <= 1000, mnet::ErrorKind::argument,
                              "--scale expects a number in (0, 1000], got '" + value + "'");
                a.scale = s;
            } else {
                mnet::Head::check_class_name(value, a.names.size());
                a.names.push_back(value);
                a.inputs.emplace_back();
            }
        } else {
            mnet::require(arg.size() < 2 || arg[0] != '-', mnet::ErrorKind::argument, "unknown option '" + arg + "'");
            mnet::require(!a.names.empty(), mnet::ErrorKind::argument, "image '" + arg + "' before any --class");
            a.inputs.back().push_back(arg);
        }
    }
    if (a.help) return a;
    mnet::require(!a.models.empty(), mnet::ErrorKind::argument, "--model is required");
    mnet::require(!a.out.empty(), mnet::ErrorKind::argument, "--out is required");
    mnet::require(!a.names.empty(), mnet::ErrorKind::argument, "no --class given");
    mnet::require(!a.keep_base || !a.labels.empty(), mnet::ErrorKind::argument, "--keep-base needs --labels");
    for (std::size_t c = 0; c < a.names.size(); ++c)
        mnet::require(!a.inputs[c].empty(), mnet::ErrorKind::argument, "class '" + a.names[c] + "' has no photo");
    return a;
}

/// The files of a class: each path as given, or a directory's image files in name order.
std::vector<std::string> expand(const std::vector<std::string>& inputs) {
    std::vector<std::string> files;
    for (const std::string& path : inputs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(path, ec)) {
            files.push_back(path);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(path)) {
            std::string ext = entry.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
            if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" ||
                                            ext == ".gif" || ext == ".ppm" || ext == ".pgm" || ext == ".pnm"))
                found.push_back(entry.path().string());
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int run(const Args& args) {
    const mnet::Model model = mnet::load(args.models);
    mnet::Session session(model, {.threads = args.threads, .output = mnet::SessionOutput::features});
    const auto start = std::chrono::steady_clock::now();
    mnet::LabelledEmbeddings data;
    std::size_t photos = 0;
    for (std::size_t c = 0; c < args.names.size(); ++c) {
        const std::vector<std::string> files = expand(args.inputs[c]);
        mnet::require(!files.empty(), mnet::ErrorKind::argument, "class '" + args.names[c] + "' has no photo");
        const std::vector<float> rows = mnet::embed_files(session, files);
        for (std::size_t i = 0; i < files.size(); ++i)
            data.add({rows.data() + i * session.output_size(), session.output_size()}, static_cast<int>(c));
        std::printf("class %s photos %zu\n", args.names[c].c_str(), files.size());
        photos += files.size();
    }
    const double embed_ms = ms_since(start);

    mnet::ImprintOptions options;
    options.scale = args.scale;
    if (args.keep_base) {
        mnet::require(model.num_classes() > 0, mnet::ErrorKind::argument,
                      "--keep-base: " + model.info().source + " has no classifier");
        options.keep_base = &model;
        const mnet::Labels labels = mnet::read_labels(args.labels).for_classes(model.num_classes());
        for (int i = 0; i < model.num_classes(); ++i) options.base_names.push_back(labels.name(i));
    }
    const auto imprint_start = std::chrono::steady_clock::now();
    mnet::Head head = mnet::imprint(data, args.names, options);
    const double head_ms = ms_since(imprint_start);
    std::printf("imprint_ms %.3f photos %zu (embeddings %.3f, head %.3f)\n", embed_ms + head_ms, photos, embed_ms,
                head_ms);
    if (args.fine_tune) {
        if (args.keep_base)  // labels index the head's rows: the new classes follow the base ones
            for (int& label : data.labels) label += model.num_classes();
        const auto tune_start = std::chrono::steady_clock::now();
        mnet::FineTuneReport report;
        head = mnet::fine_tune(head, data, {}, &report);
        std::printf("fine_tune_ms %.3f iterations %d loss %.6f -> %.6f\n", ms_since(tune_start), report.iterations,
                    report.initial_loss, report.final_loss);
    }
    mnet::write_head(args.out, head);
    std::printf("head %s classes %zu features %zu\n", args.out.c_str(), head.num_classes(), head.in_features());
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return mnet::cli::tool_main("mnet-imprint", argc, argv, parse, usage, run);
}
