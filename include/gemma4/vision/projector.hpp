// gemma4/vision/projector.hpp: `embed_vision`, from vision soft tokens to text embeddings
// (HF `Gemma4MultimodalEmbedder`, spec vision.md §9).
//
// Is the vision projector a small neural network or a linear projection? A linear projection:
// one bias-free Linear, preceded by an RMSNorm that has no weight. No activation, no second
// layer, no post-norm, no embedding table (Gemma 3n's extra pieces are gone):
//
//   features = RMSNorm_noweight(soft; eps = vision rms_norm_eps) @ embedding_projection.weight^T
//              [n, Dv] -> [n, Dt]
//
// Tensor: model.embed_vision.embedding_projection.weight [Dt, Dv] (E2B [1536, 768], E4B
// [2560, 768], 26B-A4B [2816, 1152], 31B [5376, 1152]). The output replaces the image
// placeholder embeddings as is (not scaled by sqrt(Dt)).
#pragma once

#include "gemma4/core/number_traits.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/nn/rms_norm.hpp"

namespace gemma4 {

template <class T>
struct EmbedVisionWeights {
  Weight<T> embedding_projection;  // [Dt, Dv]
};

/// features = rms_norm(soft) @ W^T: [n, Dv] -> [n, Dt].
template <class C, class T>
RowMatrix<C> embed_vision(const RowMatrix<C>& soft_tokens, const EmbedVisionWeights<T>& w,
                          double eps) {
  return linear<C>(rms_norm<C>(soft_tokens, eps), w.embedding_projection);
}

}  // namespace gemma4
