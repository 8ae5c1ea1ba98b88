// The definition behind io/png.hpp. Included by io/png.hpp (header-only) or only by
// <mnet/loaders.hpp> (MNET_SEPARATE_LOADERS; see io/linkage.hpp).
#pragma once

#include <cstddef>
#include <string>

// As for stb_image.h (io/detail/image_decode.hpp): the include path CMake's mnet::stb adds,
// else <stb/stb_image_write.h> where Debian puts it, so `-I include` alone suffices.
#if __has_include(<stb_image_write.h>)
#include <stb_image_write.h>
#elif __has_include(<stb/stb_image_write.h>)
#include <stb/stb_image_write.h>
#else
#error "mnet needs stb_image_write.h (Debian: libstb-dev), found neither <stb_image_write.h> nor <stb/stb_image_write.h>"
#endif

#include "mnet/core/error.hpp"
#include "mnet/io/png.hpp"

namespace mnet {

MNET_LOADERS_INLINE void write_png(const std::string& path, const Image& image) {
    if (!(image.width >= 1 && image.height >= 1 && image.width <= max_image_side &&
          image.height <= max_image_side &&
          image.rgb.size() == static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3))
        detail::fail(ErrorKind::argument, {"write_png: ", path, ": image is ", image.width, "x", image.height,
                                           " with ", image.rgb.size(), " bytes (expected width*height*3 > 0)"});
    // stbi_write_png opens the file itself and returns 0 on any failure.
    if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3) == 0)
        detail::fail(ErrorKind::io, {path, ": cannot write the PNG file"});
}

}  // namespace mnet
