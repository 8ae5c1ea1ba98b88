#!/usr/bin/env bash
# Sanitizer CI, run by .ci/run after the ordinary test run (or alone):
#  1. AddressSanitizer + UndefinedBehaviorSanitizer: the test executable built
#     with -fsanitize=address,undefined -fno-omit-frame-pointer at -O1, halting on
#     the first error, in build-asan; then the whole CTest suite except the CLI
#     tests (only mnet_tests is built here: the tools are exercised by the
#     ordinary build and the fuzzers). clang++ and a unity build (the test files
#     in one TU per job: every TU instantiates most of mnet again; on 2 cores, 2 TUs
#     of 24 files, plus a small third one with the suite's two support sources,
#     took 525 s to build and test against 649 s for 9 TUs of 6): the instrumented -O1 build is CI's longest step, and
#     g++ 12 took twice clang 14's CPU time per test file (58 vs 28 s, test_gemm.cpp).
#  2. ThreadSanitizer: only the threaded tests (tests/runtime/test_concurrency.cpp:
#     one Model, 8 threads, 8 Sessions; test_session.cpp: a Session's own
#     threads) in build-tsan, target mnet_thread_tests.
# Prints the wall time of each part; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export MNET_DATA_DIR="${MNET_DATA_DIR:-$(cd .. && pwd)/shared}"
jobs="${MNET_CI_JOBS:-2}"
batch=$(( ($(ls tests/*/test_*.cpp | wc -l) + jobs - 1) / jobs ))  # test files per unity TU: one TU per job
t0=$(date +%s)

# A build type of our own, so CMake's Release flags (-O3 -DNDEBUG) do not override
# -O1 and debug assertions (MNET_ASSERT) stay on.
# With clang++ the build is also -Werror: the clang++ check of the tests on the SIMD kernels
# (.ci/warnings.sh; build-scalar is the one on the reference kernels). Not with g++: its
# flow-based warnings (-Wmaybe-uninitialized) follow the instrumented -O1 code; build/ is its check.
cxx=${MNET_SANITIZE_CXX:-clang++}
configure() {  # build-dir, sanitizer flags[, compiler]
  local compiler=${3:-$cxx} werror=OFF
  [[ "$compiler" == clang* ]] && werror=ON
  cmake -S . -B "$1" -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1 $2" -DCMAKE_EXE_LINKER_FLAGS="$2" -DCMAKE_UNITY_BUILD=ON \
    -DCMAKE_UNITY_BUILD_BATCH_SIZE=$batch -DMNET_BUILD_EXAMPLES=OFF -DMNET_WERROR=$werror -DMNET_DATA_DIR="$MNET_DATA_DIR" >/dev/null
}

asan="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
configure build-asan "$asan"
cmake --build build-asan -j"$jobs" --target mnet_tests
ctest --test-dir build-asan -j"$jobs" --output-on-failure
t1=$(date +%s)
echo "sanitizers: ASan+UBSan build and tests took $((t1 - t0)) s"

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
# g++ for TSan: clang's TSan runtime is a static archive that defines operator new itself, which
# collides with the tests' counting allocator (support/counting_allocator.cpp); g++'s libtsan is shared.
configure build-tsan "-fsanitize=thread" g++
cmake --build build-tsan -j"$jobs" --target mnet_thread_tests
build-tsan/tests/mnet_thread_tests
t2=$(date +%s)
echo "sanitizers: TSan build and threaded tests took $((t2 - t1)) s (total $((t2 - t0)) s)"
