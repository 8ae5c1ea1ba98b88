#!/usr/bin/env bash
# CI: the scalar build (MNET_SIMD=OFF: the reference kernels only, xsimd never
# included) builds warning-free and passes the whole suite, as the README promises
# for machines xsimd does not cover.
#   bash .ci/scalar.sh        (build dir: build-scalar; MNET_DATA_DIR defaults to ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
export MNET_DATA_DIR="${MNET_DATA_DIR:-$(cd .. && pwd)/shared}"
echo "=== scalar: MNET_SIMD=OFF, whole suite ($(date +%T))"
cmake -S . -B build-scalar -DMNET_SIMD=OFF -DMNET_WERROR=ON >/dev/null
cmake --build build-scalar -j2
./build-scalar/tests/mnet_tests "[backend]"  # names the kernels: "reference"
ctest --test-dir build-scalar -j2 --output-on-failure 2>&1 | tail -n 25
