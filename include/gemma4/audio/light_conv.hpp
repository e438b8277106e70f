// gemma4/audio/light_conv.hpp: the light convolution module of a conformer block (HF
// `Gemma4AudioLightConv1d`, spec audio.md §7).
//
//   y   = RMSNorm(x; pre_layer_norm)                      no clip before this norm
//   y   = linear_start(y)                                 clippable [2 Da, Da]
//   y   = y[:, :Da] * sigmoid(y[:, Da:])                  GLU: first half value, second half gate
//   y_t[c] = sum_{j=0..K-1} w[c, 0, j] * y_{t-K+1+j}[c]   causal depthwise conv, K = 5: left pad
//                                                          K - 1 = 4 zeros, no bias
//   y   = silu( RMSNorm(clip(y); conv_norm) )
//   x   = x + linear_end(y)                               clippable [Da, Da]
//
// Checkpoint (prefix model.audio_tower.layers.{l}.lconv1d.): pre_layer_norm.weight [Da],
// linear_start.linear.weight [2 Da, Da] (+ 4 bounds), depthwise_conv1d.weight [Da, 1, K],
// conv_norm.weight [Da], linear_end.linear.weight [Da, Da] (+ 4 bounds).
#pragma once

#include "gemma4/audio/feed_forward.hpp"

namespace gemma4 {

template <class T>
struct AudioLightConvWeights {
  using C = compute_t<T>;
  Vector<C> pre_layer_norm;                     // [Da]
  AudioClippableLinearWeights<T> linear_start;  // [2 Da, Da]
  RowMatrix<C> depthwise_conv1d;                // [Da, K] (the checkpoint's [Da, 1, K])
  Vector<C> conv_norm;                          // [Da]
  AudioClippableLinearWeights<T> linear_end;    // [Da, Da]
};

/// x + LConv(x): [T, Da] -> [T, Da].
template <class C, class T>
RowMatrix<C> audio_light_conv(const RowMatrix<C>& x, const AudioLightConvWeights<T>& w,
                              const AudioConfig& c) {
  const Eigen::Index T_ = x.rows(), D = x.cols(), K = w.depthwise_conv1d.cols();
  const RowMatrix<C> y0 = rms_norm<C>(x, w.pre_layer_norm, c.rms_norm_eps);
  const RowMatrix<C> gl = audio_clippable_linear<C>(y0, w.linear_start);  // [T, 2 Da]
  RowMatrix<C> glu(T_, D);                                                // [T, Da]
  glu.array() = gl.leftCols(D).array() / (C(1) + (-gl.rightCols(D).array()).exp());
  RowMatrix<C> conv = RowMatrix<C>::Zero(T_, D);  // [T, Da]
  for (Eigen::Index t = 0; t < T_; ++t)
    for (Eigen::Index j = 0; j < K; ++j) {
      const Eigen::Index s = t - (K - 1) + j;  // input frame under tap j
      if (s >= 0)
        conv.row(t).array() += w.depthwise_conv1d.col(j).transpose().array() * glu.row(s).array();
    }
  RowMatrix<C> y =
      rms_norm<C>(audio_clip<C>(conv, audio_clip_bound<T>(c)), w.conv_norm, c.rms_norm_eps);
  y.array() = silu(y.array());
  return x + audio_clippable_linear<C>(y, w.linear_end);
}

}  // namespace gemma4
