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
# Keep going past a compile error so that one run shows every broken file and still runs the
# tests that did build (ctest counts the others as failed); the exit status reports both.
build_status=0
cmake --build "$build" -j "$jobs" -- -k 0 || build_status=$?
ctest --test-dir "$build" -j "$jobs" --output-on-failure || exit $?
if [ "$build_status" -ne 0 ]; then
  echo "test.sh: the build failed (see the errors above)" >&2
  exit "$build_status"
fi
