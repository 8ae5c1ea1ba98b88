#!/usr/bin/env bash
# CI: the benchmarks build (-DMNET_BUILD_BENCH=ON: mnet-latency, and with Google Benchmark
# mnet-bench-kernels, -models, -blocks; the oneDNN/XNNPACK peer only where libdnnl-dev is
# installed, not in CI) and the plain timing tool runs. Nothing is timed against a target:
# speed claims live in bench/README.md with their CPU. This step exists because a bench
# that nobody compiles rots when the library's interfaces move (mnet-bench-blocks did).
#   bash .ci/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-ci-bench -DCMAKE_BUILD_TYPE=Release -DMNET_BUILD_BENCH=ON -DMNET_BUILD_TESTS=OFF \
  -DMNET_BUILD_EXAMPLES=OFF -DMNET_WERROR=ON > /dev/null
cmake --build build-ci-bench -j2
./build-ci-bench/bench/mnet-latency --runs 3 --warmup 1
./build-ci-bench/bench/mnet-latency --help > /dev/null
if ./build-ci-bench/bench/mnet-latency --no-such-option 2> /dev/null; then
  echo "bench: mnet-latency accepted an unknown option" >&2
  exit 1
fi
