// gemma4/text.hpp: the text decoder: its config, attention with the KV cache, MoE, Per-Layer
// Embeddings, one layer, the model and its checkpoint tensors.
//
// Umbrella of include/gemma4/text/; in data-flow order: config, kv_cache, attention, moe,
// per_layer_embedding, decoder_layer, weights, model.
#pragma once

#include "gemma4/text/attention.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/decoder_layer.hpp"
#include "gemma4/text/kv_cache.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/text/moe.hpp"
#include "gemma4/text/per_layer_embedding.hpp"
#include "gemma4/text/weights.hpp"
