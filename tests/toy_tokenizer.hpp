// tests/toy_tokenizer.hpp: small tokenizer.json vocabularies for tests that need text but not
// the real 262 144-piece one. Ids 0..299: the Gemma special tokens whose real id is below 300
// (tests/special_tokens.hpp), then byte pieces <0x00>..<0xFF>, "▁" and "a".."z"; larger
// vocabularies go on with filler pieces, and `extra` places more special tokens at given ids
// (the tiny multimodal fixtures' <|image> ... at 390..396). BPE without merges, byte fallback,
// Gemma's normalizer (space -> ▁) and decoder.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gemma4/tokenizer/tokenizer.hpp>
#include <nlohmann/json.hpp>

#include "special_tokens.hpp"

namespace gemma4::test {

inline Tokenizer make_toy_tokenizer(int vocab_size, const std::map<int, std::string>& extra = {}) {
  std::map<int, std::string> special(extra.begin(), extra.end());
  for (const auto& t : kSpecialTokens)
    if (t.id < 300) special.emplace(t.id, std::string(t.piece));
  std::vector<std::string> rest;
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    rest.emplace_back(buf);
  }
  rest.emplace_back("\xE2\x96\x81");  // ▁
  for (char c = 'a'; c <= 'z'; ++c) rest.emplace_back(1, c);
  for (int id = static_cast<int>(rest.size()); id < vocab_size; ++id)
    rest.push_back("filler" + std::to_string(id));
  nlohmann::json vocab = nlohmann::json::object(), added = nlohmann::json::array();
  std::size_t next = 0;
  for (int id = 0; id < vocab_size; ++id) {
    if (auto it = special.find(id); it != special.end()) {
      vocab[it->second] = id;
      added.push_back({{"id", id}, {"content", it->second}, {"special", true}});
    } else {
      vocab[rest.at(next++)] = id;
    }
  }
  nlohmann::json doc = {
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", nlohmann::json::array()},
        {"byte_fallback", true},
        {"unk_token", "<unk>"}}},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}}}}}}};
  return Tokenizer::from_json(doc.dump(), "toy tokenizer");
}

}  // namespace gemma4::test
