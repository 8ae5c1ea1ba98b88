#!/usr/bin/env bash
# --precision int8|float of mnet-classify and mnet-segment (CTest cli.precision):
#  - a quantized V2 classifies in integers by default: the same output and logits as
#    --precision int8; its --dump-logits are the dequantized reference quantized logits,
#    s·(q − z), of reference/v2_1.0_224_quant/<image>.qlogits.i16 (s, z fitted from them);
#  - --precision float gives other (float) logits, same top-1;
#  - DeepLab: the int8 mask of bird_513.png agrees with the float mask on >= 99 % of pixels;
#  - refusals: int8 on a float file, int8 at another input size, a bad value
#    (non-zero status below 128, one line on stderr naming the cause).
#   precision.sh MNET_CLASSIFY MNET_SEGMENT DATA_DIR
set -u
classify="$1"
segment="$2"
data="${MNET_DATA_DIR:-$3}"
quant="$data/weights/tflite/mobilenet_v2_1.0_224_quant.tflite"
float_model="$data/weights/mobilenet_v2_1.0_224.safetensors"
deeplab="$data/weights/tflite/deeplabv3_mnv2_pascal_quant.tflite"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

images=(parrot coffee)
paths=()
for i in "${images[@]}"; do paths+=("$data/images/$i.jpg"); done
"$classify" --model "$quant" --top 3 --dump-logits "$tmp/default.f32" "${paths[@]}" >"$tmp/default.txt" || fail "default run"
"$classify" --model "$quant" --top 3 --precision int8 --dump-logits "$tmp/int8.f32" "${paths[@]}" >"$tmp/int8.txt" || fail "int8 run"
"$classify" --model "$quant" --top 3 --precision float --dump-logits "$tmp/float.f32" "${paths[@]}" >"$tmp/float.txt" || fail "float run"
cmp -s "$tmp/default.f32" "$tmp/int8.f32" && echo "ok    default = --precision int8 (logits)" || fail "default logits differ from int8"
diff <(grep -v inference_ms "$tmp/default.txt") <(grep -v inference_ms "$tmp/int8.txt") >/dev/null &&
  echo "ok    default = --precision int8 (output)" || fail "default output differs from int8"
cmp -s "$tmp/int8.f32" "$tmp/float.f32" && fail "int8 and float logits are identical" || echo "ok    float logits differ from int8"
top1() { awk '/^1  /{print $2}' "$1" | tr '\n' ' '; }
[ "$(top1 "$tmp/int8.txt")" = "$(top1 "$tmp/float.txt")" ] && echo "ok    same top-1: $(top1 "$tmp/int8.txt")" ||
  fail "top-1 int8 $(top1 "$tmp/int8.txt") vs float $(top1 "$tmp/float.txt")"
for k in "${!images[@]}"; do
  i="${images[$k]}"
  paste <(od -An -v -f -w4 -j $((k * 1001 * 4)) -N $((1001 * 4)) "$tmp/int8.f32") \
        <(od -An -v -t d2 -w2 "$data/reference/v2_1.0_224_quant/$i.qlogits.i16") |
    awk -v name="$i" '{ d[NR] = $1; q[NR] = $2; if (NR == 1 || $2 > q[hi]) hi = NR; if (NR == 1 || $2 < q[lo]) lo = NR }
         END {
           if (NR != 1001 || q[hi] == q[lo]) { print "FAIL  " name ": " NR " values"; exit 1 }
           s = (d[hi] - d[lo]) / (q[hi] - q[lo]); z = q[hi] - d[hi] / s; bad = 0
           for (n = 1; n <= NR; n++) { e = s * (q[n] - z) - d[n]; if (e < 0) e = -e; if (e > 1e-5 * (1 + (d[n] < 0 ? -d[n] : d[n]))) bad++ }
           printf "%s %s: dumped logits = %g * (q - %g) of the reference quantized logits, %d mismatches\n", (bad ? "FAIL" : "ok   "), name, s, z, bad
           exit bad != 0 }' || failures=$((failures + 1))
done

photo="$data/images/segmentation/bird_513.png"
"$segment" --model "$deeplab" --precision int8 --threads 2 --out "$tmp" --dump-mask "$tmp/int8.u8" "$photo" >/dev/null || fail "segment int8"
"$segment" --model "$deeplab" --precision float --threads 2 --out "$tmp" --dump-mask "$tmp/float.u8" "$photo" >/dev/null || fail "segment float"
pixels=$(stat -c %s "$tmp/float.u8" 2>/dev/null || echo 0)
differ=$(cmp -l "$tmp/int8.u8" "$tmp/float.u8" 2>/dev/null | wc -l)
if [ "$pixels" -eq $((513 * 513)) ] && [ "$differ" -le $((pixels / 100)) ]; then
  echo "ok    DeepLab int8 mask differs from the float mask on $differ of $pixels pixels"
else
  fail "DeepLab int8 mask differs on $differ of $pixels pixels"
fi

refuse() {
  local name="$1" expect="$2"
  shift 2
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local status=$? lines
  lines=$(wc -l <"$tmp/stderr")
  if [ "$status" -eq 0 ] || [ "$status" -ge 128 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$expect" "$tmp/stderr"; then
    fail "$name: status $status, $lines line(s) on stderr (expected one containing '$expect'):"
    sed 's/^/      /' "$tmp/stderr"
  else
    echo "ok    $name (status $status): $(cat "$tmp/stderr")"
  fi
}
refuse "int8 on a float model"   "not a quantized model" "$classify" --model "$float_model" --precision int8 "${paths[0]}"
refuse "int8 at another size"    "input size 160x160x3"  "$classify" --model "$quant" --precision int8 --input-size 160 "${paths[0]}"
refuse "bad --precision"         "--precision expects int8 or float" "$classify" --model "$quant" --precision fp16 "${paths[0]}"
refuse "segment bad --precision" "--precision expects int8 or float" "$segment" --model "$deeplab" --precision int4 "$photo"

echo "$failures case(s) failed"
[ "$failures" -eq 0 ]
