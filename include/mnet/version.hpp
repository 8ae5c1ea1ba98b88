// mnet version (semantic versioning). The single source of the version: CMake
// reads these lines (cmake/mnetVersion.cmake) for project(VERSION) and the package
// version file, and stops if MNET_VERSION_STRING disagrees with the numbers.
#pragma once

#define MNET_VERSION_MAJOR 0
#define MNET_VERSION_MINOR 1
#define MNET_VERSION_PATCH 0
#define MNET_VERSION_STRING "0.1.0"
