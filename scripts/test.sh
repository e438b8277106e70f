#!/usr/bin/env bash
# The README's test command: installs what is missing, builds gemma4 with its tests, examples and
# benchmarks, and runs the whole suite with ctest (doctest files, header self-containment,
# compile-failure tests, the CLI on every golden fixture, the tokenizer fixtures via npm).
# Exits non-zero if anything fails to build or any test fails.
#
#   scripts/test.sh                       # build/ with the default compiler (g++ on Debian)
#   BUILD_DIR=build-clang CXX=clang++ scripts/test.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
jobs=$(nproc)
scripts/configure.sh "$build" "$@"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" -j "$jobs" --output-on-failure
