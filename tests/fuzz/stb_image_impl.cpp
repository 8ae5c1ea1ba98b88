// stb_image's implementation, compiled into the image fuzz target itself so the
// sanitizers and libFuzzer's coverage see inside the decoder (the library build
// links Debian's precompiled libstb instead; same source, same version).
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
