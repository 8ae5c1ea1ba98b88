#!/usr/bin/env bash
# Peak activation memory (a Session's arena: activations, scratch, logits) of every
# published MobileNetV2 configuration, fused and unfused inverted residuals, 1 and
# 2 threads, from `mnet-stats --memory` (the same plan the Session allocates).
# Writes bench/results/memory-v2-grid.md and prints it. BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target mnet-stats -j2 >/dev/null
stats=$build/examples/mnet-stats
peak() { "$stats" --arch v2 --memory "$@" | sed -n 's/^peak_activation_bytes=//p'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }

out=bench/results/memory-v2-grid.md
mkdir -p bench/results
{
  echo "Peak activation memory of MobileNetV2 sessions, MB (10^6 bytes): \`bench/memory_grid.sh\`"
  echo "(\`mnet-stats --arch v2 --width A --resolution R --memory [--threads T] [--unfused]\`, default band budget)."
  echo
  echo "| config | fused, 1 thread | fused, 2 threads | unfused | unfused / fused |"
  echo "|---|---:|---:|---:|---:|"
  for cfg in 1.4-224 1.0-224 1.0-192 1.0-160 1.0-128 1.0-96 0.75-224 0.75-192 0.75-160 0.75-128 0.75-96 \
             0.5-224 0.5-192 0.5-160 0.5-128 0.5-96 0.35-224 0.35-192 0.35-160 0.35-128 0.35-96; do
    w=${cfg%-*} r=${cfg#*-}
    f1=$(peak --width "$w" --resolution "$r")
    f2=$(peak --width "$w" --resolution "$r" --threads 2)
    u=$(peak --width "$w" --resolution "$r" --unfused)
    echo "| $cfg | $(mb "$f1") | $(mb "$f2") | $(mb "$u") | $(awk -v u="$u" -v f="$f1" 'BEGIN { printf "%.2f", u / f }') |"
  done
} >"$out"
cat "$out"
