// mnet-stats: per-layer MAdds and parameters of a MobileNet or DeepLabv3
// configuration, or (--memory) the memory plan of a Session running it.
//   mnet-stats --arch v1|v2|deeplab --width A --resolution R [--classes N] [--output-stride 8|16]
//              [--memory [--threads T] [--batch N] [--unfused] [--band-bytes B]]
//   mnet-stats --model FILE [--model FILE2] [--memory [--precision int8|float] [--threads T] [--batch N] ...]
// Ends with exactly one line: `madds=<integer> params=<integer>`, or with
// --memory `peak_activation_bytes=<integer>` (the Session's arena size).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mnet/mnet.hpp"

namespace {

constexpr const char* kUsage =
    "usage: mnet-stats --arch v1|v2|deeplab --width A --resolution R [--classes N] [--output-stride 8|16]\n"
    "                  [--memory [--threads T] [--batch N] [--unfused] [--band-bytes B]]\n"
    "       mnet-stats --model FILE [--model FILE2] [--memory [--precision int8|float] [--threads T] [--batch N]]\n";

int usage(const char* why) {
    std::fprintf(stderr, "mnet-stats: %s\n%s", why, kUsage);
    return 2;
}

/// A positive integer no larger than `max`.
bool parse_count(const char* text, double max, double& value) {
    char* end = nullptr;
    value = std::strtod(text, &end);
    return end != text && *end == '\0' && value >= 1 && value <= max && value == static_cast<double>(static_cast<long long>(value));
}

bool parse_number(const char* text, double& value) {
    char* end = nullptr;
    value = std::strtod(text, &end);
    return end != text && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
    mnet::ModelInfo info;
    mnet::SessionOptions session;
    bool have_arch = false, memory = false, have_classes = false;
    std::vector<std::string> models;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::printf("%s", kUsage);
            std::puts("Prints per-layer MAdds and parameters; the last line is `madds=<int> params=<int>`.\n"
                      "--memory prints the memory plan of a Session with these options instead (per node:\n"
                      "input, output, scratch; which blocks run fused); the last line is\n"
                      "`peak_activation_bytes=<int>`, the size of that Session's arena.\n"
                      "--model reads the configuration from a weight file instead of --arch/--width/...;\n"
                      "with --memory its Session's plan, in integers for a quantized .tflite unless\n"
                      "--precision float (int8 plans: uint8/int8 tensors, the uint8 input included).");
            return 0;
        }
        if (arg == "--memory") {
            memory = true;
            continue;
        }
        if (arg == "--unfused") {
            session.fuse_blocks = false;
            continue;
        }
        if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
        const char* value = argv[++i];
        double number = 0;
        if (arg == "--model") {
            models.emplace_back(value);
        } else if (arg == "--precision") {
            const std::string p = value;
            if (p == "int8") session.precision = mnet::Precision::integer;
            else if (p == "float") session.precision = mnet::Precision::float32;
            else return usage("--precision must be int8 or float");
        } else if (arg == "--arch") {
            const std::string a = value;
            if (a == "v1" || a == "mobilenet_v1") info.arch = mnet::Arch::mobilenet_v1;
            else if (a == "v2" || a == "mobilenet_v2") info.arch = mnet::Arch::mobilenet_v2;
            else if (a == "deeplab" || a == "deeplab_v3") info.arch = mnet::Arch::deeplab_v3;
            else return usage("--arch must be v1, v2 or deeplab");
            have_arch = true;
        } else if (arg == "--width") {
            if (!parse_number(value, number) || !(number > 0 && number <= 4)) return usage("--width must be in (0, 4]");
            info.width = static_cast<float>(number);
        } else if (arg == "--resolution") {
            if (!parse_number(value, number) || number < 1 || number > 4096 || number != static_cast<int>(number))
                return usage("--resolution must be an integer in [1, 4096]");
            info.resolution = static_cast<int>(number);
        } else if (arg == "--threads") {
            if (!parse_count(value, 256, number)) return usage("--threads must be an integer in [1, 256]");
            session.threads = static_cast<int>(number);
        } else if (arg == "--batch") {
            if (!parse_count(value, 4096, number)) return usage("--batch must be an integer in [1, 4096]");
            session.max_batch = static_cast<int>(number);
        } else if (arg == "--band-bytes") {
            if (!parse_count(value, 1e12, number)) return usage("--band-bytes must be a positive integer");
            session.band_bytes = static_cast<std::size_t>(number);
        } else if (arg == "--classes") {
            if (!parse_number(value, number) || number < 1 || number > 1e6 || number != static_cast<int>(number))
                return usage("--classes must be a positive integer");
            info.num_classes = static_cast<int>(number);
            have_classes = true;
        } else if (arg == "--output-stride") {
            if (!parse_number(value, number) || (number != 8 && number != 16))
                return usage("--output-stride must be 8 or 16");
            info.output_stride = static_cast<int>(number);
        } else {
            return usage(("unknown option " + arg).c_str());
        }
    }
    if (!models.empty()) {
        if (have_arch) return usage("--model and --arch exclude each other");
        try {
            const mnet::Model model = mnet::load(models);
            const mnet::ModelInfo& m = model.info();
            std::printf("%s width %g resolution %d classes %d\n", mnet::to_string(m.arch), m.width, m.resolution,
                        m.num_classes);
            if (!memory) {
                std::fputs(mnet::stats::format_report(mnet::stats::complexity(m)).c_str(), stdout);
                return 0;
            }
            const mnet::Session s(model, session);
            const bool integer = s.precision() == mnet::Precision::integer;
            std::printf("precision %s threads %d batch %d\n", mnet::to_string(s.precision()), session.threads,
                        session.max_batch);
            std::fputs((integer ? mnet::stats::format_integer_memory_plan(s.memory_plan())
                                : mnet::stats::format_memory_plan(model.graph(), s.memory_plan()))
                           .c_str(),
                       stdout);
        } catch (const mnet::Error& e) {
            std::fprintf(stderr, "mnet-stats: %s\n", e.what());
            return 1;
        }
        return 0;
    }
    if (session.precision != mnet::Precision::automatic) return usage("--precision needs --model");
    if (!have_arch) return usage("--arch is required");
    if (info.arch == mnet::Arch::deeplab_v3 && !have_classes) info.num_classes = 21;  // PASCAL VOC
    try {
        std::printf("%s width %g resolution %d classes %d\n", mnet::to_string(info.arch), info.width, info.resolution,
                    info.num_classes);
        if (memory) {
            std::printf("threads %d batch %d %s, band budget %zu bytes per thread\n", session.threads,
                        session.max_batch, session.fuse_blocks ? "fused blocks" : "unfused blocks", session.band_bytes);
            const mnet::Graph graph = mnet::build_graph(info);
            std::fputs(mnet::stats::format_memory_plan(graph, mnet::plan_memory(graph, session)).c_str(), stdout);
        } else {
            std::fputs(mnet::stats::format_report(mnet::stats::complexity(info)).c_str(), stdout);
        }
    } catch (const mnet::Error& e) {
        std::fprintf(stderr, "mnet-stats: %s\n", e.what());
        return 1;
    }
    return 0;
}
