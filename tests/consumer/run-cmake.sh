#!/usr/bin/env bash
# Consumer check (CMake): installs gemma4 into a temporary prefix with `cmake --install`, then
# builds tests/consumer/cmake (find_package(gemma4 CONFIG REQUIRED) + gemma4::gemma4) against that
# prefix with -Wall -Wextra -Werror and runs it. Fails if the installed package still points into
# the source tree. Honours $CXX. Usage: tests/consumer/run-cmake.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S "$repo" -B "$work/lib" -G Ninja -DGEMMA4_BUILD_TESTS=OFF -DGEMMA4_BUILD_EXAMPLES=OFF \
  -DGEMMA4_BUILD_BENCH=OFF >/dev/null
cmake --install "$work/lib" --prefix "$work/prefix" >/dev/null
if grep -rl "$repo" "$work/prefix"; then
  echo "run-cmake: the installed package refers to the source tree $repo" >&2
  exit 1
fi

cmake -S "$repo/tests/consumer/cmake" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build "$work/build"
out=$("$work/build/consumer")
echo "$out"
[ "$out" = "gemma4 consumer: float" ]
echo "run-cmake: consumer built against the installed package in a temporary prefix: OK"
