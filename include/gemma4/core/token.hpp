// gemma4/core/token.hpp: the token id type shared by the tokenizer, the models and generation.
#pragma once

#include <cstdint>

namespace gemma4 {

/// A vocabulary index (0 ... vocab_size-1). Gemma 4's vocabulary has 262 144 entries.
using TokenId = std::int32_t;

}  // namespace gemma4
