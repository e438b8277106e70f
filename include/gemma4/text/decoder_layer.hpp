// gemma4/text/decoder_layer.hpp: one decoder layer, in HF `Gemma4TextDecoderLayer` order
// (spec text-decoder §6):
//
//   r = h;  h = r + post_attention_layernorm( attention( input_layernorm(h) ) )
//   r = h;  m = mlp( pre_feedforward_layernorm(r) )
//           if MoE:  m = post_feedforward_layernorm_1(m)
//                      + post_feedforward_layernorm_2( experts(pre_feedforward_layernorm_2(r),
//                                                              router(r)) )
//           h = r + post_feedforward_layernorm(m)
//   if PLE: h = h + RMSNorm(per_layer_projection(gelu(per_layer_input_gate(h)) * ple_i))
//   h = h * layer_scalar                           (scales the WHOLE residual stream)
//
// Checkpoint (prefix layers.{i}.): input_layernorm, post_attention_layernorm,
// pre_feedforward_layernorm, post_feedforward_layernorm (.weight [H]), layer_scalar [1],
// self_attn.* (attention.hpp), mlp.* (mlp.hpp), router.* / experts.* /
// pre_feedforward_layernorm_2 / post_feedforward_layernorm_1 / _2 (moe.hpp, MoE only),
// per_layer_* (per_layer_embedding.hpp, PLE only).
#pragma once

#include <optional>
#include <span>

#include "gemma4/nn/mlp.hpp"
#include "gemma4/text/attention.hpp"
#include "gemma4/text/moe.hpp"
#include "gemma4/text/per_layer_embedding.hpp"

namespace gemma4 {

template <class T>
struct DecoderLayerWeights {
  using C = compute_t<T>;
  Vector<C> input_layernorm, post_attention_layernorm;              // [H]
  Vector<C> pre_feedforward_layernorm, post_feedforward_layernorm;  // [H]
  AttentionWeights<T> self_attn;
  MlpWeights<T> mlp;
  std::optional<MoeWeights<T>> moe;                                      // router + experts
  Vector<C> pre_feedforward_layernorm_2;                                 // [H], MoE only
  Vector<C> post_feedforward_layernorm_1, post_feedforward_layernorm_2;  // [H], MoE only
  std::optional<PleLayerWeights<T>> ple;
  C layer_scalar = 1;
};

/// What a layer reports besides its output (the router's choice, for taps).
template <class C>
struct LayerExtras {
  std::optional<Routing<C>> routing;
};

/// Runs decoder layer `spec` on h [T, H] in place. ple_i [T, P] when PLE is on; vision_block [T]
/// (or empty) is the vision attention overlay of attention.hpp.
template <class C, class T>
LayerExtras<C> decoder_layer(RowMatrix<C>& h, const DecoderLayerWeights<T>& w,
                             const LayerSpec& spec, const Vector<C>& inv_freq,
                             const RowMatrix<C>* ple_inputs, KVCache<C>& cache,
                             const TextConfig& config, std::span<const int> vision_block = {}) {
  const double eps = config.rms_norm_eps;
  LayerExtras<C> extras;

  // Attention block.
  const RowMatrix<C> a = attention<C>(rms_norm<C>(h, w.input_layernorm, eps), w.self_attn, spec,
                                      inv_freq, cache, config, vision_block);
  h += rms_norm<C>(a, w.post_attention_layernorm, eps);

  // Feed-forward block: dense MLP, plus the routed experts on MoE layers.
  const RowMatrix<C>& r = h;
  RowMatrix<C> m = mlp<C>(rms_norm<C>(r, w.pre_feedforward_layernorm, eps), w.mlp);
  if (w.moe) {
    m = rms_norm<C>(std::move(m), w.post_feedforward_layernorm_1, eps);
    Routing<C> routing = route<C>(r, *w.moe, config.top_k_experts, eps);
    const RowMatrix<C> m2 =
        experts<C>(rms_norm<C>(r, w.pre_feedforward_layernorm_2, eps), routing, *w.moe);
    m += rms_norm<C>(m2, w.post_feedforward_layernorm_2, eps);
    extras.routing = std::move(routing);
  }
  h += rms_norm<C>(std::move(m), w.post_feedforward_layernorm, eps);

  // Per-layer embedding input.
  if (w.ple) {
    const Eigen::Index P = config.hidden_size_per_layer_input;
    apply_per_layer_input<C>(h, ple_inputs->middleCols(spec.index * P, P), *w.ple, eps);
  }
  h *= w.layer_scalar;
  return extras;
}

}  // namespace gemma4
