// gemma4/tokenizer.hpp: text to ids and back, and the chat format.
//
// Umbrella of include/gemma4/tokenizer/; in data-flow order: tokenizer, chat_template.
#pragma once

#include "gemma4/tokenizer/chat_template.hpp"
#include "gemma4/tokenizer/tokenizer.hpp"
