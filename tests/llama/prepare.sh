#!/bin/sh
# prepare.sh OUT_DIR: builds the llama.cpp driver for the live comparison in OUT_DIR (a folder in
# the build tree), from two pinned npm packages and nothing else:
#
#   @node-llama-cpp/linux-x64@3.22.1   prebuilt llama.cpp for Linux x64 (libllama, libggml,
#                                      libggml-base, CPU backends sse42 ... avx512/zen4)
#   node-llama-cpp@3.22.1              llama.cpp's source as a git bundle (llama/gitRelease.bundle,
#                                      release v0.5.0 = the prebuilt one): llama.h, ggml.h, gguf.h
#
# Both are fetched with `npm pack` (no dependencies, no install scripts; network on the first run
# only, npm's cache after that) and checked against the sha512 integrity pinned below. Then
#   OUT_DIR/llama-npm/linux-x64/  the prebuilt libraries (bins/linux-x64/)
#   OUT_DIR/llama.cpp/            include/ and ggml/include/ checked out of the bundle
#   OUT_DIR/llama-build/          tests/llama/llama_driver.cpp built with CMake and CXX (the
#                                 second argument: the compiler of the main build)
#   OUT_DIR/gemma4_llama_driver   a link to it -> env GEMMA4_LLAMA_DRIVER of the live test
# Re-running is cheap: each step is skipped when its output is newer than its inputs.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [CXX]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
cxx=${2:-${CXX:-c++}}
npm_dir="$out/llama-npm"
mkdir -p "$npm_dir"

# name@version integrity(sha512) folder
fetch() {
  spec=$1 integrity=$2 dir=$3
  stamp="$npm_dir/$dir/.gemma4-stamp"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$here/prepare.sh" ]; then return; fi
  rm -rf "${npm_dir:?}/$dir" "$npm_dir/pack-$dir"
  mkdir -p "$npm_dir/pack-$dir" "$npm_dir/$dir"
  (cd "$npm_dir/pack-$dir" && npm pack "$spec" --silent --loglevel=error >/dev/null)
  tgz=$(ls "$npm_dir/pack-$dir"/*.tgz)
  got=$(node -e 'const c = require("crypto"), fs = require("fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
  if [ "$got" != "$integrity" ]; then
    echo "prepare.sh: $spec: integrity $got, expected $integrity" >&2
    exit 1
  fi
  tar xzf "$tgz" -C "$npm_dir/$dir" --strip-components=1
  rm -rf "$npm_dir/pack-$dir"
  touch "$stamp"
}
fetch @node-llama-cpp/linux-x64@3.22.1 \
  sha512-5uCCDNqWCNfaAm8aR/Uzxbo4HBpKgNF91kCHPepKhgMgV2OAmatoefbOlMihsqCiH2Od35E/eUHQCFbfRBJuOg== \
  linux-x64
fetch node-llama-cpp@3.22.1 \
  sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw== \
  node-llama-cpp
libdir="$npm_dir/linux-x64/bins/linux-x64"
release=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$npm_dir/node-llama-cpp/llama/llama.cpp.info.json")

# The headers of that release, out of the bundle (git reads it offline).
src="$out/llama.cpp"
if [ ! -f "$src/.gemma4-stamp" ] || [ "$npm_dir/node-llama-cpp/.gemma4-stamp" -nt "$src/.gemma4-stamp" ]; then
  rm -rf "$src"
  git -c advice.detachedHead=false clone --quiet --no-checkout \
    "$npm_dir/node-llama-cpp/llama/gitRelease.bundle" "$src"
  git -C "$src" checkout --quiet HEAD -- include ggml/include
  touch "$src/.gemma4-stamp"
fi

# A build configured for another compiler is started afresh (CMake refuses to switch in place).
if [ "$(cat "$out/llama-build/.gemma4-cxx" 2>/dev/null)" != "$cxx" ]; then
  rm -rf "$out/llama-build"
  mkdir -p "$out/llama-build"
  echo "$cxx" >"$out/llama-build/.gemma4-cxx"
fi
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$here" -B "$out/llama-build" $generator -DCMAKE_CXX_COMPILER="$cxx" \
  -DGEMMA4_INCLUDE_DIR="$repo/include" -DLLAMA_SOURCE_DIR="$src" -DLLAMA_LIB_DIR="$libdir" \
  -DLLAMA_RELEASE="$release" >/dev/null
cmake --build "$out/llama-build"
ln -sf "$out/llama-build/gemma4_llama_driver" "$out/gemma4_llama_driver"
echo "GEMMA4_LLAMA_DRIVER=$out/gemma4_llama_driver (llama.cpp $release)"
