// gemma4/io.hpp: files: safetensors (read and write), hub checkpoints (single or sharded),
// config.json (text, and the whole hub config with the towers), GGUF export for llama.cpp.
//
// Umbrella of include/gemma4/io/; in data-flow order: safetensors, checkpoint, checkpoint_writer,
// config_json, hub_config, gguf_writer.
#pragma once

#include "gemma4/io/checkpoint.hpp"
#include "gemma4/io/checkpoint_writer.hpp"
#include "gemma4/io/config_json.hpp"
#include "gemma4/io/gguf_writer.hpp"
#include "gemma4/io/hub_config.hpp"
#include "gemma4/io/safetensors.hpp"
