#!/usr/bin/env bash
# CI: the scalar build (MNET_SIMD=OFF: the reference kernels only, xsimd never
# included) builds warning-free and passes the whole suite, as the README promises
# for machines xsimd does not cover. Built with clang++ and MNET_WERROR=ON, so it is
# also the clang++ half of the -Werror check (.ci/warnings.sh: the README build is
# the g++ half).
#   bash .ci/scalar.sh        (build dir: build-scalar; MNET_DATA_DIR defaults to ../shared;
#                              MNET_SCALAR_CXX picks another compiler)
set -euo pipefail
cd "$(dirname "$0")/.."
export MNET_DATA_DIR="${MNET_DATA_DIR:-$(cd .. && pwd)/shared}"
cxx=${MNET_SCALAR_CXX:-clang++}
jobs="${MNET_CI_JOBS:-2}"
batch=$(( ($(ls tests/*/test_*.cpp | wc -l) + jobs - 1) / jobs ))  # test files per unity TU: one TU per job (.ci/sanitizers.sh says why)
echo "=== scalar: MNET_SIMD=OFF, $cxx $($cxx -dumpversion) -Werror, whole suite ($(date +%T))"
# A unity build (the test files in one TU per job, as in .ci/sanitizers.sh): CI's time, not the warnings, is what it changes.
cmake -S . -B build-scalar -DCMAKE_CXX_COMPILER="$cxx" -DMNET_SIMD=OFF -DMNET_WERROR=ON -DCMAKE_UNITY_BUILD=ON \
  -DCMAKE_UNITY_BUILD_BATCH_SIZE=$batch -DMNET_DATA_DIR="$MNET_DATA_DIR" >/dev/null
cmake --build build-scalar -j"$jobs"
./build-scalar/tests/mnet_tests "[backend]"  # names the kernels: "reference"
ctest --test-dir build-scalar -j"$jobs" --output-on-failure 2>&1 | grep -v -E '^ +Start |Test +#'
