// gemma4/audio/random_weights.hpp: random weights of the audio tower and embed_audio for any
// audio config, in memory (benchmarks, tests of shapes and speed; no checkpoint needed).
//
//   matrices, conv kernels   N(0, std^2), std = initializer_range = 0.02 (HF's default init)
//   RMSNorm / LayerNorm      1 (neutral), output_proj.bias 0, per_dim_scale 0 (HF zeros it)
//   clip bounds              +-inf (HF's buffers before a checkpoint is loaded)
// Deterministic for a seed (core/random.hpp's Xoshiro256), whatever the number type.
#pragma once

#include <cstdint>
#include <utility>

#include "gemma4/audio/weights.hpp"
#include "gemma4/core/random.hpp"

namespace gemma4 {

/// Random audio-tower and embed_audio weights for config c and text hidden size `text_hidden`.
template <class T>
std::pair<AudioTowerWeights<T>, EmbedAudioWeights<T>> random_audio_weights(const AudioConfig& c,
                                                                           std::int64_t text_hidden,
                                                                           std::uint64_t seed = 1,
                                                                           double std = 0.02) {
  using C = compute_t<T>;
  Xoshiro256 rng(seed);
  auto matrix = [&](Eigen::Index rows, Eigen::Index cols) {
    RowMatrix<T> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(std * rng.normal());
    return Weight<T>::owned(std::move(m));
  };
  auto small = [&](Eigen::Index rows, Eigen::Index cols) {  // read through T, held as C
    RowMatrix<C> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      m.data()[i] = static_cast<C>(static_cast<T>(std * rng.normal()));
    return m;
  };
  auto ones = [](Eigen::Index n) { return Vector<C>::Ones(n); };
  auto clippable = [&](Eigen::Index out, Eigen::Index in) {
    AudioClippableLinearWeights<T> w;
    w.linear = matrix(out, in);
    return w;
  };
  const Eigen::Index D = c.hidden_size, c0 = c.subsampling_conv_channels[0],
                     c1 = c.subsampling_conv_channels[1];
  AudioTowerWeights<T> w;
  auto& s = w.subsample_conv_projection;
  s.layer0.conv = small(c0, 9);
  s.layer0.norm = ones(c0);
  s.layer1.conv = small(c1, 9 * c0);
  s.layer1.norm = ones(c1);
  s.input_proj_linear = matrix(D, c.subsample_flat_width());
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    ConformerBlockWeights<T> b;
    for (auto* f : {&b.feed_forward1, &b.feed_forward2}) {
      f->pre_layer_norm = ones(D);
      f->ffw_layer_1 = clippable(4 * D, D);
      f->ffw_layer_2 = clippable(D, 4 * D);
      f->post_layer_norm = ones(D);
    }
    b.norm_pre_attn = ones(D);
    b.self_attn.q_proj = clippable(D, D);
    b.self_attn.k_proj = clippable(D, D);
    b.self_attn.v_proj = clippable(D, D);
    b.self_attn.post = clippable(D, D);
    b.self_attn.relative_k_proj = matrix(D, D);
    b.self_attn.per_dim_scale = Vector<C>::Zero(c.head_dim());
    b.norm_post_attn = ones(D);
    b.lconv1d.pre_layer_norm = ones(D);
    b.lconv1d.linear_start = clippable(2 * D, D);
    b.lconv1d.depthwise_conv1d = small(D, c.conv_kernel_size);
    b.lconv1d.conv_norm = ones(D);
    b.lconv1d.linear_end = clippable(D, D);
    b.norm_out = ones(D);
    w.layers.push_back(std::move(b));
  }
  w.output_proj = matrix(c.output_proj_dims, D);
  w.output_proj_bias = Vector<C>::Zero(c.output_proj_dims);
  EmbedAudioWeights<T> e{matrix(text_hidden, c.output_proj_dims)};
  return {std::move(w), std::move(e)};
}

}  // namespace gemma4
