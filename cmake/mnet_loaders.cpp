// The TU the CMake target mnet::mnet adds to each target that links it: the one
// place that program compiles mnet's weight loaders, image decoding and
// preprocessing (MNET_SEPARATE_LOADERS, which mnet::mnet defines; io/linkage.hpp).
#include <mnet/loaders.hpp>
