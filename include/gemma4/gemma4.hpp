// gemma4/gemma4.hpp: everything. A header-only C++20 reference implementation of Gemma 4.
//
//   #include <gemma4/gemma4.hpp>
//   auto model = gemma4::TextModel<gemma4::Dynamic, float>::load("gemma-4-E2B-it");
//   auto logits = model.forward(std::vector<gemma4::TokenId>{2, 9259});   // [2, 262144]
//
// One folder per stage of the data flow, each with an umbrella header of the same name (every
// header also compiles on its own):
//   core/         errors, number traits, token ids, progress, the random generator
//   nn/           primitives shared by the towers: RMSNorm, GELU, linear, RoPE, gated MLP
//   text/         the text decoder: config, KV cache, attention, MoE, PLE, layer, weights, model
//   variants.hpp  the four released checkpoints (E2B, E4B, MoE26B_A4B, Dense31B) and Dynamic
//   io/           safetensors, checkpoints, the checkpoint writer, config.json
//   tokenizer/    the tokenizer and the chat template
//   generation/   sampling and generation
//   reference/    golden verification and tap dumps, random checkpoints, parameter counts
//   vision/       images (stb), the image processor, the vision tower and embed_vision
//   audio/        the audio path of E2B / E4B: WAV, resampling, log-mel, conformer, embed_audio
//   multimodal/   the whole model: the merge of soft tokens into the decoder, Model<Variant, T>
#pragma once

#include "gemma4/audio.hpp"
#include "gemma4/core.hpp"
#include "gemma4/generation.hpp"
#include "gemma4/io.hpp"
#include "gemma4/multimodal.hpp"
#include "gemma4/nn.hpp"
#include "gemma4/reference.hpp"
#include "gemma4/text.hpp"
#include "gemma4/tokenizer.hpp"
#include "gemma4/variants.hpp"
#include "gemma4/vision.hpp"
