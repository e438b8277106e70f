// gemma4/vision/patch_embedder.hpp: patches to the first hidden states of the vision encoder
// (HF `Gemma4VisionPatchEmbedder`, spec vision.md §4).
//
//   u_n  = 2 (v_n - 0.5)                                   pixels [0, 1] -> [-1, 1], in the model
//   e_n  = u_n @ input_proj.weight^T                       [rows, 768] -> [rows, Dv], plain Linear
//   pe_n = T[0, x_n, :] + T[1, y_n, :]   real patches      T = position_embedding_table
//        = 0                             padding (-1, -1)      [2, P, Dv]: slice 0 x, slice 1 y
//   h0_n = e_n + pe_n
//
// Tensors: model.vision_tower.patch_embedder.input_proj.weight [Dv, 3 p^2],
//          model.vision_tower.patch_embedder.position_embedding_table [2, P, Dv] (P = 10240).
// A padding row is not zero: it keeps input_proj(-1, ..., -1). A position >= P is an error (HF's
// one_hot would fail too).
#pragma once

#include "gemma4/core/error.hpp"
#include "gemma4/core/number_traits.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/vision/image_processor.hpp"

namespace gemma4 {

template <class T>
struct PatchEmbedderWeights {
  Weight<T> input_proj;                // [Dv, 3 p^2]
  Weight<T> position_embedding_table;  // [2 P, Dv]: rows [0, P) for x, [P, 2P) for y
  int position_embedding_size = 0;     // P
};

/// h0 = 2 (v - 0.5) @ input_proj^T + table[x] + table[P + y]: [rows, 3 p^2] -> [rows, Dv].
template <class C, class T>
RowMatrix<C> patch_embed(const RowMatrix<C>& pixel_values, const PositionIds& pos,
                         const PatchEmbedderWeights<T>& w) {
  if (pos.rows() != pixel_values.rows())
    detail::fail("patch embedder: ", pixel_values.rows(), " patches but ", pos.rows(),
                 " positions");
  const RowMatrix<C> u = (C(2) * (pixel_values.array() - C(0.5))).matrix();
  RowMatrix<C> h = linear<C>(u, w.input_proj);
  const int P = w.position_embedding_size;
  for (Eigen::Index n = 0; n < pos.rows(); ++n) {
    if (is_padding_patch(pos, n)) continue;
    const int x = pos(n, 0), y = pos(n, 1);
    if (x < 0 || y < 0 || x >= P || y >= P)
      detail::fail("patch ", n, " at position (", x, ", ", y,
                   ") is outside the position table (position_embedding_size ", P, ")");
    h.row(n) += w.position_embedding_table.template row_as<C>(x) +
                w.position_embedding_table.template row_as<C>(P + y);
  }
  return h;
}

}  // namespace gemma4
