# mnet's dependencies, all from Debian packages. Included by the top-level
# CMakeLists.txt and by the installed mnetConfig.cmake, so a consumer finds the
# same things mnet was built against.
#   nlohmann-json3-dev  header-only JSON (safetensors headers)
#   libxsimd-dev        SIMD wrappers for the kernels (+ xtl-dev, which its config needs)
#   libflatbuffers-dev  flatbuffers runtime + Verifier (.tflite import)
#   libstb-dev          stb_image, linked as Debian's compiled libstb, so no TU
#                       ever defines the implementation (no ODR/multiple-definition risk)
find_package(nlohmann_json 3 REQUIRED)
find_package(xtl REQUIRED)  # Debian's xsimd 8.1 config links a target named xtl
find_package(xsimd 8 REQUIRED)
find_package(FlatBuffers CONFIG REQUIRED)

if(NOT TARGET mnet::stb)
  find_path(MNET_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb REQUIRED)
  find_library(MNET_STB_LIBRARY stb REQUIRED)
  add_library(mnet::stb UNKNOWN IMPORTED)
  set_target_properties(mnet::stb PROPERTIES
    IMPORTED_LOCATION "${MNET_STB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MNET_STB_INCLUDE_DIR}")
endif()
