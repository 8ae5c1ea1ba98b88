#!/usr/bin/env bash
# mnet-classify --input-size R against reference/v2_1.0_224_float@R (CTest
# cli.mnet-classify.input-size-R): the README's preprocessing to R×R and a Session
# planned for R×R give logits within 1e-3 of the float64 reference for every photo.
#   classify_input_size.sh MNET_CLASSIFY DATA_DIR R
set -u
bin="$1"
data="${MNET_DATA_DIR:-$2}"
size="$3"
ref="$data/reference/v2_1.0_224_float@$size"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
images=(grace_hopper chelsea coffee parrot hot_dog)
paths=()
for i in "${images[@]}"; do paths+=("$data/images/$i.jpg"); done
"$bin" --model "$data/weights/mobilenet_v2_1.0_224.safetensors" --input-size "$size" --top 1 \
       --dump-logits "$tmp/logits.f32" "${paths[@]}" || { echo "FAIL mnet-classify exited non-zero"; exit 1; }
status=0
for k in "${!images[@]}"; do
  i="${images[$k]}"
  paste <(od -An -v -f -w4 -j $((k * 1001 * 4)) -N $((1001 * 4)) "$tmp/logits.f32") <(od -An -v -f -w4 "$ref/$i.logits.f32") |
    awk -v name="$i" '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ }
         END { printf "%s: max |logit - reference@'"$size"'| = %g over %d values\n", name, m, n; exit !(n == 1001 && m <= 1e-3) }' ||
    status=1
done
[ "$status" -eq 0 ] && echo "all logits within 1e-3" || echo "FAIL: logits differ"
exit "$status"
