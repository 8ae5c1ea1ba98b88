# mnet's dependencies, all from Debian packages. Included by the top-level
# CMakeLists.txt and by the installed mnetConfig.cmake, so a consumer finds the
# same things mnet was built against.
#   nlohmann-json3-dev  header-only JSON (safetensors headers)
#   libxsimd-dev        SIMD wrappers for the kernels (+ xtl-dev, which its config needs)
#   libflatbuffers-dev  flatbuffers runtime + Verifier (.tflite import)
#   libeigen3-dev       Eigen 3.4: dense linear algebra of the transfer-learning headers
#                       (never in <mnet/mnet.hpp>), and the tests' independent oracle
#   libstb-dev          stb_image, linked as Debian's compiled libstb, so no TU
#                       ever defines the implementation (no ODR/multiple-definition risk)
# In the installed mnetConfig.cmake (CMAKE_FIND_PACKAGE_NAME is mnet) a missing
# dependency must make find_package(mnet) fail the way the caller asked (QUIET,
# REQUIRED): find_dependency does that. At mnet's own configure it is an error.
if(CMAKE_FIND_PACKAGE_NAME STREQUAL "mnet")
  include(CMakeFindDependencyMacro)
  macro(_mnet_find_dependency)
    find_dependency(${ARGN})
  endmacro()
else()
  macro(_mnet_find_dependency)
    find_package(${ARGN} REQUIRED)
  endmacro()
endif()

_mnet_find_dependency(nlohmann_json 3)
_mnet_find_dependency(xtl)  # Debian's xsimd 8.1 config links a target named xtl
_mnet_find_dependency(xsimd 8)
_mnet_find_dependency(FlatBuffers CONFIG)
_mnet_find_dependency(Eigen3 3.4 CONFIG)

if(NOT TARGET mnet::stb)
  find_path(MNET_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
  find_library(MNET_STB_LIBRARY stb)
  if(NOT MNET_STB_INCLUDE_DIR OR NOT MNET_STB_LIBRARY)
    set(_mnet_stb_missing "stb_image.h or libstb not found (Debian: libstb-dev)")
    if(CMAKE_FIND_PACKAGE_NAME STREQUAL "mnet")
      set(mnet_FOUND FALSE)
      set(mnet_NOT_FOUND_MESSAGE "${_mnet_stb_missing}")
      return()
    endif()
    message(FATAL_ERROR "${_mnet_stb_missing}")
  endif()
  add_library(mnet::stb UNKNOWN IMPORTED)
  set_target_properties(mnet::stb PROPERTIES
    IMPORTED_LOCATION "${MNET_STB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MNET_STB_INCLUDE_DIR}")
endif()
