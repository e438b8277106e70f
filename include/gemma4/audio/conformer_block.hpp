// gemma4/audio/conformer_block.hpp: one conformer block of the audio tower (HF `Gemma4AudioLayer`,
// spec audio.md §7), in HF's order:
//
//   x = x + 0.5 FFN1(x)                                          feed_forward.hpp
//   x = x + RMSNorm(clip(Attn(RMSNorm(clip(x); norm_pre_attn))); norm_post_attn)   attention.hpp
//   x = x + LConv(x)                                             light_conv.hpp
//   x = x + 0.5 FFN2(x)
//   x = RMSNorm(clip(x); norm_out)
//
// Shapes: x [T', Da] -> [T', Da]. Checkpoint (prefix model.audio_tower.layers.{l}.):
// feed_forward1.*, norm_pre_attn.weight [Da], self_attn.*, norm_post_attn.weight [Da], lconv1d.*,
// feed_forward2.*, norm_out.weight [Da].
#pragma once

#include "gemma4/audio/attention.hpp"
#include "gemma4/audio/light_conv.hpp"

namespace gemma4 {

template <class T>
struct ConformerBlockWeights {
  using C = compute_t<T>;
  AudioFeedForwardWeights<T> feed_forward1;
  Vector<C> norm_pre_attn;  // [Da]
  AudioAttentionWeights<T> self_attn;
  Vector<C> norm_post_attn;  // [Da]
  AudioLightConvWeights<T> lconv1d;
  AudioFeedForwardWeights<T> feed_forward2;
  Vector<C> norm_out;  // [Da]
};

/// One conformer block: [T', Da] -> [T', Da]; pe the relative table, mask [T'] valid frames.
template <class C, class T>
RowMatrix<C> conformer_block(const RowMatrix<C>& x_in, const ConformerBlockWeights<T>& w,
                             const RowMatrix<C>& pe, const std::vector<std::uint8_t>& mask,
                             const AudioConfig& c) {
  const double g = audio_clip_bound<T>(c), eps = c.rms_norm_eps;
  RowMatrix<C> x = audio_feed_forward<C>(x_in, w.feed_forward1, c);
  RowMatrix<C> y = rms_norm<C>(audio_clip<C>(x, g), w.norm_pre_attn, eps);
  y = audio_attention<C>(y, w.self_attn, pe, mask, c);
  x += rms_norm<C>(audio_clip<C>(y, g), w.norm_post_attn, eps);
  x = audio_light_conv<C>(x, w.lconv1d, c);
  x = audio_feed_forward<C>(x, w.feed_forward2, c);
  return rms_norm<C>(audio_clip<C>(x, g), w.norm_out, eps);
}

}  // namespace gemma4
