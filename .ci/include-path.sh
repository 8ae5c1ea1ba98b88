#!/usr/bin/env bash
# CI: the README's "one include path" holds: a TU with only `-I include` that includes
# <mnet/mnet.hpp> and loads, decodes, preprocesses and runs (cmake/compile_time_probe.cpp)
# compiles with g++ and clang++ against the Debian packages of cmake/install-debian-deps.sh
# (stb is found as <stb/stb_image.h>), links with -lstb (Debian's compiled stb_image)
# and classifies a photo (parrot.jpg → 89).
#   bash .ci/include-path.sh        (MNET_DATA_DIR defaults to ../shared)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MNET_DATA_DIR:-$(cd "$ROOT/.." && pwd)/shared}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnet-include.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
for cxx in g++ clang++; do
  echo "=== include path: $cxx -std=c++20 -I include -c probe.cpp ($(date +%T))"
  # -O1: what is checked is that it compiles and links; the run only needs to finish.
  $cxx -std=c++20 -O1 -I "$ROOT/include" -c "$ROOT/cmake/compile_time_probe.cpp" -o probe.o
  $cxx probe.o -o probe -lstb
  top1=$(./probe "$DATA/weights/mobilenet_v2_1.0_224.safetensors" "$DATA/images/parrot.jpg")
  [ "$top1" = 89 ] || { echo "include path: $cxx probe printed '$top1', expected 89" >&2; exit 1; }
  echo "ok: compiled, linked with -lstb, parrot.jpg -> $top1"
done
