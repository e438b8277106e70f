// gemma4/nn/rms_norm.hpp: root-mean-square normalisation (HF `Gemma4RMSNorm`, spec text-decoder
// §2.1).
//
//   y = x * (mean_j x_j^2 + eps)^(-1/2)  [* w]         over the last axis of length n
//
// Gemma 4 multiplies by the weight w itself, NOT by (1 + w) as Gemma 1-3 did: the neutral weight
// is 1.0. Weight-free norms (`with_scale=False`) are v_norm and router.norm; they have no tensor.
// Every other norm reads a [n] weight: input_layernorm, post_attention_layernorm,
// pre_feedforward_layernorm, post_feedforward_layernorm, q_norm, k_norm,
// post_per_layer_input_norm, pre_feedforward_layernorm_2, post_feedforward_layernorm_1/_2,
// per_layer_projection_norm and the final `norm`.
//
// Shapes: x [rows, n]; a [T, heads * d] activation is normalised per head by viewing it as
// [T * heads, d] (rms_norm_heads).
#pragma once

#include <cmath>

#include "gemma4/core/number_traits.hpp"

namespace gemma4 {

/// Normalises every row of x in place, without a weight (v_norm, router.norm).
template <class C>
void rms_norm_in_place(Eigen::Ref<RowMatrix<C>> x, double eps) {
  const C n = static_cast<C>(x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const C ms = x.row(r).squaredNorm() / n + static_cast<C>(eps);
    x.row(r) *= C(1) / std::sqrt(ms);
  }
}

/// Normalises every row of x in place and multiplies by the weight w [n].
template <class C>
void rms_norm_in_place(Eigen::Ref<RowMatrix<C>> x, const Vector<C>& w, double eps) {
  rms_norm_in_place<C>(x, eps);
  x.array().rowwise() *= w.transpose().array();
}

/// RMSNorm of every row of x: [rows, n] -> [rows, n], scaled by w [n].
template <class C>
RowMatrix<C> rms_norm(RowMatrix<C> x, const Vector<C>& w, double eps) {
  rms_norm_in_place<C>(x, w, eps);
  return x;
}

/// Weight-free RMSNorm of every row of x.
template <class C>
RowMatrix<C> rms_norm(RowMatrix<C> x, double eps) {
  rms_norm_in_place<C>(x, eps);
  return x;
}

/// Per-head RMSNorm of x [T, heads * d] with a weight w [d] shared by all heads (q_norm, k_norm),
/// or without a weight when w is empty (v_norm).
template <class C>
void rms_norm_heads_in_place(RowMatrix<C>& x, Eigen::Index d, const Vector<C>& w, double eps) {
  Eigen::Map<RowMatrix<C>> heads(x.data(), x.size() / d, d);  // [T * heads, d]
  if (w.size() == 0)
    rms_norm_in_place<C>(heads, eps);
  else
    rms_norm_in_place<C>(heads, w, eps);
}

}  // namespace gemma4
