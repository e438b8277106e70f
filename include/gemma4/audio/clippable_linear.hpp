// gemma4/audio/clippable_linear.hpp: the linear with clamped input and output of the audio
// conformer (HF `Gemma4ClippableLinear`, spec audio.md §2), and the conformer's `clip`.
//
//   y = clamp( clamp(x, input_min, input_max) @ W^T, output_min, output_max )       no bias
//
// Shapes: x [T, in], W [out, in], y [T, out]. Checkpoint: <module>.linear.weight [out, in] and four
// scalar buffers <module>.input_min, .input_max, .output_min, .output_max (bf16 in the releases;
// +-inf, i.e. no clamp, when the config sets use_clipped_linears = false and they are absent).
//
//   clip(x) = clamp(x, -g, g),  g = min(gradient_clipping = 1e10, largest value of the weight
//   dtype)
// HF keeps this training-time clamp in inference (it is a no-op for sane activations); with half
// weights g is 65504, so we take the storage type's limit as HF takes the parameter dtype's.
//
// The vision tower has the same HF class (vision/clippable_linear.hpp); the audio names carry an
// `audio_` prefix so both towers can be included together.
#pragma once

#include <algorithm>
#include <limits>

#include "gemma4/audio/config.hpp"
#include "gemma4/nn/linear.hpp"

namespace gemma4 {

template <class T>
struct AudioClippableLinearWeights {
  Weight<T> linear;  // [out, in]
  double input_min = -std::numeric_limits<double>::infinity();
  double input_max = std::numeric_limits<double>::infinity();
  double output_min = -std::numeric_limits<double>::infinity();
  double output_max = std::numeric_limits<double>::infinity();
};

/// clamp(clamp(x, in_min, in_max) @ W^T, out_min, out_max): [T, in] -> [T, out].
template <class C, class T>
RowMatrix<C> audio_clippable_linear(const RowMatrix<C>& x,
                                    const AudioClippableLinearWeights<T>& w) {
  // Bounds are +-inf or finite values read through T; as C they keep their meaning (an infinite
  // bound stays infinite, so the clamp is the identity).
  const C in_lo = static_cast<C>(w.input_min), in_hi = static_cast<C>(w.input_max);
  const C out_lo = static_cast<C>(w.output_min), out_hi = static_cast<C>(w.output_max);
  const RowMatrix<C> clamped = x.cwiseMax(in_lo).cwiseMin(in_hi);
  RowMatrix<C> y = linear<C>(clamped, w.linear);
  y = y.cwiseMax(out_lo).cwiseMin(out_hi);
  return y;
}

/// The gradient-clipping bound g of the conformer for storage type T.
template <class T>
double audio_clip_bound(const AudioConfig& c) {
  return std::min(c.gradient_clipping, static_cast<double>(std::numeric_limits<T>::max()));
}

/// clip(x) = clamp(x, -g, g), element-wise.
template <class C>
RowMatrix<C> audio_clip(const RowMatrix<C>& x, double g) {
  return x.cwiseMax(static_cast<C>(-g)).cwiseMin(static_cast<C>(g));
}

}  // namespace gemma4
