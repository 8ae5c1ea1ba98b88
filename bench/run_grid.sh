#!/usr/bin/env bash
# Runs the whole-network benchmark grid and writes
#   bench/results/<cpu-slug>-<date>.csv   (one row per config × threads × batch)
#   bench/results/latency_vs_madds.png    (latency against MAdds, V1/V2, per thread count)
# 1-thread configs run pinned to CPU 0, 2-thread ones to CPUs 0,1 (PERF-NOTES §7).
# Integer rows (precision int8-quant / int8-ptq) come from the quantized .tflite files
# under $MNET_DATA_DIR (default ../shared); without them the grid is float only.
# Extra arguments go to mnet-bench-models, e.g. --mnet_runs=151 or --mnet_weights=FILE.
# BUILD_DIR (default build-bench) picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-bench}
cmake -S . -B "$build" -DMNET_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target mnet-bench-models -j2
bin=$build/bench/mnet-bench-models

# A KVM guest may only say "AMD EPYC": family/model numbers make the slug specific.
model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- || true)
family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ' || true)
number=$(grep -m1 -E '^model\s+:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ' || true)
slug=$(echo "${model:-cpu}" | tr 'A-Z' 'a-z' | sed -E 's/\(r\)|\(tm\)|cpu|processor|@.*//g; s/[^a-z0-9]+/-/g; s/^-+|-+$//g')
[ -n "$family" ] && slug="$slug-f${family}m${number}"
out=bench/results
mkdir -p "$out"
csv=$out/$slug-$(date +%Y-%m-%d).csv

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (timings are noisy when it is near or above the core count)"
taskset -c 0 "$bin" --benchmark_filter='/t1/' --benchmark_out="$tmp/t1.json" --benchmark_out_format=json "$@"
taskset -c 0,1 "$bin" --benchmark_filter='/t2/' --benchmark_out="$tmp/t2.json" --benchmark_out_format=json "$@"

# Debian's python (with python3-matplotlib), not whatever python3 comes first on PATH.
/usr/bin/python3 bench/grid_csv.py "$csv" "$tmp/t1.json" "$tmp/t2.json"
/usr/bin/python3 bench/plot.py "$csv" "$out/latency_vs_madds.png"
echo "wrote $csv and $out/latency_vs_madds.png"
