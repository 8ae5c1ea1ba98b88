// host_app: prints the top-1 class (index and label) of an image.
//   host_app MODEL IMAGE [LABELS]
// The second translation unit that includes <mnet/mnet.hpp> (labels, errors,
// version); exits non-zero with one line on stderr on any failure.
#include <cstdio>
#include <exception>
#include <string>

#include <mnet/mnet.hpp>

#include "classify.hpp"

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: host_app MODEL IMAGE [LABELS]   (mnet %s)\n", MNET_VERSION_STRING);
        return 2;
    }
    try {
        const host::Top1 top = host::classify(argv[1], argv[2]);
        std::string label;
        if (argc == 4) label = mnet::read_labels(argv[3]).for_classes(top.num_classes).name(top.index);
        std::printf("top-1: %d %s (p=%.3f)\n", top.index, label.c_str(), static_cast<double>(top.probability));
        return 0;
    } catch (const mnet::Error& e) {
        std::fprintf(stderr, "host_app: %s error: %s\n", mnet::to_string(e.kind()), e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "host_app: %s\n", e.what());
    }
    return 1;
}
