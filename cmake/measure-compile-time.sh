#!/usr/bin/env bash
# Compile-time budget of mnet's umbrella header: wall time, CPU time and peak
# compiler memory (/usr/bin/time -v) of compiling cmake/compile_time_probe.cpp —
# a TU that includes <mnet/mnet.hpp>, loads a model, reads and preprocesses an
# image and runs a Session — at -O2 with g++ and clang++, with a consumer's
# default flags (no -march). Two ways, as a host gets them (io/linkage.hpp):
#   mnet::mnet (CMake)   MNET_SEPARATE_LOADERS: the TU compiles the session and
#                        kernels; the readers compile once per target, in the TU
#                        mnet::mnet adds (cmake/mnet_loaders.cpp, also timed)
#   header-only          mnet::header_only or a plain include path: the TU
#                        compiles the readers too
# Budget for the mnet::mnet TU: 5 s and 1 GB, checked on CPU time (user + sys),
# which other jobs sharing the machine inflate far less than wall time.
#   bash cmake/measure-compile-time.sh              both ways, both compilers
#   bash cmake/measure-compile-time.sh --breakdown  also the umbrella alone (no calls)
#                                                   and each dependency header alone
#   bash cmake/measure-compile-time.sh --transfer   also the probe plus <mnet/transfer/imprint.hpp>
#                                                   (Eigen) and head_file.hpp: cmake/compile_time_probe_transfer.cpp
#   --check     exit 1 if the mnet::mnet probe exceeds the budget
#   --repeat N  best of N runs per row
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BREAKDOWN=0 CHECK=0 REPEAT=1 TRANSFER=0
while [ $# -gt 0 ]; do
  case $1 in
    --breakdown) BREAKDOWN=1 ;;
    --check) CHECK=1 ;;
    --transfer) TRANSFER=1 ;;
    --repeat) REPEAT=$2; shift ;;
    *) echo "usage: $0 [--breakdown] [--transfer] [--check] [--repeat N]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian: time)" >&2; exit 1; }
BUDGET_S=5 BUDGET_MB=1024
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnet-ctime.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FLAGS=(-std=c++20 -O2 -I"$ROOT/include")

# Best of $REPEAT compiles of $2 with $1: "wall_s cpu_s peak_mb" (cpu = user + sys).
measure() {
  local cxx=$1 src=$2 best="" i wall cpu mb
  shift 2
  for ((i = 0; i < REPEAT; i++)); do
    /usr/bin/time -v "$cxx" "${FLAGS[@]}" "$@" -c "$src" -o "$WORK/out.o" 2>"$WORK/time.txt" ||
      { cat "$WORK/time.txt" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s }' "$WORK/time.txt")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$WORK/time.txt")
    mb=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$WORK/time.txt")
    if [ -z "$best" ] || awk -v a="$cpu" -v b="$(cut -d' ' -f2 <<<"$best")" 'BEGIN { exit !(a < b) }'; then best="$wall $cpu $mb"; fi
  done
  echo "$best"
}

row() {  # label, compiler, source, extra flags; prints a table row, leaves the figures in $FIGURES
  local label=$1 cxx=$2
  shift 2
  FIGURES=$(measure "$cxx" "$@")
  read -r wall cpu mb <<<"$FIGURES"
  printf "%-50s %-8s %7.1f %7.1f %8d\n" "$label" "$(basename "$cxx")" "$wall" "$cpu" "$mb"
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "flags: ${FLAGS[*]/#-I*/} (best of $REPEAT; cpu = user + sys)"
printf "%-50s %-8s %7s %7s %8s\n" "translation unit" "compiler" "wall s" "cpu s" "peak MB"
status=0
for cxx in g++ clang++; do
  command -v "$cxx" >/dev/null || { echo "$cxx not found" >&2; status=1; continue; }
  cxx=$(command -v "$cxx")
  row "probe, mnet::mnet (MNET_SEPARATE_LOADERS)" "$cxx" "$ROOT/cmake/compile_time_probe.cpp" -DMNET_SEPARATE_LOADERS
  read -r _ cpu mb <<<"$FIGURES"
  if awk -v c="$cpu" -v m="$mb" -v bc="$BUDGET_S" -v bm="$BUDGET_MB" 'BEGIN { exit !(c > bc || m > bm) }'; then
    status=1
  fi
  row "  + once per target: cmake/mnet_loaders.cpp" "$cxx" "$ROOT/cmake/mnet_loaders.cpp" -DMNET_SEPARATE_LOADERS
  row "probe, header-only (readers compiled here too)" "$cxx" "$ROOT/cmake/compile_time_probe.cpp"
  if [ "$TRANSFER" = 1 ]; then
    row "probe + transfer/imprint.hpp (Eigen), mnet::mnet" "$cxx" "$ROOT/cmake/compile_time_probe_transfer.cpp" \
      -DMNET_SEPARATE_LOADERS -I/usr/include/eigen3
  fi
done
if [ "$BREAKDOWN" = 1 ]; then
  echo '#include <mnet/mnet.hpp>' >"$WORK/umbrella.cpp"
  for cxx in g++ clang++; do
    row "umbrella only (#include, no calls), mnet::mnet" "$(command -v "$cxx")" "$WORK/umbrella.cpp" -DMNET_SEPARATE_LOADERS
    row "umbrella only, header-only" "$(command -v "$cxx")" "$WORK/umbrella.cpp"
  done
  echo '#include <string>
#include <vector>
#include <map>
#include <memory>
#include <variant>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <algorithm>' >"$WORK/std.cpp"
  row "std headers mnet uses (string ... sstream)" "$(command -v g++)" "$WORK/std.cpp"
  for h in nlohmann/json.hpp flatbuffers/flatbuffers.h xsimd/xsimd.hpp stb_image.h; do
    echo "#include <$h>" >"$WORK/dep.cpp"
    row "dependency alone: <$h>" "$(command -v g++)" "$WORK/dep.cpp"
  done
fi
if [ "$status" -ne 0 ]; then
  echo "mnet::mnet probe over the budget (${BUDGET_S} s CPU or ${BUDGET_MB} MB) for at least one compiler"
  [ "$CHECK" = 1 ] && exit 1
else
  echo "mnet::mnet probe within the budget (${BUDGET_S} s CPU, ${BUDGET_MB} MB) with both compilers"
fi
exit 0
