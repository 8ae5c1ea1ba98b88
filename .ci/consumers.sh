#!/usr/bin/env bash
# CI: builds examples/host_app against mnet the three ways a user adds it —
# installed package (find_package), add_subdirectory, FetchContent — runs each on
# a photo and checks its top-1 (parrot.jpg → 89 macaw). Also checks what a
# consumer must (and must not) get from mnet: the installed package config finds
# its Debian dependencies, the version file accepts 0.1 and rejects 9, and none of
# mnet's own build options (-march=native, warnings, MNET_SIMD, build type) leak
# into the host's compile commands, and that mnet::mnet compiles its loaders TU
# (MNET_SEPARATE_LOADERS) into both host targets while mnet::header_only adds
# nothing. Ends with the compile-time report of a host TU
# (cmake/measure-compile-time.sh; printed, not enforced: CI machines are shared).
#   bash .ci/consumers.sh          (MNET_DATA_DIR defaults to ../shared)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MNET_DATA_DIR:-$(cd "$ROOT/.." && pwd)/shared}
MODEL=$DATA/weights/mobilenet_v2_1.0_224.safetensors
IMAGE=$DATA/images/parrot.jpg
LABELS=$DATA/weights/labels/imagenet_1001.txt
EXPECT='^top-1: 89 macaw '
APP=$ROOT/examples/host_app
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnet-consumers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for f in "$MODEL" "$IMAGE" "$LABELS"; do [ -f "$f" ] || { echo "missing $f (set MNET_DATA_DIR)" >&2; exit 1; }; done

step() { echo; echo "=== consumers: $* ($(date +%T))"; }
fail() { echo "consumers: FAIL: $*" >&2; exit 1; }

# Runs the app built in $1 and checks its top-1; a missing model must fail cleanly.
run_app() {
  local out
  out=$("$1/host_app" "$MODEL" "$IMAGE" "$LABELS") || fail "$1/host_app exited with $?"
  echo "$out"
  grep -Eq "$EXPECT" <<<"$out" || fail "$1: expected '$EXPECT', got '$out'"
  if "$1/host_app" "$WORK/no-such.safetensors" "$IMAGE" 2>/dev/null; then fail "$1: succeeded on a missing model"; fi
}

# Fails if any host_app compile command in $1/compile_commands.json holds one of $2.. .
check_no_leak() {
  local db=$1/compile_commands.json pattern
  shift
  [ -f "$db" ] || fail "$db missing"
  for pattern in "$@"; do
    if grep '"command"' "$db" | grep 'host_app' | grep -q -e "$pattern"; then
      fail "mnet leaked '$pattern' into the host's compile command: $(grep '"command"' "$db" | grep -m1 host_app)"
    fi
  done
  echo "no leak of: $*"
}

# Checks how the host targets in $1 were compiled: "separate" (mnet::mnet: every host
# TU has MNET_SEPARATE_LOADERS and both host_app and host_classifier compile
# mnet_loaders.cpp) or "header-only" (neither).
check_mode() {
  local db=$1/compile_commands.json n_loaders n_macro
  n_loaders=$(grep -c '"file": ".*mnet_loaders\.cpp"' "$db" || true)
  n_macro=$(grep '"command"' "$db" | grep -c -e '-DMNET_SEPARATE_LOADERS' || true)
  if [ "$2" = separate ]; then
    [ "$n_loaders" = 2 ] || fail "$1: expected mnet_loaders.cpp compiled in host_app and host_classifier, got $n_loaders"
    [ "$n_macro" = "$(grep -c '"command"' "$db")" ] || fail "$1: MNET_SEPARATE_LOADERS missing from a host TU"
  else
    [ "$n_loaders" = 0 ] && [ "$n_macro" = 0 ] || fail "$1: mnet::header_only added mnet_loaders.cpp or MNET_SEPARATE_LOADERS"
  fi
  echo "mnet linkage: $2 ($n_loaders loaders TUs, $n_macro TUs with MNET_SEPARATE_LOADERS)"
}

configure_app() {  # build dir, then cmake options
  local dir=$1
  shift
  cmake -S "$APP" -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; fail "configure $dir"; }
  cmake --build "$dir" -j2
}

step "1/3 installed package: cmake --install, then find_package(mnet CONFIG REQUIRED)"
cmake -S "$ROOT" -B "$WORK/mnet-build" -DMNET_BUILD_TESTS=OFF -DMNET_BUILD_EXAMPLES=OFF >"$WORK/mnet-build.log" 2>&1 ||
  { cat "$WORK/mnet-build.log"; fail "configure mnet for install"; }
cmake --install "$WORK/mnet-build" --prefix "$WORK/prefix" >/dev/null
for f in include/mnet/mnet.hpp include/mnet/version.hpp share/mnet/mnet_loaders.cpp share/cmake/mnet/mnetConfig.cmake \
         share/cmake/mnet/mnetConfigVersion.cmake share/cmake/mnet/mnetDependencies.cmake share/cmake/mnet/mnetTargets.cmake; do
  [ -f "$WORK/prefix/$f" ] || fail "not installed: $f"
done
# The version file: 0.1 and the exact version are accepted, 9 is not.
mkdir -p "$WORK/version"
cat >"$WORK/version/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(version_check LANGUAGES CXX)
find_package(mnet ${WANT} CONFIG)
if(NOT mnet_FOUND)
  message(FATAL_ERROR "find_package(mnet ${WANT} CONFIG) did not find mnet")
endif()
message(STATUS "found mnet ${mnet_VERSION} for ${WANT}")
EOF
for want in 0.1 "$(sed -n 's/^#define MNET_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/include/mnet/version.hpp")" 9; do
  rm -rf "$WORK/version/build"
  if cmake -S "$WORK/version" -B "$WORK/version/build" -DWANT="$want" -DCMAKE_PREFIX_PATH="$WORK/prefix" >"$WORK/version.log" 2>&1; then
    [ "$want" != 9 ] || fail "find_package(mnet 9 CONFIG) found mnet $(grep -o 'found mnet [^ ]*' "$WORK/version.log")"
  else
    [ "$want" = 9 ] || { cat "$WORK/version.log"; fail "find_package(mnet $want CONFIG) failed"; }
  fi
done
echo "version file: 0.1 accepted, 9 rejected"
configure_app "$WORK/package" -DMNET_CONSUME=package -DCMAKE_PREFIX_PATH="$WORK/prefix" -DCMAKE_BUILD_TYPE=Release
run_app "$WORK/package"
check_no_leak "$WORK/package" -march= -Wall -Wextra -Werror MNET_SIMD=
check_mode "$WORK/package" separate

step "2/3 add_subdirectory, mnet::header_only (no build type given: mnet must not force one; host warnings as errors)"
configure_app "$WORK/subdir" -DMNET_CONSUME=subdirectory -DMNET_SOURCE_DIR="$ROOT" -DHOST_APP_WERROR=ON -DHOST_APP_HEADER_ONLY=ON
grep -q '^CMAKE_BUILD_TYPE:STRING=$' "$WORK/subdir/CMakeCache.txt" ||
  fail "mnet set the host's build type: $(grep '^CMAKE_BUILD_TYPE' "$WORK/subdir/CMakeCache.txt")"
run_app "$WORK/subdir"
check_no_leak "$WORK/subdir" -march= MNET_SIMD=
check_mode "$WORK/subdir" header-only

step "3/3 FetchContent from an archive of this checkout (works offline, no git needed; host warnings as errors)"
tar -C "$ROOT" --exclude=./.git --exclude='./build*' -czf "$WORK/mnet-src.tar.gz" .
configure_app "$WORK/fetch" -DMNET_CONSUME=fetchcontent -DMNET_FETCH_URL="$WORK/mnet-src.tar.gz" \
  -DCMAKE_BUILD_TYPE=Release -DHOST_APP_WERROR=ON
run_app "$WORK/fetch"
check_no_leak "$WORK/fetch" -march= MNET_SIMD=
check_mode "$WORK/fetch" separate

step "all three consumer builds pass"

step "compile time of a host TU (budget 5 s, 1 GB)"
bash "$ROOT/cmake/measure-compile-time.sh"
