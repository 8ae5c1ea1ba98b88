#!/usr/bin/env bash
# Builds the API reference (HTML) from the public headers with cmake/Doxyfile and
# fails on any Doxygen warning — an undocumented public symbol or broken markup.
#   bash cmake/run-doxygen.sh            → build-docs/html/index.html
#   MNET_DOCS_DIR=/some/dir bash cmake/run-doxygen.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v doxygen >/dev/null || { echo "doxygen not found (Debian: doxygen)" >&2; exit 1; }
MNET_DOCS_DIR=$(mkdir -p "${MNET_DOCS_DIR:-$ROOT/build-docs}" && cd "${MNET_DOCS_DIR:-$ROOT/build-docs}" && pwd)
MNET_VERSION=$(sed -n 's/^#define MNET_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/include/mnet/version.hpp")
export MNET_DOCS_DIR MNET_VERSION
rm -rf "$MNET_DOCS_DIR/html" "$MNET_DOCS_DIR/warnings.log"
(cd "$ROOT" && doxygen cmake/Doxyfile)
if [ -s "$MNET_DOCS_DIR/warnings.log" ]; then
  sed "s|$ROOT/||" "$MNET_DOCS_DIR/warnings.log" >&2
  echo "doxygen: $(grep -c 'warning:' "$MNET_DOCS_DIR/warnings.log") warnings (see above)" >&2
  exit 1
fi
echo "doxygen $(doxygen --version): no warnings; $MNET_DOCS_DIR/html/index.html"
