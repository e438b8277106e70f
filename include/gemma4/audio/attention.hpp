// gemma4/audio/attention.hpp: chunked local self-attention with relative positions (HF
// `Gemma4AudioAttention`, spec audio.md §7), written as its dense equivalent.
//
// Per head h (Ha = 8 heads of da = 128), for query frame t and key frame s:
//
//   q_t = q_proj(y_t)[h] * (da^-1/2 / ln 2) * softplus(per_dim_scale)     per_dim_scale [da]
//   k_s = k_proj(y_s)[h] * (ln(1 + e) / ln 2)                             = 1.8946...
//   v_s = v_proj(y_s)[h]
//   R(d) = (PE(d) @ relative_k_proj^T)[h]                                 relative_position.hpp;
//                                                                          NOT scaled by the k
//                                                                          factor
//   logit(t, s) = 50 tanh( (q_t . k_s + q_t . R(t - s)) / 50 )             logit cap, before
//   masking allowed(t, s) = 0 <= t - s < context_left - 1 = 12  and  s is a valid frame p(t, .) =
//   softmax over allowed s  (masked logits are -1e9: their weight is exactly 0) o_t = concat_h(
//   sum_s p(t, s) v_s ) ;  out = post(o)                   clippable [Da, Da]
//
// HF computes this blockwise: queries in chunks of 12, each chunk b seeing the 24 key columns
// 12 b - 12 ... 12 b + 11 (zero outside [0, T)), relative logits by a Transformer-XL shift. The
// two agree wherever a key is allowed. A query with NO allowed key (only padding frames, when
// 12 or more invalid frames precede it) gets HF's result for an all -1e9 row: the uniform average
// of the 24 context columns, zeros included. Such rows are padding and are discarded downstream,
// but we reproduce them so every row matches.
//
// Checkpoint (prefix model.audio_tower.layers.{l}.self_attn.): q_proj, k_proj, v_proj, post
// (clippable: .linear.weight [Da, Da] + 4 bounds), relative_k_proj.weight [Da, Da] (plain),
// per_dim_scale [da].
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "gemma4/audio/clippable_linear.hpp"
#include "gemma4/audio/relative_position.hpp"

namespace gemma4 {

template <class T>
struct AudioAttentionWeights {
  using C = compute_t<T>;
  AudioClippableLinearWeights<T> q_proj, k_proj, v_proj, post;  // [Da, Da]
  Weight<T> relative_k_proj;                                    // [Da, Da]
  Vector<C> per_dim_scale;                                      // [da]
};

/// Whether query t may attend to key s (mask [T] of valid frames): the golden
/// `audio_attention_mask_5d` in dense form.
inline bool audio_attention_allowed(const AudioConfig& c, std::int64_t t, std::int64_t s,
                                    const std::vector<std::uint8_t>& mask) {
  const std::int64_t d = t - s;
  return d >= 0 && d < c.max_past_horizon() && s >= 0 &&
         s < static_cast<std::int64_t>(mask.size()) && mask[static_cast<std::size_t>(s)];
}

/// The blocked mask HF builds, [num_blocks, chunk, context] with 1 = attend (golden
/// `audio_attention_mask_5d`, an aid): block b, row i is query 12 b + i, column j key 12 b - 12 +
/// j.
inline std::vector<std::uint8_t> audio_blocked_mask(const AudioConfig& c,
                                                    const std::vector<std::uint8_t>& mask) {
  const std::int64_t T = static_cast<std::int64_t>(mask.size()), W = c.attention_chunk_size;
  const std::int64_t P = c.max_past_horizon(), ctx = c.context_size(), blocks = (T + W - 1) / W;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(blocks * W * ctx), 0);
  for (std::int64_t b = 0; b < blocks; ++b)
    for (std::int64_t i = 0; i < W; ++i)
      for (std::int64_t j = 0; j < ctx; ++j) {
        const std::int64_t t = b * W + i, s = b * W - P + j;
        out[static_cast<std::size_t>((b * W + i) * ctx + j)] =
            t < T && audio_attention_allowed(c, t, s, mask) ? 1 : 0;
      }
  return out;
}

/// post(attention(y)): [T, Da] -> [T, Da]. `pe` is the relative position table, `mask` [T].
template <class C, class T>
RowMatrix<C> audio_attention(const RowMatrix<C>& y, const AudioAttentionWeights<T>& w,
                             const RowMatrix<C>& pe, const std::vector<std::uint8_t>& mask,
                             const AudioConfig& c) {
  const Eigen::Index T_ = y.rows(), Ha = c.num_attention_heads, da = c.head_dim();
  const Eigen::Index P = c.max_past_horizon(), W = c.attention_chunk_size, ctx = c.context_size();
  const double ln2 = std::numbers::ln2;
  const C q_scale = static_cast<C>(std::pow(static_cast<double>(da), -0.5) / ln2);
  const C k_scale = static_cast<C>(std::log(1.0 + std::numbers::e) / ln2);
  // softplus(per_dim_scale) = ln(1 + e^x), [da]
  const Eigen::Array<C, 1, Eigen::Dynamic> dim_scale =
      q_scale * (C(1) + w.per_dim_scale.transpose().array().exp()).log();

  RowMatrix<C> q = audio_clippable_linear<C>(y, w.q_proj);        // [T, Da]
  RowMatrix<C> k = audio_clippable_linear<C>(y, w.k_proj);        // [T, Da]
  const RowMatrix<C> v = audio_clippable_linear<C>(y, w.v_proj);  // [T, Da]
  for (Eigen::Index h = 0; h < Ha; ++h) q.middleCols(h * da, da).array().rowwise() *= dim_scale;
  k *= k_scale;
  const RowMatrix<C> rel = linear<C>(pe, w.relative_k_proj);  // [P + 1, Da], row r: d = P - r

  const C cap = static_cast<C>(c.attention_logit_cap);
  RowMatrix<C> o = RowMatrix<C>::Zero(T_, c.hidden_size);  // [T, Da]
  std::vector<C> logits(static_cast<std::size_t>(P));
  for (Eigen::Index h = 0; h < Ha; ++h) {
    const auto qh = q.middleCols(h * da, da), kh = k.middleCols(h * da, da);
    const auto vh = v.middleCols(h * da, da), rh = rel.middleCols(h * da, da);
    for (Eigen::Index t = 0; t < T_; ++t) {
      // Keys s = t - d for d = 0 .. P-1, where allowed.
      C mx = -std::numeric_limits<C>::infinity();
      int allowed = 0;
      for (Eigen::Index d = 0; d < P; ++d) {
        const Eigen::Index s = t - d;
        if (!audio_attention_allowed(c, t, s, mask)) continue;
        const C raw = qh.row(t).dot(kh.row(s)) + qh.row(t).dot(rh.row(P - d));
        const C l = cap * std::tanh(raw / cap);
        logits[static_cast<std::size_t>(d)] = l;
        mx = std::max(mx, l);
        ++allowed;
      }
      auto out = o.row(t).segment(h * da, da);
      if (allowed == 0) {  // HF: softmax of an all -1e9 row = uniform over the block's context
        const Eigen::Index first = t / W * W - P;
        for (Eigen::Index s = std::max<Eigen::Index>(first, 0);
             s < std::min<Eigen::Index>(first + ctx, T_); ++s)
          out += vh.row(s);
        out /= static_cast<C>(ctx);
        continue;
      }
      C sum = 0;
      for (Eigen::Index d = 0; d < P; ++d) {
        const Eigen::Index s = t - d;
        if (!audio_attention_allowed(c, t, s, mask)) continue;
        const C p = std::exp(logits[static_cast<std::size_t>(d)] - mx);
        sum += p;
        out += p * vh.row(s);
      }
      out /= sum;
    }
  }
  return audio_clippable_linear<C>(o, w.post);
}

}  // namespace gemma4
