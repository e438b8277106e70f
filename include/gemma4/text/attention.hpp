// gemma4/text/attention.hpp: self-attention of one decoder layer (HF `Gemma4TextAttention`,
// spec text-decoder §5).
//
// Layer i with d = d_i, kv = kv_i, G = nH / kv query heads per KV head, for new tokens x [T, H]:
//
//   q_h    = RoPE( RMSNorm(q_proj(x)_h; q_norm) )                        every layer
//   k_raw  = k_proj(x)                                                    non-shared layers
//   K_j    = RoPE( RMSNorm(k_raw_j; k_norm) )
//   V_j    = RMSNorm_noweight( v_proj(x)_j )       or, on k_eq_v layers, RMSNorm_noweight(k_raw_j)
//   s[h, q, k] = q_h[q] . K_{h/G}[k]  (* 1.0: no 1/sqrt(d), no softcap)  + mask
//   o_h[q] = sum_k softmax_k(s)[h, q, k] V_{h/G}[k]
//   out    = o_proj( concat_h o_h )
//
//   mask: causal (key position <= query position); sliding layers also key > query - W,
//   so a query sees itself and the W-1 previous tokens.
//   vision overlay (26B-A4B, 31B: use_bidirectional_attention == "vision"; spec
//   multimodal-merge §6, HF `create_masks_for_vision_model`): on sliding layers a query also
//   sees the LATER keys of its own image block, still within the window:
//     full:     k <= q
//     sliding:  k > q - W  and  (k <= q  or  block(q) == block(k) >= 0)
//   Blocks are given for the positions of the current call only: the caller keeps every block
//   inside one call (a block cut by a chunk boundary could not see its future half).
//
// KV-shared layers (i >= L - S) compute only q and attend over the keys and values that their
// source layer (the last non-shared layer of the same type) produced in the same forward call.
//
// Checkpoint (prefix layers.{i}.self_attn.):
//   q_proj.weight [nH*d, H], q_norm.weight [d], k_proj.weight [kv*d, H], k_norm.weight [d],
//   v_proj.weight [kv*d, H] (absent on k_eq_v layers), o_proj.weight [H, nH*d].
//   v_norm has no weight. Shared layers carry no k/v tensors (ignored if a file has them).
#pragma once

#include <algorithm>
#include <limits>
#include <span>

#include "gemma4/core/parallel_for.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/nn/rms_norm.hpp"
#include "gemma4/nn/rope.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/kv_cache.hpp"

namespace gemma4 {

template <class T>
struct AttentionWeights {
  using C = compute_t<T>;
  Weight<T> q_proj;  // [nH * d, H]
  Weight<T> k_proj;  // [kv * d, H]   (empty on shared layers)
  Weight<T> v_proj;  // [kv * d, H]   (empty on shared and k_eq_v layers)
  Weight<T> o_proj;  // [H, nH * d]
  Vector<C> q_norm;  // [d]
  Vector<C> k_norm;  // [d]           (empty on shared layers)
};

/// May a query at position q attend to a key at position k on a layer of this type?
/// `same_block`: q and k lie in the same vision block (only ever true with the vision overlay).
inline bool attention_allowed(LayerType type, Eigen::Index q, Eigen::Index k, int window,
                              bool same_block = false) {
  if (type == LayerType::Full) return k <= q;
  return k > q - window && (k <= q || same_block);
}

/// The vision block of each position of one forward call (-1: not in a block), or empty for
/// plain causal attention. Positions first_pos ... first_pos + size() - 1.
struct VisionBlocks {
  std::span<const int> block;  // [T]
  Eigen::Index first_pos = 0;
  /// Are positions q and k (absolute) in the same block?
  bool same(Eigen::Index q, Eigen::Index k) const {
    const Eigen::Index n = static_cast<Eigen::Index>(block.size());
    const Eigen::Index iq = q - first_pos, ik = k - first_pos;
    if (iq < 0 || ik < 0 || iq >= n || ik >= n) return false;
    const int b = block[static_cast<std::size_t>(iq)];
    return b >= 0 && b == block[static_cast<std::size_t>(ik)];
  }
};

/// The plain form, the formula as written: one additive mask [T, S] (0 where allowed, -inf where
/// not), then softmax(q K^T + mask) V head by head. O(T * S) time and memory; the tiled form
/// below is tested against it (tests/text/test_attention.cpp).
template <class C, class DK, class DV>
RowMatrix<C> scaled_dot_product_attention_plain(const RowMatrix<C>& q, Eigen::Index q0,
                                                const Eigen::MatrixBase<DK>& keys,
                                                const Eigen::MatrixBase<DV>& values,
                                                Eigen::Index k0, const LayerSpec& spec, int window,
                                                const VisionBlocks& blocks = {}) {
  const Eigen::Index T = q.rows(), S = keys.rows(), d = spec.head_dim;
  RowMatrix<C> mask(T, S);  // [T, S]
  for (Eigen::Index t = 0; t < T; ++t)
    for (Eigen::Index s = 0; s < S; ++s)
      mask(t, s) = attention_allowed(spec.type, q0 + t, k0 + s, window, blocks.same(q0 + t, k0 + s))
                       ? C(0)
                       : -std::numeric_limits<C>::infinity();
  RowMatrix<C> out(T, q.cols());
  for (int h = 0; h < spec.num_heads; ++h) {
    const int j = h / spec.group_size();  // the KV head serving query head h (repeat_kv)
    RowMatrix<C> scores = q.middleCols(h * d, d) * keys.middleCols(j * d, d).transpose();
    scores += mask;  // [T, S], scale 1.0
    const Vector<C> row_max = scores.rowwise().maxCoeff();
    scores = (scores.colwise() - row_max).array().exp();
    scores.array().colwise() /= scores.rowwise().sum().array();
    out.middleCols(h * d, d).noalias() = scores * values.middleCols(j * d, d);
  }
  return out;
}

/// The keys a query at position p may see lie in [first, last] (absolute positions): a sliding
/// layer looks back W - 1 positions and, with the vision overlay, forward to the end of p's
/// block. attention_allowed() still decides inside the range.
struct KeyRange {
  Eigen::Index first, last;
};

inline KeyRange key_range(LayerType type, Eigen::Index p, int window, const VisionBlocks& blocks) {
  if (type == LayerType::Full) return {0, p};
  Eigen::Index last = p;
  while (blocks.same(p, last + 1)) ++last;
  return {p - window + 1, last};
}

namespace detail {
/// Queries per tile of attention: a tile reads the union of its queries' key ranges, so a sliding
/// layer costs O(T * (W + kQueryTile)) instead of O(T * S).
inline constexpr Eigen::Index kQueryTile = 32;
}  // namespace detail

/// softmax(q K^T + mask) V for the heads of one layer.
/// q [T, nH*d] at positions q0 ..; keys, values [S, kv*d] at positions k0 ..; returns [T, nH*d].
///
/// The mask is never built for all [T, S]: the work is cut into (head, tile of 32 queries) items,
/// split across threads (core/parallel_for.hpp), and each item scores its queries against the
/// contiguous keys they can reach (key_range), masking inside that range with
/// attention_allowed(). Every row allows at least itself.
template <class C, class DK, class DV>
RowMatrix<C> scaled_dot_product_attention(const RowMatrix<C>& q, Eigen::Index q0,
                                          const Eigen::MatrixBase<DK>& keys,
                                          const Eigen::MatrixBase<DV>& values, Eigen::Index k0,
                                          const LayerSpec& spec, int window,
                                          const VisionBlocks& blocks = {}) {
  const Eigen::Index T = q.rows(), S = keys.rows(), d = spec.head_dim;
  const Eigen::Index tiles = (T + detail::kQueryTile - 1) / detail::kQueryTile;
  RowMatrix<C> out(T, q.cols());
  parallel_for(spec.num_heads * tiles, [&](Eigen::Index begin, Eigen::Index end) {
    for (Eigen::Index item = begin; item < end; ++item) {
      const int h = static_cast<int>(item / tiles);
      const int j = h / spec.group_size();  // the KV head serving query head h (repeat_kv)
      const Eigen::Index t0 = (item % tiles) * detail::kQueryTile;
      const Eigen::Index nt = std::min(detail::kQueryTile, T - t0);
      Eigen::Index lo = S, hi = -1;  // rows of keys the tile reads: [lo, hi]
      for (Eigen::Index t = t0; t < t0 + nt; ++t) {
        const KeyRange r = key_range(spec.type, q0 + t, window, blocks);
        lo = std::min(lo, std::max<Eigen::Index>(r.first - k0, 0));
        hi = std::max(hi, std::min<Eigen::Index>(r.last - k0, S - 1));
      }
      const Eigen::Index n = hi - lo + 1;
      RowMatrix<C> scores =  // [nt, n], scale 1.0
          q.block(t0, h * d, nt, d) * keys.block(lo, j * d, n, d).transpose();
      for (Eigen::Index t = 0; t < nt; ++t)
        for (Eigen::Index s = 0; s < n; ++s) {
          const Eigen::Index qp = q0 + t0 + t, kp = k0 + lo + s;
          if (!attention_allowed(spec.type, qp, kp, window, blocks.same(qp, kp)))
            scores(t, s) = -std::numeric_limits<C>::infinity();
        }
      // Row-wise softmax, max-subtracted.
      const Vector<C> row_max = scores.rowwise().maxCoeff();
      scores = (scores.colwise() - row_max).array().exp();
      scores.array().colwise() /= scores.rowwise().sum().array();
      out.block(t0, h * d, nt, d).noalias() = scores * values.block(lo, j * d, n, d);
    }
  });
  return out;
}

/// Projects new keys and values of a non-shared layer: x [T, H] -> (K, V) [T, kv*d], normed,
/// K roped from position first_pos.
template <class C, class T>
std::pair<RowMatrix<C>, RowMatrix<C>> project_kv(const RowMatrix<C>& x,
                                                 const AttentionWeights<T>& w,
                                                 const LayerSpec& spec, const Vector<C>& inv_freq,
                                                 Eigen::Index first_pos, double eps) {
  RowMatrix<C> k = linear<C>(x, w.k_proj);  // raw [T, kv*d]
  // k_eq_v: V is the RAW key projection (before k_norm and RoPE), then v_norm.
  RowMatrix<C> v = spec.k_eq_v ? k : linear<C>(x, w.v_proj);
  rms_norm_heads_in_place<C>(k, spec.head_dim, w.k_norm, eps);
  apply_rope<C>(k, spec.head_dim, inv_freq, first_pos);
  rms_norm_heads_in_place<C>(v, spec.head_dim, Vector<C>{}, eps);  // v_norm, no weight, no RoPE
  return {std::move(k), std::move(v)};
}

/// Attention of layer `spec` for x [T, H] (already input_layernorm'ed) at positions
/// cache.size() ...; appends this layer's K/V to its cache slot (non-shared layers) and attends
/// over the slot of spec.kv_source. Returns o_proj output [T, H]. `vision_block` [T] (or empty)
/// turns on the vision overlay for this call.
template <class C, class T>
RowMatrix<C> attention(const RowMatrix<C>& x, const AttentionWeights<T>& w, const LayerSpec& spec,
                       const Vector<C>& inv_freq, KVCache<C>& cache, const TextConfig& config,
                       std::span<const int> vision_block = {}) {
  const Eigen::Index first_pos = cache.size();
  RowMatrix<C> q = linear<C>(x, w.q_proj);  // [T, nH*d]
  rms_norm_heads_in_place<C>(q, spec.head_dim, w.q_norm, config.rms_norm_eps);
  apply_rope<C>(q, spec.head_dim, inv_freq, first_pos);
  if (!spec.kv_shared) {
    auto [k, v] = project_kv<C>(x, w, spec, inv_freq, first_pos, config.rms_norm_eps);
    cache.layer(spec.index).append(k, v);
  }
  const KVLayerCache<C>& kv = cache.layer(spec.kv_source);
  const RowMatrix<C> o = scaled_dot_product_attention<C>(
      q, first_pos, kv.keys(), kv.values(), kv.first_position(), spec, config.sliding_window,
      VisionBlocks{vision_block, first_pos});
  return linear<C>(o, w.o_proj);  // [T, H]
}

}  // namespace gemma4
