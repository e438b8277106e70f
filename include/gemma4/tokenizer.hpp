// gemma4/tokenizer.hpp: text to ids and back, and the chat format.
//
// Umbrella of include/gemma4/tokenizer/; in data-flow order: tokenizer, chat_message,
// chat_template, answer_parser.
#pragma once

#include "gemma4/tokenizer/answer_parser.hpp"
#include "gemma4/tokenizer/chat_message.hpp"
#include "gemma4/tokenizer/chat_template.hpp"
#include "gemma4/tokenizer/tokenizer.hpp"
