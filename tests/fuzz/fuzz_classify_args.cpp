// Fuzz target: mnet-classify's argument parser (examples/classify_args.hpp). The
// input is split at NUL bytes into argv strings (a real argv holds no NUL). A
// parse that succeeds must give what the parser promises.
#include <cstdint>
#include <string>
#include <vector>

#include "classify_args.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0)
            args.emplace_back();
        else
            args.back().push_back(static_cast<char>(data[i]));
    }
    mnet::cli::ClassifyArgs parsed;
    if (!mnet::fuzz::only_mnet_errors([&] { parsed = mnet::cli::parse_classify_args(args); })) return 0;
    if (parsed.help) return 0;
    const bool ok = !parsed.models.empty() && !parsed.images.empty() && parsed.top >= 1 && parsed.threads >= 1 &&
                    parsed.threads <= 1024 && parsed.bench >= 0;
    if (!ok) __builtin_trap();
    for (const std::string& s : parsed.models)
        if (s.empty()) __builtin_trap();
    for (const std::string& s : parsed.images)
        if (s.empty()) __builtin_trap();
    return 0;
}
