// gemma4/tokenizer/detail/added_tokens.hpp: finding added tokens in raw text, leftmost-longest.
//
// Hugging Face tokenizers splits the input on its added tokens with an Aho-Corasick automaton in
// MatchKind::LeftmostLongest mode (tokenizers/src/tokenizer/added_vocabulary.rs): among all
// occurrences, take the one that starts first; among those starting there, the longest; continue
// after it. Spec tokenizer.md §1.2 step 1. We get the same matches with a byte trie probed at each
// position (a 256-entry table of possible first bytes skips most positions): O(n * L) for text of
// n bytes and added tokens of at most L bytes (Gemma: L = 31 code points).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "gemma4/core/token.hpp"

namespace gemma4::detail {

class AddedTokenMatcher {
 public:
  struct Match {
    std::size_t begin = 0;
    std::size_t length = 0;  // 0: no match
    TokenId id = -1;
  };

  AddedTokenMatcher() { nodes_.emplace_back(); }

  /// Adds `text` (non-empty) as an added token with id `id`.
  void add(std::string_view text, TokenId id) {
    std::int32_t node = 0;
    for (const char c : text) {
      const auto b = static_cast<unsigned char>(c);
      std::int32_t child = find_child(node, b);
      if (child < 0) {
        child = static_cast<std::int32_t>(nodes_.size());
        nodes_[static_cast<std::size_t>(node)].children.emplace_back(b, child);
        nodes_.emplace_back();
      }
      node = child;
    }
    nodes_[static_cast<std::size_t>(node)].id = id;
    first_byte_[static_cast<unsigned char>(text.front())] = true;
  }

  /// The leftmost-longest match starting at or after `from`; length 0 if there is none.
  Match find(std::string_view text, std::size_t from) const {
    for (std::size_t start = from; start < text.size(); ++start) {
      if (!first_byte_[static_cast<unsigned char>(text[start])]) continue;
      Match best{start, 0, -1};
      std::int32_t node = 0;
      for (std::size_t i = start; i < text.size(); ++i) {
        node = find_child(node, static_cast<unsigned char>(text[i]));
        if (node < 0) break;
        if (nodes_[static_cast<std::size_t>(node)].id >= 0)
          best = Match{start, i + 1 - start, nodes_[static_cast<std::size_t>(node)].id};
      }
      if (best.length > 0) return best;
    }
    return Match{text.size(), 0, -1};
  }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::int32_t>> children;
    TokenId id = -1;
  };
  std::int32_t find_child(std::int32_t node, unsigned char b) const {
    for (const auto& [byte, child] : nodes_[static_cast<std::size_t>(node)].children)
      if (byte == b) return child;
    return -1;
  }

  std::vector<Node> nodes_;
  std::array<bool, 256> first_byte_{};
};

}  // namespace gemma4::detail
