// gemma4/vision/encoder_layer.hpp: one layer of the vision encoder (HF `Gemma4VisionEncoderLayer`,
// `Gemma4VisionAttention`, `Gemma4VisionMLP`; spec vision.md §6). With h [rows, Dv]:
//
//   a = RMSNorm(h; input_layernorm)
//   q = RoPE2D(RMSNorm_heads(CL_q(a); q_norm))       [rows, Hv dh]   q_norm [dh], shared by heads
//   k = RoPE2D(RMSNorm_heads(CL_k(a); k_norm))       [rows, Hkv dh]
//   v = RMSNorm_heads_noweight(CL_v(a))              [rows, Hkv dh]  v_norm: no weight, no RoPE
//   s = q k^T * 1.0 over the REAL keys only          bidirectional, scale 1.0, no softcap
//   o = CL_o(softmax(s) v)                           padding queries are computed, never read
//   h = h + RMSNorm(o; post_attention_layernorm)
//   f = CL_down(gelu_tanh(CL_gate(b)) * CL_up(b)),   b = RMSNorm(h; pre_feedforward_layernorm)
//   h = h + RMSNorm(f; post_feedforward_layernorm)
//
// CL_* are ClippableLinears (clippable_linear.hpp). Tensors under
// model.vision_tower.encoder.layers.{l}.: input_layernorm / post_attention_layernorm /
// pre_feedforward_layernorm / post_feedforward_layernorm .weight [Dv]; self_attn.{q,k,v,o}_proj
// (.linear.weight + bounds), self_attn.q_norm.weight / k_norm.weight [dh]; mlp.{gate,up,down}_proj.
// Excluding padding keys is HF's bidirectional mask (-inf on padding columns); the queries are
// processed in blocks of kVisionQueryBlock rows so the scores never exceed [block, keys].
#pragma once

#include <algorithm>
#include <vector>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/nn/activation.hpp"
#include "gemma4/nn/rms_norm.hpp"
#include "gemma4/vision/clippable_linear.hpp"
#include "gemma4/vision/config.hpp"
#include "gemma4/vision/rope_2d.hpp"

namespace gemma4 {

template <class T>
struct VisionAttentionWeights {
  using C = compute_t<T>;
  ClippableLinearWeights<T> q_proj, k_proj, v_proj, o_proj;
  Vector<C> q_norm, k_norm;  // [dh]
};

template <class T>
struct VisionMlpWeights {
  ClippableLinearWeights<T> gate_proj, up_proj, down_proj;
};

template <class T>
struct VisionEncoderLayerWeights {
  using C = compute_t<T>;
  Vector<C> input_layernorm, post_attention_layernorm, pre_feedforward_layernorm,
      post_feedforward_layernorm;  // [Dv] each
  VisionAttentionWeights<T> self_attn;
  VisionMlpWeights<T> mlp;
};

/// What every layer of one image shares: the RoPE tables and which rows are real keys.
template <class C>
struct VisionAttentionContext {
  RowMatrix<C> cos, sin;           // [rows, dh]
  std::vector<Eigen::Index> keys;  // indices of the non-padding rows
  bool all_keys = true;            // no padding rows: keys are all rows
};

template <class C>
VisionAttentionContext<C> vision_attention_context(const PositionIds& pos, const VisionConfig& c) {
  VisionAttentionContext<C> ctx;
  rope_2d_tables<C>(pos, c.head_dim, c.rope_theta, ctx.cos, ctx.sin);
  for (Eigen::Index n = 0; n < pos.rows(); ++n)
    if (!is_padding_patch(pos, n)) ctx.keys.push_back(n);
  ctx.all_keys = static_cast<Eigen::Index>(ctx.keys.size()) == pos.rows();
  return ctx;
}

/// Query rows per block of the attention (scores [512, keys] at a time).
inline constexpr Eigen::Index kVisionQueryBlock = 512;

/// Bidirectional attention of a [rows, Dv] (already normed) over the real rows: [rows, Hv dh].
template <class C, class T>
RowMatrix<C> vision_attention(const RowMatrix<C>& a, const VisionAttentionWeights<T>& w,
                              const VisionConfig& c, const VisionAttentionContext<C>& ctx) {
  const int dh = c.head_dim, H = c.num_attention_heads, group = H / c.num_key_value_heads;
  const double eps = c.rms_norm_eps;
  RowMatrix<C> q = clippable_linear<C>(a, w.q_proj);  // [rows, H dh]
  rms_norm_heads_in_place<C>(q, dh, w.q_norm, eps);
  apply_rope_2d<C>(q, dh, ctx.cos, ctx.sin);
  RowMatrix<C> k = clippable_linear<C>(a, w.k_proj);  // [rows, Hkv dh]
  rms_norm_heads_in_place<C>(k, dh, w.k_norm, eps);
  apply_rope_2d<C>(k, dh, ctx.cos, ctx.sin);
  RowMatrix<C> v = clippable_linear<C>(a, w.v_proj);  // [rows, Hkv dh]
  rms_norm_heads_in_place<C>(v, dh, Vector<C>(), eps);
  if (!ctx.all_keys) {  // keep the real keys only: padding columns get no weight
    k = RowMatrix<C>(k(ctx.keys, Eigen::all));
    v = RowMatrix<C>(v(ctx.keys, Eigen::all));
  }
  const Eigen::Index rows = a.rows();
  RowMatrix<C> o(rows, Eigen::Index{H} * dh);
  RowMatrix<C> s;
  for (int h = 0; h < H; ++h) {
    const auto K = k.middleCols(Eigen::Index{h / group} * dh, dh);  // [keys, dh]
    const auto V = v.middleCols(Eigen::Index{h / group} * dh, dh);
    for (Eigen::Index r0 = 0; r0 < rows; r0 += kVisionQueryBlock) {
      const Eigen::Index nb = std::min(kVisionQueryBlock, rows - r0);
      s.noalias() = q.block(r0, Eigen::Index{h} * dh, nb, dh) * K.transpose();  // [nb, keys]
      for (Eigen::Index i = 0; i < nb; ++i) {
        auto row = s.row(i).array();
        row = (row - row.maxCoeff()).exp();
        row /= row.sum();
      }
      o.block(r0, Eigen::Index{h} * dh, nb, dh).noalias() = s * V;
    }
  }
  return clippable_linear<C>(o, w.o_proj);
}

/// One encoder layer applied to h [rows, Dv] in place.
template <class C, class T>
void vision_encoder_layer(RowMatrix<C>& h, const VisionEncoderLayerWeights<T>& w,
                          const VisionConfig& c, const VisionAttentionContext<C>& ctx) {
  const double eps = c.rms_norm_eps;
  {
    const RowMatrix<C> attn =
        vision_attention<C>(rms_norm<C>(h, w.input_layernorm, eps), w.self_attn, c, ctx);
    h += rms_norm<C>(attn, w.post_attention_layernorm, eps);
  }
  const RowMatrix<C> b = rms_norm<C>(h, w.pre_feedforward_layernorm, eps);
  const RowMatrix<C> gate = clippable_linear<C>(b, w.mlp.gate_proj);
  const RowMatrix<C> up = clippable_linear<C>(b, w.mlp.up_proj);
  const RowMatrix<C> act = (gelu_tanh(gate.array()) * up.array()).matrix();
  h += rms_norm<C>(clippable_linear<C>(act, w.mlp.down_proj), w.post_feedforward_layernorm, eps);
}

}  // namespace gemma4
