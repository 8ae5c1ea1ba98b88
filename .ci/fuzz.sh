#!/usr/bin/env bash
# CI: the fuzz harness still works from a clean tree. Builds every libFuzzer target
# (clang-14, ASan+UBSan), writes the seed corpora from scratch (mnet-fuzz-seeds checks
# every seed loads), replays each target's stored crash inputs (tests/data/fuzz/) and
# fuzzes each target for a short smoke run. The campaigns themselves are
# tests/fuzz/run.sh with longer times (tests/fuzz/README.md).
#   bash .ci/fuzz.sh [SECONDS]      (per target, default 20; build dir: build-fuzz-ci)
set -euo pipefail
cd "$(dirname "$0")/.."
export MNET_FUZZ_BUILD="$PWD/build-fuzz-ci"
rm -rf "$MNET_FUZZ_BUILD/fuzz"  # seeds, corpora and crashes from scratch, as on a fresh clone
echo "=== fuzz: every target, ${1:-20} s each ($(date +%T))"
bash tests/fuzz/run.sh -t "${1:-20}"
