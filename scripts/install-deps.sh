#!/usr/bin/env bash
# Installs the Debian packages gemma4 needs to build, test and benchmark, and nothing else.
#
# Idempotent: every package is checked with `dpkg -s` first; when all are present the script
# prints one line and touches neither the network nor apt's lists. `apt-get update` runs only
# when something is missing. Runs as root, or through sudo when it is available.
set -euo pipefail

packages=(
  g++ clang libclang-rt-14-dev  # the two compilers CI uses; clang's sanitizer runtimes
  cmake ninja-build meson pkg-config ccache
  libeigen3-dev nlohmann-json3-dev  # the library's only dependencies
  doctest-dev libbenchmark-dev libstb-dev  # tests, bench/, image files (vision/image_file.hpp)
  python3-pil python3-skimage  # the Pillow reference and photos of tests/vision (prepare_pillow.sh)
  sox alsa-utils espeak-ng python3-scipy  # tests/audio: resampling peer, real speech, WAV peer
  clang-format git ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node and npm run the tokenizer fixtures (tests/tokenizer/). They may come from Debian
# (nodejs + npm) or from another nodejs build that bundles npm, so look for the commands.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages and node/npm present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
