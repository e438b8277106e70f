// gemma4/text/per_layer_embedding.hpp: Per-Layer Embeddings of E2B / E4B (spec text-decoder §4).
//
// Once per forward, for token ids [T] and scaled embeddings e [T, H] (P = per-layer width):
//
//   T_t      = embed_tokens_per_layer[id_t] * sqrt(P)                 token part   [L * P]
//   C_t      = (e_t @ per_layer_model_projection^T) * H^(-1/2)        context part [L * P]
//   C_t[l]   = RMSNorm(C_t[l*P : (l+1)*P]; per_layer_projection_norm)  one norm shared by all l
//   ple_t[l] = (C_t[l] + T_t[l]) * 2^(-1/2)                           add first, then scale
//
// Layout: layer-major, layer l owns columns l*P .. l*P+P-1 (per_layer_inputs [T, L, P]).
// At the end of decoder layer i (after the feed-forward block, before layer_scalar):
//
//   g = gelu_tanh(h @ per_layer_input_gate^T) * ple[:, i]               [T, P]
//   h = h + RMSNorm(g @ per_layer_projection^T; post_per_layer_input_norm)
//
// Checkpoint: embed_tokens_per_layer.weight [V_ple, L*P], per_layer_model_projection.weight
// [L*P, H], per_layer_projection_norm.weight [P]; per layer per_layer_input_gate.weight [P, H],
// per_layer_projection.weight [H, P], post_per_layer_input_norm.weight [H].
#pragma once

#include <cmath>
#include <span>

#include "gemma4/core/token.hpp"
#include "gemma4/nn/activation.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/nn/rms_norm.hpp"

namespace gemma4 {

template <class T>
struct PleModelWeights {
  using C = compute_t<T>;
  Weight<T> embed_tokens_per_layer;      // [V_ple, L*P], may stay memory-mapped
  Weight<T> per_layer_model_projection;  // [L*P, H]
  Vector<C> per_layer_projection_norm;   // [P]
};

template <class T>
struct PleLayerWeights {
  using C = compute_t<T>;
  Weight<T> per_layer_input_gate;       // [P, H]
  Weight<T> per_layer_projection;       // [H, P]
  Vector<C> post_per_layer_input_norm;  // [H]
};

/// The combined per-layer inputs [T, L*P] for ids and scaled embeddings e [T, H].
template <class C, class T>
RowMatrix<C> per_layer_inputs(std::span<const TokenId> ids, const RowMatrix<C>& e,
                              const PleModelWeights<T>& w, int P, double eps) {
  const auto n = static_cast<Eigen::Index>(ids.size());
  const Eigen::Index LP = w.per_layer_model_projection.rows();
  RowMatrix<C> context = linear<C>(e, w.per_layer_model_projection);  // [T, L*P]
  context *= C(1) / std::sqrt(static_cast<C>(e.cols()));              // H^-1/2
  Eigen::Map<RowMatrix<C>> slices(context.data(), n * (LP / P), P);   // [T*L, P]
  rms_norm_in_place<C>(slices, w.per_layer_projection_norm, eps);
  const C sqrt_p = std::sqrt(static_cast<C>(P));
  for (Eigen::Index t = 0; t < n; ++t)
    context.row(t) +=
        w.embed_tokens_per_layer.template row_as<C>(ids[static_cast<std::size_t>(t)]) * sqrt_p;
  return context * (C(1) / std::sqrt(C(2)));
}

/// h += RMSNorm(per_layer_projection(gelu(per_layer_input_gate(h)) * ple_i)): h [T, H],
/// ple_i [T, P].
template <class C, class T, class Derived>
void apply_per_layer_input(RowMatrix<C>& h, const Eigen::MatrixBase<Derived>& ple_i,
                           const PleLayerWeights<T>& w, double eps) {
  RowMatrix<C> g = linear<C>(h, w.per_layer_input_gate);  // [T, P]
  g.array() = gelu_tanh(g.array()) * ple_i.array();
  h += rms_norm<C>(linear<C>(g, w.per_layer_projection), w.post_per_layer_input_norm, eps);
}

}  // namespace gemma4
