// gemma4/generation.hpp: choosing tokens and generating text with the cache.
//
// Umbrella of include/gemma4/generation/; in data-flow order: sampling, generate.
#pragma once

#include "gemma4/generation/generate.hpp"
#include "gemma4/generation/sampling.hpp"
