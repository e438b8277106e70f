// gemma4/tokenizer/detail/bpe.hpp: the BPE merge loop over one word, and its lookup tables.
//
// A word is a sequence of symbols s_0 ... s_{n-1} (piece ids). A merge table maps an adjacent pair
// (a, b) to (rank, id of the piece a+b); rank = index of the merge in tokenizer.json's
// `model.merges`. BPE repeatedly replaces the adjacent pair of lowest rank (ties: leftmost) by its
// merged piece, until no adjacent pair has a rank (spec tokenizer.md §1.2 steps 3-4).
//
// Two implementations, tested against each other:
// * bpe_merge_reference: the definition above, literally. O(n^2) per word.
// * bpe_merge: Hugging Face tokenizers' `Word::merge_all` (tokenizers/src/models/bpe/word.rs):
//   symbols in a doubly linked list over an array, a min-heap of candidate merges keyed by
//   (rank, position of the left symbol). A popped candidate is stale if its left symbol was
//   consumed, has no right neighbour, or the pair now there does not merge to the candidate's
//   piece id; stale candidates are dropped. After a merge only the two new pairs around the merged
//   symbol are pushed. O(n log n) per word.
//   HF judges staleness by looking the current pair up again and comparing merged piece ids; we
//   compare the pair itself, which saves a hash probe and is the same test: the left symbol keeps
//   its start position and only grows, so a pair spelling the same merged text at the same
//   position is the same pair.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "gemma4/core/token.hpp"

namespace gemma4::detail {

/// Open-addressing hash map (a, b) -> (rank, merged id). Linear probing; load factor <= 1/2.
class MergeTable {
 public:
  struct Value {
    std::int32_t rank = -1;  // -1: no merge for this pair
    TokenId id = -1;
  };

  void reserve(std::size_t n) {
    std::size_t cap = 16;
    int bits = 4;
    while (cap < 2 * n) cap *= 2, ++bits;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    shift_ = 64 - bits;
    size_ = 0;
  }

  /// Inserts or overwrites (a later duplicate merge wins, as in HF, whose map is built by collect).
  void insert(TokenId a, TokenId b, Value v) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    const std::uint64_t k = key(a, b);
    for (std::size_t i = hash(k);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == kEmpty) {
        s = Slot{k, v};
        ++size_;
        return;
      }
      if (s.key == k) {
        s.value = v;
        return;
      }
    }
  }

  Value find(TokenId a, TokenId b) const {
    if (slots_.empty()) return {};
    const std::uint64_t k = key(a, b);
    for (std::size_t i = hash(k);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == k) return s.value;
      if (s.key == kEmpty) return {};
    }
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
  struct Slot {
    std::uint64_t key = kEmpty;
    Value value;
  };
  static std::uint64_t key(TokenId a, TokenId b) {
    return (std::uint64_t{static_cast<std::uint32_t>(a)} << 32) | static_cast<std::uint32_t>(b);
  }
  std::size_t hash(std::uint64_t k) const {
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> shift_);  // Fibonacci hashing
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(std::max<std::size_t>(old.size(), 16));
    for (const Slot& s : old)
      if (s.key != kEmpty)
        insert(static_cast<TokenId>(s.key >> 32), static_cast<TokenId>(s.key & 0xFFFFFFFFu),
               s.value);
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 60;
  std::size_t size_ = 0;
};

/// Scratch buffers reused across words of one encode call.
struct BpeScratch {
  struct Symbol {
    TokenId id;
    std::int32_t prev;  // index of the previous live symbol, -1 at the start
    std::int32_t next;  // index of the next live symbol, -1 at the end
    bool alive;
  };
  struct Candidate {
    std::int32_t rank;
    std::int32_t pos;     // index of the left symbol
    TokenId left, right;  // the pair when it was pushed
    TokenId id;           // merged piece
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

/// Merges `word` (piece ids) in place with HF's algorithm (see the top of this file).
inline void bpe_merge(std::vector<TokenId>& word, const MergeTable& merges, BpeScratch& scratch) {
  const auto n = static_cast<std::int32_t>(word.size());
  if (n < 2) return;
  auto& heap = scratch.heap;
  scratch.symbols.resize(word.size());
  heap.clear();
  BpeScratch::Symbol* sym = scratch.symbols.data();  // [n], indexed by int32 positions
  const TokenId* ids = word.data();
  for (std::int32_t i = 0; i < n; ++i) sym[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1, true};

  // Min-heap on (rank, pos): std heaps are max-heaps, so "less" means "comes out later".
  const auto later = [](const BpeScratch::Candidate& x, const BpeScratch::Candidate& y) {
    return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
  };
  const auto push = [&](std::int32_t pos, TokenId a, TokenId b) {
    const MergeTable::Value v = merges.find(a, b);
    if (v.rank < 0) return;
    heap.push_back({v.rank, pos, a, b, v.id});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) push(i, sym[i].id, sym[i + 1].id);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const BpeScratch::Candidate top = heap.back();
    heap.pop_back();
    auto& left = sym[top.pos];
    if (!left.alive || left.next < 0) continue;
    const std::int32_t right_pos = left.next;
    auto& right = sym[right_pos];
    if (left.id != top.left || right.id != top.right) continue;  // stale: the pair changed
    left.id = top.id;
    left.next = right.next;
    right.alive = false;
    if (right.next >= 0) sym[right.next].prev = top.pos;
    if (left.prev >= 0) push(left.prev, sym[left.prev].id, left.id);
    if (left.next >= 0) push(top.pos, left.id, sym[left.next].id);
  }

  std::size_t out = 0;
  for (std::int32_t i = 0; i >= 0; i = sym[i].next) word[out++] = sym[i].id;
  word.resize(out);
}

/// The definition, literally: merge the lowest-rank adjacent pair (leftmost on ties) until none
/// has a rank. The readable reference bpe_merge is tested against.
inline void bpe_merge_reference(std::vector<TokenId>& word, const MergeTable& merges) {
  for (;;) {
    std::int32_t best_rank = -1;
    std::size_t best_pos = 0;
    TokenId best_id = -1;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const MergeTable::Value v = merges.find(word[i], word[i + 1]);
      if (v.rank >= 0 && (best_rank < 0 || v.rank < best_rank)) {
        best_rank = v.rank;
        best_pos = i;
        best_id = v.id;
      }
    }
    if (best_rank < 0) return;
    word[best_pos] = best_id;
    word.erase(word.begin() + static_cast<std::ptrdiff_t>(best_pos) + 1);
  }
}

}  // namespace gemma4::detail
