#!/bin/sh
# tests/vision/prepare_pillow.sh OUT_DIR [STAMP]: the Pillow reference of
# test_pillow_differential.cpp (STAMP: a file touched when done, for meson).
# Installs Debian's python3-pil and python3-skimage when missing (scripts/install-deps.sh, which
# lists them), then writes Pillow's decoded photos, resizes and manifest to OUT_DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/install-deps.sh"
photos=/usr/lib/python3/dist-packages/skimage/data
[ -d "$photos" ] || { echo "prepare_pillow: $photos missing (python3-skimage)" >&2; exit 1; }
/usr/bin/python3 "$here/pillow_reference.py" "$photos" "$1"
[ $# -lt 2 ] || touch "$2"
