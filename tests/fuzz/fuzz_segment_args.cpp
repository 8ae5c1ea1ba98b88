// Fuzz target: mnet-segment's argument parser (examples/segment_args.hpp). The input
// is split at NUL bytes into argv strings (a real argv holds no NUL). A parse that
// succeeds must give what the parser promises.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "segment_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0)
            args.emplace_back();
        else
            args.back().push_back(static_cast<char>(data[i]));
    }
    mnet::cli::SegmentArgs parsed;
    if (!mnet::fuzz::only_mnet_errors([&] { parsed = mnet::cli::parse_segment_args(args); })) return 0;
    if (parsed.help) return 0;
    const bool ok = !parsed.model.empty() && !parsed.images.empty() && !parsed.out.empty() && parsed.threads >= 1 &&
                    parsed.threads <= 1024 &&
                    (parsed.dump_logits.empty() || parsed.dump_logits != parsed.dump_mask);
    if (!ok) __builtin_trap();
    std::set<std::string> stems;
    for (const std::string& s : parsed.images)
        if (s.empty() || !stems.insert(mnet::cli::output_stem(s)).second) __builtin_trap();
    return 0;
}
