#!/usr/bin/env bash
# Installs everything mnet builds, tests and benchmarks with, from Debian 12 packages.
# Usage: bash cmake/install-debian-deps.sh [extra packages...]
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  cmake make g++ pkg-config       # toolchain
  nlohmann-json3-dev              # safetensors header (JSON)
  libxsimd-dev xtl-dev            # SIMD kernels (Debian's xsimd config needs xtl)
  libflatbuffers-dev              # .tflite import (flatbuffers runtime + Verifier)
  libstb-dev                      # stb_image, compiled in Debian's libstb
  libeigen3-dev                   # transfer learning (<mnet/transfer/...>) and the tests' independent oracle
  catch2                          # tests (Catch2 v2)
  libbenchmark-dev                # benchmarks
  clang clang-tidy                # CI: the clang -Werror build, clang-tidy (.ci/warnings.sh)
  libclang-rt-14-dev python3      # CI: libFuzzer + sanitizer runtimes for clang, the seed script (tests/fuzz/run.sh)
  doxygen                         # CI: API reference, no undocumented symbol (cmake/run-doxygen.sh)
  time                            # CI: /usr/bin/time -v for cmake/measure-compile-time.sh
)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}" "$@"
