#!/usr/bin/env bash
# mnet-classify on bad inputs, run by CTest (cli.mnet-classify.bad-inputs):
#   classify_bad_inputs.sh MNET_CLASSIFY DATA_DIR
# Every case must end with a non-zero status that is not a signal (< 128) and
# exactly one line on stderr; the script prints each case and that line, and
# exits non-zero if any case broke the rule. The bad files are made here, in a
# temporary directory, from the data folder's real model and photo.
set -u
bin="$1"
data="${MNET_DATA_DIR:-$2}"
model="$data/weights/mobilenet_v2_1.0_224.safetensors"
tflite="$data/weights/tflite/mobilenet_v1_0.25_128_quant.tflite"
photo="$data/images/coffee.jpg"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

: >"$tmp/empty.jpg"
echo "this is not a picture" >"$tmp/notes.jpg"
head -c 3000 "$photo" >"$tmp/cut.jpg"
: >"$tmp/empty.safetensors"
head -c 5 "$model" >"$tmp/cut5.safetensors"
head -c 4000 "$model" >"$tmp/cut_header.safetensors"
head -c 5000000 "$model" >"$tmp/cut_data.safetensors"
{ printf '\x00\x00\x00\x00\x00\x00\x00\x80'; tail -c +9 "$model" | head -c 30000; } >"$tmp/huge_header.safetensors"
head -c 100000 "$tflite" >"$tmp/cut.tflite"
echo "not a flatbuffer at all" >"$tmp/text.tflite"
mkdir "$tmp/dir.safetensors"
printf 'P6\n3 2\n255\nabcde' >"$tmp/cut.ppm"

failures=0
run() {
  local name="$1"
  shift
  "$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local status=$? lines
  lines=$(wc -l <"$tmp/stderr")
  if [ "$status" -eq 0 ] || [ "$status" -ge 128 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL  $name: status $status, $lines line(s) on stderr:"
    sed 's/^/      /' "$tmp/stderr"
    failures=$((failures + 1))
  else
    echo "ok    $name (status $status): $(cat "$tmp/stderr")"
  fi
}

run "zero-byte image"              --model "$model" "$tmp/empty.jpg"
run "text file named .jpg"         --model "$model" "$tmp/notes.jpg"
run "truncated JPEG"               --model "$model" "$tmp/cut.jpg"
run "truncated PPM"                --model "$model" "$tmp/cut.ppm"
run "missing image"                --model "$model" "$tmp/none.jpg"
run "directory as image"           --model "$model" "$tmp"
run "empty .safetensors"           --model "$tmp/empty.safetensors" "$photo"
run ".safetensors cut in length"   --model "$tmp/cut5.safetensors" "$photo"
run ".safetensors cut in header"   --model "$tmp/cut_header.safetensors" "$photo"
run ".safetensors cut in data"     --model "$tmp/cut_data.safetensors" "$photo"
run "header length 2^63"           --model "$tmp/huge_header.safetensors" "$photo"
run "directory as model"           --model "$tmp/dir.safetensors" "$photo"
run "truncated .tflite"            --model "$tmp/cut.tflite" "$photo"
run "text file named .tflite"      --model "$tmp/text.tflite" "$photo"
run "unknown model extension"      --model "$tmp/notes.jpg" "$photo"
run "missing model"                --model "$tmp/none.safetensors" "$photo"
run "unknown option"               --model "$model" --frobnicate "$photo"
run "no image"                     --model "$model"
run "bad --top"                    --model "$model" --top 0 "$photo"

[ "$failures" -eq 0 ] || { echo "$failures case(s) failed"; exit 1; }
