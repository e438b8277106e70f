// gemma4/core.hpp: what every other part uses: errors, number types, token ids, progress, the
// random generator.
//
// Umbrella of include/gemma4/core/; in data-flow order: error, config_fields, number_traits, token,
// progress, random.
#pragma once

#include "gemma4/core/config_fields.hpp"
#include "gemma4/core/error.hpp"
#include "gemma4/core/number_traits.hpp"
#include "gemma4/core/progress.hpp"
#include "gemma4/core/random.hpp"
#include "gemma4/core/token.hpp"
