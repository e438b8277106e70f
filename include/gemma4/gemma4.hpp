// gemma4/gemma4.hpp: everything. A header-only C++20 reference implementation of Gemma 4.
//
//   #include <gemma4/gemma4.hpp>
//   auto model = gemma4::TextModel<gemma4::Dynamic, float>::load("gemma-4-E2B-it");
//   auto logits = model.forward(std::vector<gemma4::TokenId>{2, 9259});   // [2, 262144]
//
// The headers, by data flow (each also compiles on its own):
//   foundation   error, number_traits, token, progress, random
//   config       config (TextConfig, layer_spec), variants (E2B, E4B, MoE26B_A4B, Dense31B,
//                Dynamic), config_json (config.json), parameter_count
//   primitives   linear, rms_norm, activation, mlp, rope, attention, kv_cache, moe,
//                per_layer_embedding, decoder_layer
//   model        text_weights (checkpoint names and binding), text_model, golden (verification)
//   edges        safetensors, checkpoint, checkpoint_writer, random_init, tokenizer,
//                chat_template, sampling, generate
#pragma once

#include "gemma4/activation.hpp"
#include "gemma4/attention.hpp"
#include "gemma4/chat_template.hpp"
#include "gemma4/checkpoint.hpp"
#include "gemma4/checkpoint_writer.hpp"
#include "gemma4/config.hpp"
#include "gemma4/config_json.hpp"
#include "gemma4/decoder_layer.hpp"
#include "gemma4/error.hpp"
#include "gemma4/generate.hpp"
#include "gemma4/golden.hpp"
#include "gemma4/kv_cache.hpp"
#include "gemma4/linear.hpp"
#include "gemma4/mlp.hpp"
#include "gemma4/moe.hpp"
#include "gemma4/number_traits.hpp"
#include "gemma4/parameter_count.hpp"
#include "gemma4/per_layer_embedding.hpp"
#include "gemma4/progress.hpp"
#include "gemma4/random.hpp"
#include "gemma4/random_init.hpp"
#include "gemma4/rms_norm.hpp"
#include "gemma4/rope.hpp"
#include "gemma4/safetensors.hpp"
#include "gemma4/sampling.hpp"
#include "gemma4/text_model.hpp"
#include "gemma4/text_weights.hpp"
#include "gemma4/token.hpp"
#include "gemma4/tokenizer.hpp"
#include "gemma4/variants.hpp"
