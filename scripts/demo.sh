#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the `gemma4` program, and runs the
# main job on what ships in the repository: the per-layer table and parameter counts of E2B, then
# the tiny golden models of tests/data/golden/ verified stage by stage (double and float).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
scripts/configure.sh "$build" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)" --target gemma4_cli
set -x
"$build/bin/gemma4" explain E2B
"$build/bin/gemma4" verify tests/data/golden/*/
