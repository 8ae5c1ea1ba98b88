#!/usr/bin/env bash
# CI: mnet on 64-bit ARM. From a fresh Debian 12 (x86-64): installs the cross toolchain,
# qemu-user and the arm64 multiarch packages, cross-builds the test suite with
# cmake/toolchains/aarch64-linux-gnu.cmake (NEON: xsimd's neon64 kernels) and runs it
# under qemu-aarch64 through ctest (CMAKE_CROSSCOMPILING_EMULATOR). Prints the target
# and the kernels' ISA (the [backend] test), ends with CTest's summary.
#   bash .ci/aarch64.sh          the CI subset: everything but the tests listed in SLOW
#   bash .ci/aarch64.sh --all    every test of the subset (all seven reference-logit configs,
#                                the integer Session on every quantized config)
# Emulation costs ~500x per inference (qemu runs NEON float lanes through softfloat: ~2
# CPU-s per V2 1.0-224 inference, 4 ms natively), so CI runs every kernel test (NEON tiles
# against their scalar twins), the fixed-point and threaded tests, and reference logits of V2
# (v2_1.0_224_float from stored inputs at 1 and 2 threads, fused and not; v2_1.0_224_quant)
# and V1 (v1_0.5_160_quant, v1_0.25_128_quant); SLOW lists what it leaves out and why.
set -euo pipefail
cd "$(dirname "$0")/.."
export MNET_DATA_DIR="${MNET_DATA_DIR:-$(cd .. && pwd)/shared}"
ALL=0
[ "${1:-}" = --all ] && ALL=1
step() { echo; echo "=== aarch64: $* ($(date +%T))"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

step "install: cross g++, qemu-user, arm64 multiarch libraries"
host_packages=(
  cmake make pkg-config                       # build tools (run on the host)
  crossbuild-essential-arm64                  # aarch64-linux-gnu-g++ 12 and the arm64 libc/libstdc++
  qemu-user                                   # qemu-aarch64: ctest runs the tests through it
  nlohmann-json3-dev xtl-dev libeigen3-dev catch2  # header-only: one copy serves both archs
)
arm64_packages=(
  libstb-dev:arm64                            # stb_image, compiled (libstb.so for arm64)
  libflatbuffers-dev:arm64 libxsimd-dev:arm64 # their CMake package files live in the arch's lib dir
  libstdc++6:arm64                            # the runtime qemu loads (-L /: multiarch ld.so + libc)
)
export DEBIAN_FRONTEND=noninteractive
dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${host_packages[@]}" "${arm64_packages[@]}"

step "configure and build mnet_tests for aarch64 ($(aarch64-linux-gnu-g++ -dumpfullversion))"
cmake -S . -B build-aarch64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake \
  -DMNET_WERROR=ON -DMNET_BUILD_EXAMPLES=OFF -DMNET_DATA_DIR="$MNET_DATA_DIR" >/dev/null
cmake --build build-aarch64 -j2 --target mnet_tests
echo "built: build-aarch64/tests/mnet_tests, $(aarch64-linux-gnu-readelf -h build-aarch64/tests/mnet_tests | grep -E 'Class|Machine' | tr -s ' ' | tr '\n' ' ')"

step "target and kernels (host $(uname -m), under $(qemu-aarch64 --version | head -1))"
# -L /: the multiarch loader and libc (cmake/toolchains/aarch64-linux-gnu.cmake says why not
# /usr/aarch64-linux-gnu). The lines name the target, each arch the kernel tests run over
# with its kernels, and the 1x1 tile the layers use.
qemu-aarch64 -L / build-aarch64/tests/mnet_tests "[backend]" -r compact | sed 's/^[^ ]*: warning: //'

# The cross build compiles the portability subset of the test files (tests/CMakeLists.txt:
# MNET_TESTS_PORTABILITY_SUBSET, on by default under an emulator). SLOW: what ctest then
# leaves out of the CI run, all of it repeats of what the kept tests run; a test's cost is
# about its inference count (V2 1.0-224 = 1; V1 1.0-224 = 2). Times: wall, ctest -j2 on 2
# shared cores. Kept, for scale: v2_1.0_224_float from stored inputs (20 inferences), the
# 8-session concurrency test (8 x 4 runs when emulated), v2_1.0_224_quant (5).
SLOW=(
  "tflite: v1_1.0_224_quant"                  # 5 x V1 1.0-224, 2x V2's MAdds (198 s)
  "tflite: v2_1.0_224_ptq"                    # 5 more V2 (70 s)
  "tflite: v1_0.75_192_quant"                 # 5 (87 s)
  "integer Session: the quantized classifiers" # 6 configs x 5 photos x 2 thread counts
  "integer Session: DeepLab masks"            # DeepLab 513 in integers and in float
)
EXCLUDE=""
if [ "$ALL" = 0 ] && [ ${#SLOW[@]} -gt 0 ]; then
  EXCLUDE=$(printf '%s|' "${SLOW[@]}"); EXCLUDE=${EXCLUDE%|}
fi
step "ctest under qemu-aarch64 ($([ "$ALL" = 1 ] && echo 'every test' || echo 'CI subset'))"
# one line per test (kernel tests: "- TestArchs - 0" is NEON, "- 1" scalar), then the summary
ctest --test-dir build-aarch64 -j2 --timeout 1800 --output-on-failure ${EXCLUDE:+-E "$EXCLUDE"} 2>&1 | grep -v '^ *Start '
