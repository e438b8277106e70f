// gemma4/text/kv_cache.hpp: the key/value cache of incremental decoding (spec text-decoder §10.2).
//
// One slot per non-shared layer (layers 0 .. L-S-1); KV-shared layers have none and read the
// cache of their source layer. A slot holds post-norm, post-RoPE keys and v_norm'ed values:
//
//   keys, values  [n, kv_heads * d]      rows are consecutive absolute positions first_pos ...
//
//   full layers     keep every position.
//   sliding layers  a forward call sees concat(stored, new); at the end of the call only the last
//                   W - 1 positions are kept (HF `DynamicSlidingWindowLayer`), which is all a
//                   query at the next position p may see (p-W+1 .. p-1, plus itself).
//
// Trimming happens at the end of a forward call (finish_step), not after each layer, because a
// KV-shared layer attends over its source's concat(stored, new) of the same call.
#pragma once

#include <vector>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/text/config.hpp"

namespace gemma4 {

/// The cached keys and values of one layer.
template <class C>
class KVLayerCache {
 public:
  KVLayerCache() = default;
  KVLayerCache(Eigen::Index width, Eigen::Index keep) : width_(width), keep_(keep) {}

  /// Appends keys and values [n, width] at the next positions.
  void append(const RowMatrix<C>& k, const RowMatrix<C>& v) {
    const Eigen::Index n = k.rows();
    if (used_ + n > keys_.rows()) {  // grow geometrically: appends stay O(1) amortised
      const Eigen::Index cap = std::max<Eigen::Index>(2 * keys_.rows(), used_ + n);
      keys_.conservativeResize(cap, width_);
      values_.conservativeResize(cap, width_);
    }
    keys_.middleRows(used_, n) = k;
    values_.middleRows(used_, n) = v;
    used_ += n;
  }

  /// Keeps only the last `keep` positions (sliding layers), or everything (keep < 0).
  void trim() {
    if (keep_ < 0 || used_ <= keep_) return;
    const Eigen::Index drop = used_ - keep_;
    // Row blocks of a row-major matrix are contiguous; move the kept rows to the front.
    keys_.topRows(keep_) = keys_.middleRows(drop, keep_).eval();
    values_.topRows(keep_) = values_.middleRows(drop, keep_).eval();
    first_pos_ += drop;
    used_ = keep_;
  }

  auto keys() const { return keys_.topRows(used_); }      // [n, kv_heads * d]
  auto values() const { return values_.topRows(used_); }  // [n, kv_heads * d]
  Eigen::Index size() const { return used_; }
  Eigen::Index first_position() const { return first_pos_; }  // absolute position of row 0

 private:
  RowMatrix<C> keys_, values_;
  Eigen::Index width_ = 0, keep_ = -1, used_ = 0, first_pos_ = 0;
};

/// The cache of a whole text decoder: one KVLayerCache per non-shared layer, and the number of
/// positions seen so far (the position of the next token).
template <class C>
class KVCache {
 public:
  KVCache() = default;
  explicit KVCache(const TextConfig& c) {
    for (int i = 0; i < c.first_kv_shared_layer(); ++i) {
      const LayerSpec s = layer_spec(c, i);
      layers_.emplace_back(s.kv_width(),
                           s.type == LayerType::Sliding ? c.sliding_window - 1 : Eigen::Index{-1});
    }
  }

  /// Positions seen so far = absolute position of the next token.
  Eigen::Index size() const { return seen_; }
  KVLayerCache<C>& layer(int i) { return layers_[static_cast<std::size_t>(i)]; }
  const KVLayerCache<C>& layer(int i) const { return layers_[static_cast<std::size_t>(i)]; }
  int num_layers() const { return static_cast<int>(layers_.size()); }

  /// Ends a forward call over n new tokens: trims sliding layers, advances the position.
  void finish_step(Eigen::Index n) {
    for (auto& l : layers_) l.trim();
    seen_ += n;
  }

  /// Elements held (keys and values of every layer), for memory reports.
  Eigen::Index elements() const {
    Eigen::Index n = 0;
    for (const auto& l : layers_) n += 2 * l.keys().size();
    return n;
  }

 private:
  std::vector<KVLayerCache<C>> layers_;
  Eigen::Index seen_ = 0;
};

}  // namespace gemma4
