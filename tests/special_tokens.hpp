// tests/special_tokens.hpp: the 24 special tokens of Gemma 4 (spec tokenizer.md §2), the one
// table the tokenizer, chat-template and generation tests share. test_tokenizer_real checks it
// against the real vocabulary, so the other tests may build toy vocabularies from it.
#pragma once

#include <array>
#include <string_view>

#include <gemma4/core/token.hpp>

namespace gemma4::test {

struct SpecialToken {
  TokenId id;
  std::string_view piece;
};

/// Every special id of the released tokenizer, ascending (HF's special set: 23 named + <|video|>).
inline constexpr std::array<SpecialToken, 24> kSpecialTokens{{
    {0, "<pad>"},
    {1, "<eos>"},
    {2, "<bos>"},
    {3, "<unk>"},
    {4, "<mask>"},
    {46, "<|tool>"},
    {47, "<tool|>"},
    {48, "<|tool_call>"},
    {49, "<tool_call|>"},
    {50, "<|tool_response>"},
    {51, "<tool_response|>"},
    {52, "<|\"|>"},
    {98, "<|think|>"},
    {100, "<|channel>"},
    {101, "<channel|>"},
    {105, "<|turn>"},
    {106, "<turn|>"},
    {255999, "<|image>"},
    {256000, "<|audio>"},
    {258880, "<|image|>"},
    {258881, "<|audio|>"},
    {258882, "<image|>"},
    {258883, "<audio|>"},
    {258884, "<|video|>"},
}};

/// The id of a special token's piece, or -1 when it is not one.
constexpr TokenId special_token_id(std::string_view piece) {
  for (const SpecialToken& s : kSpecialTokens)
    if (s.piece == piece) return s.id;
  return -1;
}

}  // namespace gemma4::test
