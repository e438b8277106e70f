// gemma4/reference.hpp: what other runtimes are checked against: golden verification and tap dumps,
// diffs of two dumps, random checkpoints, parameter counts.
//
// Umbrella of include/gemma4/reference/; in data-flow order: golden, tap_diff, random_init,
// parameter_count.
#pragma once

#include "gemma4/reference/golden.hpp"
#include "gemma4/reference/parameter_count.hpp"
#include "gemma4/reference/random_init.hpp"
#include "gemma4/reference/tap_diff.hpp"
