#!/usr/bin/env bash
# An estimate of mnet's speed on 64-bit ARM without an ARM machine: guest instructions
# per inference of the NEON build against the scalar build (MNET_SIMD=OFF), both
# cross-compiled for aarch64 and counted under qemu-aarch64 by bench/qemu_insn_count.c.
# Instructions are not time (a NEON fmla does 4 multiply-adds; loads, cache misses and
# the core's width decide the rest), so this ranks the builds, it does not time them.
# Per inference = (count with --bench 3 − count with --bench 1) / 2: loading the model,
# decoding the image and the warm-up cancel out.
#   bash bench/arm_estimate.sh [MODEL...]    (default: V2 1.0-224 float and V1 0.75-192;
#                                             needs what .ci/aarch64.sh installs)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${MNET_DATA_DIR:-$(cd .. && pwd)/shared}
IMAGE=$DATA/images/parrot.jpg
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$DATA/weights/mobilenet_v2_1.0_224.safetensors"
                                   "$DATA/weights/tflite/mobilenet_v1_0.75_192_quant.tflite")
mkdir -p build-arm-estimate
plugin=build-arm-estimate/libinsn_count.so
gcc -shared -fPIC -O2 -o "$plugin" bench/qemu_insn_count.c
for variant in neon scalar; do
  cmake -S . -B "build-arm-$variant" --toolchain cmake/toolchains/aarch64-linux-gnu.cmake -DMNET_BUILD_TESTS=OFF \
    -DMNET_SIMD=$([ $variant = neon ] && echo ON || echo OFF) >/dev/null
  cmake --build "build-arm-$variant" -j2 --target mnet-classify >/dev/null
done
count() {  # variant model runs → guest instructions of the whole process
  qemu-aarch64 -L / -plugin "$PWD/$plugin" "build-arm-$1/examples/mnet-classify" \
    --model "$2" --precision float --threads 1 --top 1 --bench "$3" "$IMAGE" 2>&1 >/dev/null | awk '/^guest_instructions/ {print $2}'
}
printf '%-44s %16s %16s %8s\n' model neon_insn/inference scalar_insn/inference ratio
for m in "${models[@]}"; do
  [ -f "$m" ] || { echo "missing $m" >&2; exit 1; }
  declare -A per=()
  for variant in neon scalar; do
    one=$(count $variant "$m" 1) three=$(count $variant "$m" 3)
    per[$variant]=$(( (three - one) / 2 ))
  done
  awk -v m="$(basename "$m")" -v n="${per[neon]}" -v s="${per[scalar]}" \
    'BEGIN { printf "%-44s %16d %16d %8.2f\n", m, n, s, s / n }'
done
