// Fuzz target: image bytes → mnet::decode_image (signature sniffing, PNG chunk
// bounds, header size limits, stb_image compiled into this target with the
// sanitizers) → mnet::preprocess. The preset and resolution come from the
// input's length, so one corpus covers both resamplers and many crop geometries
// without a prefix byte that would make the seeds stop being image files.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "fuzz_common.hpp"
#include "mnet/io/detail/image_decode.hpp"
#include "mnet/io/preprocess.hpp"

namespace {

/// Images mnet accepts but this target does not decode: a JPEG header claiming up to
/// 100 MP decodes (stb fills missing data with zeros) for seconds, which would stall
/// the fuzzer. Sizes beyond mnet's own limits still go through decode_image, which
/// must refuse them before decoding (tests/io/test_image.cpp covers the limits).
constexpr std::int64_t kFuzzMaxPixels = std::int64_t{1} << 22;

bool large_but_allowed(const std::uint8_t* data, std::size_t size) {
    int w = 0, h = 0, c = 0;
    const std::span<const std::uint8_t> bytes(data, size);
    const char* format = mnet::io::detail::image_signature(bytes);
    // stbi_info parses the same headers stb's decoder does: only after mnet's pre-checks.
    if (!format || !mnet::io::detail::stb_unsafe_input(bytes, format).what.empty() ||
        size > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !stbi_info_from_memory(data, static_cast<int>(size), &w, &h, &c))
        return false;
    const std::int64_t pixels = std::int64_t{w} * h;
    return pixels > kFuzzMaxPixels && w <= mnet::max_image_side && h <= mnet::max_image_side &&
           pixels <= mnet::max_image_pixels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (large_but_allowed(data, size)) return 0;
    mnet::fuzz::only_mnet_errors([&] {
        const mnet::Image image = mnet::decode_image(mnet::fuzz::bytes(data, size), "fuzz.img");
        if (image.width < 1 || image.height < 1 ||
            image.rgb.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3)
            __builtin_trap();  // decode_image promised a complete RGB buffer
        const mnet::InputSpec spec{static_cast<int>(1 + size % 97),
                                   size % 2 ? mnet::Preprocess::torchvision : mnet::Preprocess::tf_inception};
        const std::vector<float> input = mnet::preprocess(image, spec);
        if (input.size() != static_cast<std::size_t>(spec.resolution) * static_cast<std::size_t>(spec.resolution) * 3)
            __builtin_trap();
    });
    return 0;
}
