// gemma4/multimodal.hpp: the whole model: text decoder, towers and the merge between them.
//
// Umbrella of include/gemma4/multimodal/; in data-flow order: merge, model, golden_taps.
#pragma once

#include "gemma4/multimodal/golden_taps.hpp"
#include "gemma4/multimodal/merge.hpp"
#include "gemma4/multimodal/model.hpp"
