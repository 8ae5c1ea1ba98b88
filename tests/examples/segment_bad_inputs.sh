#!/usr/bin/env bash
# mnet-segment on bad inputs, run by CTest:
#   segment_bad_inputs.sh MNET_SEGMENT DATA_DIR models   (cli.mnet-segment.bad-inputs)
#   segment_bad_inputs.sh MNET_SEGMENT DATA_DIR images   (cli.mnet-segment.bad-images)
# `models`: bad arguments, bad or classification model files; `images`: bad images and
# outputs, which are reached only once the DeepLab model loads (issue 13's loader).
# Every case must end with a non-zero status that is not a signal (< 128) and
# exactly one line on stderr (a classification model must be named as such); the
# script prints each case and that line, and exits non-zero if any case broke the rule.
set -u
bin="$1"
data="${MNET_DATA_DIR:-$2}"
group="${3:-models}"
deeplab="$data/weights/tflite/deeplabv3_mnv2_pascal_quant.tflite"
classifier="$data/weights/mobilenet_v2_1.0_224.safetensors"
classifier_tflite="$data/weights/tflite/mobilenet_v1_0.25_128_quant.tflite"
photo="$data/images/segmentation/bird_513.png"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

: >"$tmp/empty.png"
echo "this is not a picture" >"$tmp/notes.png"
head -c 100000 "$deeplab" >"$tmp/cut.tflite"
: >"$tmp/a_file"

failures=0
run() {
  local name="$1" expect="$2"
  shift 2
  "$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local status=$? lines
  lines=$(wc -l <"$tmp/stderr")
  if [ "$status" -eq 0 ] || [ "$status" -ge 128 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$expect" "$tmp/stderr"; then
    echo "FAIL  $name: status $status, $lines line(s) on stderr (expected one containing '$expect'):"
    sed 's/^/      /' "$tmp/stderr"
    failures=$((failures + 1))
  else
    echo "ok    $name (status $status): $(cat "$tmp/stderr")"
  fi
}

if [ "$group" = models ]; then
  run "classification .safetensors"  "not a segmentation model" --model "$classifier" --out "$tmp" "$photo"
  run "classification .tflite"       "not a segmentation model" --model "$classifier_tflite" --out "$tmp" "$photo"
  run "truncated DeepLab .tflite"    "cut.tflite"     --model "$tmp/cut.tflite" --out "$tmp" "$photo"
  run "missing model"                "none.tflite"    --model "$tmp/none.tflite" "$photo"
  run "no --model"                   "--model is required" "$photo"
  run "unknown option"               "unknown option" --model "$deeplab" --top 3 "$photo"
  run "bad --threads"                "--threads"      --model "$deeplab" --threads 0 "$photo"
  run "bad --precision"              "--precision expects int8 or float" --model "$deeplab" --precision uint8 "$photo"
  run "two images, one output name"  "bird_513.mask.png" --model "$deeplab" "$photo" "$tmp/../bird_513.jpg"
else
  run "zero-byte image"              "empty.png"      --model "$deeplab" --out "$tmp" "$tmp/empty.png"
  run "text file named .png"         "notes.png"      --model "$deeplab" --out "$tmp" "$tmp/notes.png"
  run "missing image"                "none.png"       --model "$deeplab" --out "$tmp" "$tmp/none.png"
  run "a file as --out"              "a_file"         --model "$deeplab" --out "$tmp/a_file" "$photo"
  run "unwritable --dump-mask"       "mask.u8"        --model "$deeplab" --out "$tmp" --dump-mask "$tmp/no/mask.u8" "$photo"
fi

echo "$failures case(s) failed"
[ "$failures" -eq 0 ]
