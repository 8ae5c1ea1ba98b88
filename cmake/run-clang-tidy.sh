#!/usr/bin/env bash
# Runs clang-tidy (the checked-in .clang-tidy) on mnet's public headers: one TU
# that includes every header under include/mnet (detail/ folders are reached
# through them) with the default flags (SSE2 kernels) and MNET_SEPARATE_LOADERS
# (so <mnet/loaders.hpp> compiles; it defines what io/load.hpp declares), then the kernel and layer
# headers again for each other kernel path — scalar reference only (MNET_SIMD=0),
# AVX2+FMA, AVX-512 — since each compiles different code. Any finding fails
# (WarningsAsErrors: '*').
#   bash cmake/run-clang-tidy.sh            (CLANG_TIDY=clang-tidy-14 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TIDY=${CLANG_TIDY:-$(command -v clang-tidy-14 || command -v clang-tidy || true)}
[ -n "$TIDY" ] || { echo "clang-tidy not found (Debian: clang-tidy)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnet-tidy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

headers() {  # public headers whose path matches $1, as #include lines
  (cd "$ROOT/include" && find mnet -name '*.hpp' -not -path '*/detail/*' | LC_ALL=C sort | grep -E "$1" | sed 's|.*|#include <&>|')
}
headers '.' >"$WORK/all.cpp"
headers '^mnet/(kernels|layers)/' >"$WORK/kernels.cpp"
# Without SIMD the kernels/simd headers refuse to compile (#error); the backend picks the reference kernels.
headers '^mnet/(kernels|layers)/' | grep -v -E 'kernels/simd/(arch|conv3x3s2_c3|dwconv3x3|gemm|head)\.hpp' >"$WORK/reference.cpp"
echo "clang-tidy: $($TIDY --version | grep -m1 -o 'version [0-9.]*'), $(wc -l <"$WORK/all.cpp") public headers"

status=0
run() {  # label, TU, extra compiler flags
  local label=$1 tu=$2
  shift 2
  echo "--- $label"
  if ! "$TIDY" --quiet --config-file="$ROOT/.clang-tidy" "$tu" -- \
      -std=c++20 -I"$ROOT/include" -I/usr/include/stb -isystem /usr/include/eigen3 "$@" >"$WORK/out.txt" 2>&1; then
    status=1
  fi
  grep -v -E '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$' "$WORK/out.txt" || true
}
run "all headers, default flags (SSE2 kernels), MNET_SEPARATE_LOADERS" "$WORK/all.cpp" -DMNET_SEPARATE_LOADERS
run "kernels + layers, MNET_SIMD=0 (reference kernels)" "$WORK/reference.cpp" -DMNET_SIMD=0
run "kernels + layers, -march=x86-64-v3 (AVX2+FMA)" "$WORK/kernels.cpp" -march=x86-64-v3
run "kernels + layers, -march=x86-64-v4 (AVX-512)" "$WORK/kernels.cpp" -march=x86-64-v4
if [ "$status" -eq 0 ]; then echo "clang-tidy: clean"; else echo "clang-tidy: FAILED" >&2; fi
exit "$status"
