#!/usr/bin/env bash
# Consumer check (meson): copies tests/consumer/meson to a temporary folder, links this
# repository in as subprojects/gemma4, forces dependency('gemma4') to that subproject (so its
# meson.override_dependency is what is used), builds with -Werror and runs the program.
# Usage: tests/consumer/run-meson.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$repo/tests/consumer/meson" "$work/consumer"
mkdir -p "$work/consumer/subprojects"
ln -s "$repo" "$work/consumer/subprojects/gemma4"

meson setup "$work/build" "$work/consumer" --force-fallback-for=gemma4 -Dwerror=true \
  -Dwarning_level=2 >/dev/null
meson compile -C "$work/build"
out=$("$work/build/consumer")
echo "$out"
[ "$out" = "gemma4 consumer: float" ]
echo "run-meson: consumer built with gemma4 as a meson subproject: OK"
