// PNG output through stb_image_write, linked as Debian's compiled libstb (which
// exports stbi_write_png): mnet includes only its declarations, as it does for
// stb_image (io/image.hpp). Written where io/linkage.hpp says, in io/detail/png_write.hpp.
#pragma once

#include <string>

#include "mnet/io/image.hpp"
#include "mnet/io/linkage.hpp"

namespace mnet {

/// Writes `image` (8-bit RGB) to `path` as a PNG, replacing the file. Throws
/// Error(argument) for an empty or inconsistent image, Error(io) if the file cannot
/// be written.
MNET_LOADERS_INLINE void write_png(const std::string& path, const Image& image);

}  // namespace mnet

#ifndef MNET_SEPARATE_LOADERS
#include "mnet/io/detail/png_write.hpp"
#endif
