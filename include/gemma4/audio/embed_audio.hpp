// gemma4/audio/embed_audio.hpp: the projector from the audio tower into the text model (HF
// `Gemma4MultimodalEmbedder` for audio, spec audio.md §8).
//
//   soft = RMSNorm_noweight(o; eps = audio rms_norm_eps) @ embedding_projection^T
//
// Shapes: o [T', 1536] (output_proj output) -> soft [T', Dt] (text hidden size: 1536 for E2B, 2560
// for E4B). No bias, no activation; the norm has no weight (with_scale = False) and no tensor.
// The rows of valid frames (a prefix of n_audio_tokens rows) replace the audio placeholders,
// unscaled. Checkpoint: model.embed_audio.embedding_projection.weight [Dt, 1536].
#pragma once

#include "gemma4/audio/weights.hpp"
#include "gemma4/nn/rms_norm.hpp"

namespace gemma4 {

/// embed_audio(o): [T', out] -> [T', Dt].
template <class C, class T>
RowMatrix<C> embed_audio(const RowMatrix<C>& o, const EmbedAudioWeights<T>& w, double eps) {
  return linear<C>(rms_norm<C>(o, eps), w.embedding_projection);
}

}  // namespace gemma4
