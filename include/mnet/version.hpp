// mnet version (semantic versioning).
#pragma once

#define MNET_VERSION_MAJOR 0
#define MNET_VERSION_MINOR 1
#define MNET_VERSION_PATCH 0
#define MNET_VERSION_STRING "0.1.0"
