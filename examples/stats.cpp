// mnet-stats: per-layer MAdds and parameters of a MobileNet configuration.
//   mnet-stats --arch v1|v2 --width A --resolution R [--classes N]
// Ends with exactly one line `madds=<integer> params=<integer>`.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mnet/mnet.hpp"

namespace {

int usage(const char* why) {
    std::fprintf(stderr, "mnet-stats: %s\nusage: mnet-stats --arch v1|v2 --width A --resolution R [--classes N]\n", why);
    return 2;
}

bool parse_number(const char* text, double& value) {
    char* end = nullptr;
    value = std::strtod(text, &end);
    return end != text && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
    mnet::ModelInfo info;
    bool have_arch = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::puts("usage: mnet-stats --arch v1|v2 --width A --resolution R [--classes N]\n"
                      "Prints per-layer MAdds and parameters; the last line is `madds=<int> params=<int>`.");
            return 0;
        }
        if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
        const char* value = argv[++i];
        double number = 0;
        if (arg == "--arch") {
            const std::string a = value;
            if (a == "v1" || a == "mobilenet_v1") info.arch = mnet::Arch::mobilenet_v1;
            else if (a == "v2" || a == "mobilenet_v2") info.arch = mnet::Arch::mobilenet_v2;
            else return usage("--arch must be v1 or v2");
            have_arch = true;
        } else if (arg == "--width") {
            if (!parse_number(value, number) || !(number > 0 && number <= 4)) return usage("--width must be in (0, 4]");
            info.width = static_cast<float>(number);
        } else if (arg == "--resolution") {
            if (!parse_number(value, number) || number < 1 || number > 4096 || number != static_cast<int>(number))
                return usage("--resolution must be an integer in [1, 4096]");
            info.resolution = static_cast<int>(number);
        } else if (arg == "--classes") {
            if (!parse_number(value, number) || number < 1 || number > 1e6 || number != static_cast<int>(number))
                return usage("--classes must be a positive integer");
            info.num_classes = static_cast<int>(number);
        } else {
            return usage(("unknown option " + arg).c_str());
        }
    }
    if (!have_arch) return usage("--arch is required");
    try {
        std::printf("%s width %g resolution %d classes %d\n", mnet::to_string(info.arch), info.width, info.resolution,
                    info.num_classes);
        std::fputs(mnet::stats::format_report(mnet::stats::complexity(info)).c_str(), stdout);
    } catch (const mnet::Error& e) {
        std::fprintf(stderr, "mnet-stats: %s\n", e.what());
        return 1;
    }
    return 0;
}
