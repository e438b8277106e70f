// gemma4/audio.hpp: the audio path of E2B / E4B, from a WAV file to the soft tokens that replace
// its placeholders.
//
// Umbrella of include/gemma4/audio/; in data-flow order: wav (RIFF/WAVE decoding), resample (to
// 16 kHz), config, config_json, token_count (25 per second), log_mel (features), subsample (two
// stride-2 convs), relative_position, clippable_linear, feed_forward, attention, light_conv,
// conformer_block, weights, embed_audio, model, golden_taps (for verify), random_weights
// (benchmarks), picture (the spectrogram a person can look at).
#pragma once

#include "gemma4/audio/attention.hpp"
#include "gemma4/audio/clippable_linear.hpp"
#include "gemma4/audio/config.hpp"
#include "gemma4/audio/config_json.hpp"
#include "gemma4/audio/conformer_block.hpp"
#include "gemma4/audio/embed_audio.hpp"
#include "gemma4/audio/feed_forward.hpp"
#include "gemma4/audio/golden_taps.hpp"
#include "gemma4/audio/light_conv.hpp"
#include "gemma4/audio/log_mel.hpp"
#include "gemma4/audio/model.hpp"
#include "gemma4/audio/picture.hpp"
#include "gemma4/audio/random_weights.hpp"
#include "gemma4/audio/relative_position.hpp"
#include "gemma4/audio/resample.hpp"
#include "gemma4/audio/subsample.hpp"
#include "gemma4/audio/token_count.hpp"
#include "gemma4/audio/wav.hpp"
#include "gemma4/audio/weights.hpp"
