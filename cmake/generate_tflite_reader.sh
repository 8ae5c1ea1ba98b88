#!/bin/sh
# Regenerates mnet's .tflite reader (include/mnet/io/detail/tflite_schema_generated.hpp)
# from our own small schema (tflite_schema.fbs) with flatc. The generated header
# static_asserts the flatbuffers version it was made with, so regenerate it with
# the flatc that matches the libflatbuffers-dev you build against (Debian: 2.0.8).
# Usage: cmake/generate_tflite_reader.sh [path/to/flatc]
set -eu
FLATC="${1:-flatc}"
DIR="$(cd "$(dirname "$0")/../include/mnet/io/detail" && pwd)"
"$FLATC" --version
# --scoped-enums: enum class, no macros or unscoped names leak into namespace mnet.
"$FLATC" --cpp --scoped-enums --filename-ext hpp -o "$DIR" "$DIR/tflite_schema.fbs"
echo "wrote $DIR/tflite_schema_generated.hpp"
