// gemma4/vision/pooler.hpp: 3 x 3 position-based average pooling of the encoder output and the
// padding strip (HF `Gemma4VisionPooler` + the strip in `Gemma4VisionModel.forward`, spec
// vision.md §7).
//
//   h_n   = 0 for padding patches                              h: [rows, Dv], rows = 9 L
//   L     = rows / k^2 output slots (k = pooling_kernel_size = 3)
//   pw    = max_n x_n + 1      over positions with padding clamped to 0
//   g(n)  = floor(x_n / k) + (pw / k) floor(y_n / k)           the slot of patch n
//   out_t = sum_{g(n) = t} h_n / k^2          (always / 9, even at an edge)
//   out  *= sqrt(Dv)                                           golden image_pooled [L, Dv]
//   mask_t = some patch (padding included, clamped to (0, 0)) falls into slot t
//                                                              golden image_pooler_mask [L]
//   kept  = the rows t with mask_t, in order: the first (Ht/48)(Wt/48) slots in raster order
//
// No tensors (the converter's `pooler.scale` is not an HF parameter and is ignored).
#pragma once

#include <cmath>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/core/number_traits.hpp"
#include "gemma4/vision/patch_embedder.hpp"

namespace gemma4 {

template <class C>
struct PooledPatches {
  RowMatrix<C> pooled;     // [L, Dv], times sqrt(Dv)
  std::vector<bool> mask;  // [L]: slot holds at least one patch
};

/// Pools h [rows, Dv] by the 2-D positions in k x k blocks and scales by sqrt(Dv).
template <class C>
PooledPatches<C> vision_pool(const RowMatrix<C>& h, const PositionIds& pos, int k) {
  const Eigen::Index rows = h.rows(), k2 = Eigen::Index{k} * k;
  if (rows == 0 || rows % k2 != 0)
    detail::fail("vision pooler: ", rows, " patches cannot be pooled ", k, "x", k,
                 " (need a positive multiple of ", k2, ")");
  const Eigen::Index L = rows / k2;
  Eigen::Index pw = 0;
  for (Eigen::Index n = 0; n < rows; ++n)
    pw = std::max<Eigen::Index>(pw, std::max(pos(n, 0), 0) + 1);
  PooledPatches<C> out{RowMatrix<C>::Zero(L, h.cols()),
                       std::vector<bool>(static_cast<std::size_t>(L))};
  for (Eigen::Index n = 0; n < rows; ++n) {
    const Eigen::Index x = std::max(pos(n, 0), 0), y = std::max(pos(n, 1), 0);
    const Eigen::Index t = x / k + (pw / k) * (y / k);
    if (t >= L)
      detail::fail("vision pooler: patch ", n, " at (", pos(n, 0), ", ", pos(n, 1),
                   ") falls into slot ", t, " of ", L);
    out.mask[static_cast<std::size_t>(t)] = true;
    if (!is_padding_patch(pos, n)) out.pooled.row(t) += h.row(n) / static_cast<C>(k2);
  }
  out.pooled *= std::sqrt(static_cast<C>(h.cols()));
  return out;
}

/// The rows of pooled whose mask is set (HF `hidden_states[pooler_mask]`): [n_soft, Dv].
template <class C>
RowMatrix<C> strip_padding(const PooledPatches<C>& p) {
  Eigen::Index n = 0;
  for (bool m : p.mask) n += m;
  RowMatrix<C> out(n, p.pooled.cols());
  Eigen::Index r = 0;
  for (std::size_t t = 0; t < p.mask.size(); ++t)
    if (p.mask[t]) out.row(r++) = p.pooled.row(static_cast<Eigen::Index>(t));
  return out;
}

}  // namespace gemma4
