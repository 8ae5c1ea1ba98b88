#!/usr/bin/env bash
# CI: mnet's tests and examples compile warning-free (-Wall -Wextra -Wpedantic
# -Werror, MNET_WERROR) with g++ and with clang++ (built, not run: the main CI
# build runs the suite), clang-tidy is clean on the public headers, and Doxygen
# finds every public symbol documented.
#   bash .ci/warnings.sh        (build dirs: build-werror-gcc, build-werror-clang)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "=== warnings: $* ($(date +%T))"; }

covering_build() {  # compiler id: an up-to-date build dir of .ci/run with that compiler, -Werror, tests and examples
  local d
  for d in build build-scalar; do
    grep -qx 'MNET_WERROR:BOOL=ON' "$d/CMakeCache.txt" 2>/dev/null &&
      ! grep -qx 'MNET_BUILD_EXAMPLES:BOOL=OFF' "$d/CMakeCache.txt" &&
      grep -qs "set(CMAKE_CXX_COMPILER_ID \"$1\")" "$d"/CMakeFiles/*/CMakeCXXCompiler.cmake &&
      cmake --build "$d" -j2 >/dev/null && { echo "$d"; return; }
  done
  return 1
}
for cxx in g++ clang++; do
  dir=build-werror-$([ "$cxx" = g++ ] && echo gcc || echo clang)
  step "$cxx $($cxx -dumpfullversion 2>/dev/null || $cxx -dumpversion): tests and examples with -Werror"
  # .ci/run builds build/ with g++ (SIMD kernels) and build-scalar/ with clang++ (reference
  # kernels), both with MNET_WERROR=ON: those builds were this check.
  if covered=$(covering_build "$([ "$cxx" = g++ ] && echo GNU || echo Clang)"); then
    echo "covered by $covered/ ($cxx, MNET_WERROR=ON), which is up to date"
    continue
  fi
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DMNET_WERROR=ON -DMNET_BUILD_TESTS=ON -DMNET_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$dir" -j2
done

step "clang-tidy on the public headers"
bash cmake/run-clang-tidy.sh

step "Doxygen: every public symbol documented"
MNET_DOCS_DIR=build-docs bash cmake/run-doxygen.sh

step "no warnings anywhere"
