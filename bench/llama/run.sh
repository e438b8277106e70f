#!/bin/sh
# run.sh OUT_DIR [--variant E2B] [--layers K] [--threads "1 2"] [--rounds N] [--f32]
#        [-- bench_vs_llama options]
#
# gemma4 against llama.cpp side by side, in one run, on identical weights (bench_vs_llama.cpp
# says what is measured): decode of 64 tokens after 8 (bf16, and f32 with --f32), prefill of 512
# tokens (bf16), read bandwidth and the fraction of it each decode achieves, and the peak resident
# memory of a decode; medians and ranges over N alternating rounds, printed as a markdown table
# at the end (also kept in OUT_DIR/bench_vs_llama-NAME.txt, NAME as below). Steps, each skipped when its output is
# there:
#
#   1. tests/llama/prepare.sh OUT_DIR     the pinned prebuilt llama.cpp and its headers (npm)
#   2. OUT_DIR/bench-build/bench_vs_llama  built against them (bench/llama/CMakeLists.txt)
#   3. the gemma4 CLI: $GEMMA4_CLI if set, else built in OUT_DIR/gemma4-build (target gemma4)
#   4. OUT_DIR/e2b-bf16/                  gemma4 init --variant E2B --seed 1 --text-only (9.3 GB)
#      OUT_DIR/e2b-bf16.gguf              gemma4 export-gguf --dtype bf16 (9.3 GB)
#      with --variant V [--layers K]: OUT_DIR/v[-Kl]-bf16/ and its GGUF instead (E4B: 15.9 GB
#      each; 26B-A4B --layers 2: 4.5 GB each; its 30 layers do not fit in 24 GB)
#      with --f32: OUT_DIR/e2b-f32/ and OUT_DIR/e2b-f32.gguf (18.5 GB each; an option because
#      that is 37 GB more disk, and the f32 decode reads 9.1 GB per token: slow rounds)
#   5. the benchmark.
#
# Example: bench/llama/run.sh /work/bench-data --rounds 3 --f32
# On the 2-core machine (AMD EPYC, 2026-12-02): E2B 27 minutes (bf16 and f32, threads 1 and 2,
# 3 rounds; about 14 without --f32), E4B 12 minutes for 1 round, 26B-A4B --layers 2 4 minutes for
# 3; the first time also the CLI build (2.5 min at JOBS=1) and init + export, about 2 min per
# checkpoint (E4B bf16: 1.3 + 0.6 min).
# Environment: CXX (default c++), JOBS (build parallelism, default 1), GEMMA4_CLI.
set -eu
usage() {
  echo "usage: $0 OUT_DIR [--variant V] [--layers K] [--threads \"1 2\"] [--rounds N] [--f32]" \
    "[-- bench options]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
threads="1 2" rounds=3 f32=0 variant=E2B layers=""
while [ $# -gt 0 ]; do
  case $1 in
    --variant) [ $# -ge 2 ] || usage; variant=$2; shift 2 ;;
    --layers) [ $# -ge 2 ] || usage; layers=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage; threads=$2; shift 2 ;;
    --rounds) [ $# -ge 2 ] || usage; rounds=$2; shift 2 ;;
    --f32) f32=1; shift ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
cxx=${CXX:-c++}
jobs=${JOBS:-1}
step() { echo "== $* ($(date +%T))"; }

step "llama.cpp: tests/llama/prepare.sh $out"
sh "$repo/tests/llama/prepare.sh" "$out" "$cxx"
# Where prepare.sh put the headers and libraries: its own build's cache says.
cache_var() { sed -n "s/^$1:[A-Z]*=//p" "$out/llama-build/CMakeCache.txt"; }

step "bench_vs_llama: $out/bench-build"
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$here" -B "$out/bench-build" $generator -DCMAKE_CXX_COMPILER="$cxx" \
  -DGEMMA4_INCLUDE_DIR="$repo/include" -DLLAMA_SOURCE_DIR="$(cache_var LLAMA_SOURCE_DIR)" \
  -DLLAMA_LIB_DIR="$(cache_var LLAMA_LIB_DIR)" -DLLAMA_RELEASE="$(cache_var LLAMA_RELEASE)" \
  >/dev/null
cmake --build "$out/bench-build" -j "$jobs"

cli=${GEMMA4_CLI:-}
if [ -z "$cli" ]; then
  step "gemma4 CLI: $out/gemma4-build"
  cmake -S "$repo" -B "$out/gemma4-build" $generator -DCMAKE_CXX_COMPILER="$cxx" \
    -DGEMMA4_BUILD_TESTS=OFF -DGEMMA4_BUILD_BENCH=OFF >/dev/null
  cmake --build "$out/gemma4-build" --target gemma4 -j "$jobs"
  cli=$out/gemma4-build/bin/gemma4
fi

# checkpoint DTYPE: OUT_DIR/NAME-DTYPE/ and OUT_DIR/NAME-DTYPE.gguf, each made once (a stamp marks
# a finished checkpoint; the GGUF is written under another name and renamed when complete).
name=$(echo "$variant" | tr 'A-Z' 'a-z')${layers:+-${layers}l}
label=$variant${layers:+ cut to $layers layers}
checkpoint() {
  dir=$out/$name-$1
  if [ ! -f "$dir/.gemma4-complete" ]; then
    step "gemma4 init --variant $variant ${layers:+--layers $layers }--dtype $1 -> $dir"
    rm -rf "$dir"
    # The progress bar (stderr) goes to a log; on failure the log is shown and the run stops.
    # shellcheck disable=SC2086 # the --layers option is two words or none
    if ! "$cli" init --variant "$variant" ${layers:+--layers $layers} --seed 1 --text-only \
      --dtype "$1" --out "$dir" >"$dir.init.log" 2>&1; then
      tr '\r' '\n' <"$dir.init.log" | tail -n 20 >&2
      exit 1
    fi
    tr '\r' '\n' <"$dir.init.log" | grep '^wrote' || true
    touch "$dir/.gemma4-complete"
  fi
  # shellcheck disable=SC3013 # -nt: dash and bash have it (prepare.sh relies on it too)
  if [ ! -f "$dir.gguf" ] || [ "$dir/.gemma4-complete" -nt "$dir.gguf" ]; then
    step "gemma4 export-gguf --dtype $1 -> $dir.gguf"
    "$cli" export-gguf "$dir" --out "$dir.gguf.part" --dtype "$1"
    mv "$dir.gguf.part" "$dir.gguf"
  fi
}
checkpoint bf16
f32_args=""
if [ "$f32" = 1 ]; then
  checkpoint f32
  f32_args="--model-f32 $out/$name-f32 --gguf-f32 $out/$name-f32.gguf"
fi

step "bench_vs_llama (threads $threads, $rounds rounds)"
# Shown as it runs and kept in a file; sh has no pipefail, so the status goes round the pipe.
# shellcheck disable=SC2086 # f32_args is two options or none
{
  status=0
  "$out/bench-build/bench_vs_llama" --model "$out/$name-bf16" --gguf "$out/$name-bf16.gguf" \
    --label "$label" $f32_args \
    --threads "$(echo $threads | tr ' ' ',')" --rounds "$rounds" "$@" 2>&1 || status=$?
  echo "$status" >"$out/bench_vs_llama.status"
} | tee "$out/bench_vs_llama-$name.txt"
status=$(cat "$out/bench_vs_llama.status")
if [ "$status" != 0 ]; then
  echo "bench_vs_llama failed (status $status)" >&2
  exit "$status"
fi
step "done: $out/bench_vs_llama-$name.txt"
