#!/usr/bin/env bash
# scripts/configure.sh BUILD_DIR [cmake args...]: installs what is missing (install-deps.sh), then
# configures a CMake + Ninja build of gemma4 in BUILD_DIR (tests, examples, bench on; ccache when
# present; -Werror when CI=true or GEMMA4_WERROR=ON). Honours $CXX. Shared by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
shift
scripts/install-deps.sh
args=(-G Ninja)
command -v ccache >/dev/null 2>&1 && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
werror=OFF
[ "${CI:-}" = true ] && werror=ON
args+=("-DGEMMA4_WERROR=${GEMMA4_WERROR:-$werror}")
cmake -S . -B "$build" "${args[@]}" "$@"
