// How mnet's file and image code is linked: the weight loaders (mnet::load), image
// decoding (read_image, decode_image), preprocessing, PNG writing and read_labels. It is cold —
// it runs once per model or image — but is most of what a TU that includes
// <mnet/mnet.hpp> takes to compile (nlohmann/json, flatbuffers, the stb checks,
// float64 resampling).
//
//   default (header-only)   the functions are inline: every TU that calls them
//                           compiles them.
//   MNET_SEPARATE_LOADERS   the public headers only declare them; exactly one TU of
//                           the program includes <mnet/loaders.hpp>, which defines
//                           them. The CMake target mnet::mnet does both for you
//                           (the macro, and a TU of its own in each target that links it).
//
// The macro must be the same in every TU of a program (README, "Compile time").
#pragma once

#ifdef MNET_SEPARATE_LOADERS
#define MNET_LOADERS_INLINE
#else
#define MNET_LOADERS_INLINE inline
#endif
