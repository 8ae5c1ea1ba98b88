#!/usr/bin/env bash
# mnet-segment end to end on ../shared/images/segmentation/bird_513.png with
# DeepLabv3-MobileNetV2 (CTest cli.mnet-segment.bird):
#   segment_bird.sh MNET_SEGMENT DATA_DIR THREADS
# Checks, against reference/deeplabv3_mnv2_pascal_quant/bird.*: the printed classes
# are background and bird with the reference's pixel counts (within the 8 near-ties
# its summary counts); --dump-mask equals bird.mask.u8 on all but at most 8 pixels
# (>= 99.9 %); --dump-logits holds 33x33x21 float32 within 1e-3 of bird.logits.f32;
# both PNGs exist, and the mask PNG is the 513x513 PNG the tool says it wrote.
set -u
bin="$1"
data="${MNET_DATA_DIR:-$2}"
threads="${3:-1}"
ref="$data/reference/deeplabv3_mnv2_pascal_quant"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check NAME CONDITION-STATUS
  if [ "$2" -eq 0 ]; then echo "ok    $1"; else echo "FAIL  $1"; failures=$((failures + 1)); fi
}

# --precision float: the float path against the float64 reference (tests/examples/precision.sh: integers)
"$bin" --model "$data/weights/tflite/deeplabv3_mnv2_pascal_quant.tflite" --precision float --threads "$threads" --out "$tmp/out" \
       --dump-logits "$tmp/logits.f32" --dump-mask "$tmp/mask.u8" "$data/images/segmentation/bird_513.png" \
       >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
cat "$tmp/stdout" "$tmp/stderr"
check "exit status 0" "$status"
[ "$status" -eq 0 ] || { echo "1 or more checks failed"; exit 1; }

# "class INDEX SHARE PIXELS LABEL", largest first: background 207181, bird 55988 (of 263169)
awk '$1 == "class" { n++; seen[$2] = $0; pixels[$2] = $4 }
     END {
       ok = n == 2 && seen[0] ~ / background$/ && seen[3] ~ / bird$/;
       ok = ok && pixels[3] >= 55988 - 8 && pixels[3] <= 55988 + 8 && pixels[0] + pixels[3] == 263169;
       split(seen[3], f, " "); ok = ok && f[3] > 0.2127 - 0.0001 && f[3] < 0.2127 + 0.0001;
       exit !ok }' "$tmp/stdout"
check "classes printed: background and bird, 55988 +- 8 bird pixels" $?
grep -q '^image .*bird_513.png 513x513$' "$tmp/stdout"
check "image line" $?
grep -q '^input 513x513 valid 513x513 logits 33x33x21$' "$tmp/stdout"
check "input line" $?

[ "$(stat -c %s "$tmp/mask.u8")" -eq 263169 ]
check "--dump-mask holds 513x513 bytes" $?
differ=$(cmp -l "$tmp/mask.u8" "$ref/bird.mask.u8" 2>/dev/null | wc -l)
[ "$differ" -le 8 ]
check "--dump-mask equals bird.mask.u8 but for $differ pixel(s) (at most the 8 near-ties)" $?

[ "$(stat -c %s "$tmp/logits.f32")" -eq $((33 * 33 * 21 * 4)) ]
check "--dump-logits holds 33x33x21 float32" $?
paste <(od -An -v -f -w4 "$tmp/logits.f32") <(od -An -v -f -w4 "$ref/bird.logits.f32") |
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ }
       END { printf "      max |logit - reference| = %g over %d values\n", m, n; exit !(n == 22869 && m <= 1e-3) }'
check "--dump-logits within 1e-3 of bird.logits.f32" $?

for f in "$tmp/out/bird_513.mask.png" "$tmp/out/bird_513.overlay.png"; do
  [ "$(head -c 8 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
  check "$(basename "$f") is a PNG" $?
done
grep -q "^wrote $tmp/out/bird_513.mask.png $tmp/out/bird_513.overlay.png$" "$tmp/stdout"
check "wrote line" $?

echo "$failures check(s) failed"
[ "$failures" -eq 0 ]
