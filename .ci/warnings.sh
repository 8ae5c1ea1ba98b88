#!/usr/bin/env bash
# CI: mnet's tests and examples compile warning-free (-Wall -Wextra -Wpedantic
# -Werror, MNET_WERROR) with g++ and with clang++ (built, not run: the main CI
# build runs the suite), clang-tidy is clean on the public headers, and Doxygen
# finds every public symbol documented.
#   bash .ci/warnings.sh        (build dirs: build-werror-gcc, build-werror-clang)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "=== warnings: $* ($(date +%T))"; }

for cxx in g++ clang++; do
  dir=build-werror-$([ "$cxx" = g++ ] && echo gcc || echo clang)
  step "$cxx $($cxx -dumpfullversion 2>/dev/null || $cxx -dumpversion): tests and examples with -Werror"
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DMNET_WERROR=ON -DMNET_BUILD_TESTS=ON -DMNET_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$dir" -j2
done

step "clang-tidy on the public headers"
bash cmake/run-clang-tidy.sh

step "Doxygen: every public symbol documented"
MNET_DOCS_DIR=build-docs bash cmake/run-doxygen.sh

step "no warnings anywhere"
