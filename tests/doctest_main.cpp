// The one main() of every test executable: each tests/<folder>/test_<header>.cpp is linked with
// this file into its own program (one ctest / meson test entry per file).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
