// gemma4/audio/feed_forward.hpp: the half-step feed-forward module of a conformer block (HF
// `Gemma4AudioFeedForward`, spec audio.md §7). Two per block, feed_forward1 and feed_forward2,
// with the same structure and their own weights:
//
//   y = RMSNorm(clip(x); pre_layer_norm)
//   y = ffw_layer_2( silu( ffw_layer_1(y) ) )           clippable linears, no gate
//   y = RMSNorm(clip(y); post_layer_norm)
//   x = x + residual_weight * y                          residual_weight = 0.5 ("half step")
//
// Shapes: x [T, Da]; ffw_layer_1 [4 Da, Da] = [4096, 1024]; ffw_layer_2 [Da, 4 Da].
// Checkpoint (prefix model.audio_tower.layers.{l}.feed_forward{1,2}.): pre_layer_norm.weight [Da],
// ffw_layer_1.linear.weight (+ input_min/_max, output_min/_max), ffw_layer_2.linear.weight (+ 4),
// post_layer_norm.weight [Da]. RMSNorm multiplies by w, eps = rms_norm_eps.
#pragma once

#include "gemma4/audio/clippable_linear.hpp"
#include "gemma4/nn/rms_norm.hpp"

namespace gemma4 {

template <class T>
struct AudioFeedForwardWeights {
  using C = compute_t<T>;
  Vector<C> pre_layer_norm;                    // [Da]
  AudioClippableLinearWeights<T> ffw_layer_1;  // [4 Da, Da]
  AudioClippableLinearWeights<T> ffw_layer_2;  // [Da, 4 Da]
  Vector<C> post_layer_norm;                   // [Da]
};

/// silu(x) = x * sigmoid(x), element-wise.
template <class Derived>
auto silu(const Eigen::ArrayBase<Derived>& x) {
  using C = typename Derived::Scalar;
  return x / (C(1) + (-x).exp());
}

/// x + 0.5 * FFN(x): [T, Da] -> [T, Da].
template <class C, class T>
RowMatrix<C> audio_feed_forward(const RowMatrix<C>& x, const AudioFeedForwardWeights<T>& w,
                                const AudioConfig& c) {
  const double g = audio_clip_bound<T>(c);
  RowMatrix<C> y = rms_norm<C>(audio_clip<C>(x, g), w.pre_layer_norm, c.rms_norm_eps);
  RowMatrix<C> h = audio_clippable_linear<C>(y, w.ffw_layer_1);  // [T, 4 Da]
  h.array() = silu(h.array());
  y = audio_clippable_linear<C>(h, w.ffw_layer_2);  // [T, Da]
  y = rms_norm<C>(audio_clip<C>(y, g), w.post_layer_norm, c.rms_norm_eps);
  return x + static_cast<C>(c.residual_weight) * y;
}

}  // namespace gemma4
