// gemma4/vision/clippable_linear.hpp: the linear layer of the vision tower (HF
// `Gemma4ClippableLinear`, spec vision.md §2).
//
//   y = clamp( clamp(x, input_min, input_max) @ W^T, output_min, output_max )     x: [T, in]
//
// W is `<module>.linear.weight` [out, in] (the extra `.linear.` level exists even when clipping is
// off). The four bounds are scalar (0-d) tensors beside it, `<module>.input_min`, `.input_max`,
// `.output_min`, `.output_max`, present only when `use_clipped_linears` (E2B / E4B); a bound
// that is absent is +-inf, so the clamp does nothing. No bias. Used by q/k/v/o_proj and
// gate/up/down_proj of every encoder layer (the patch embedder's input_proj is a plain Linear).
#pragma once

#include <cmath>
#include <limits>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/nn/linear.hpp"

namespace gemma4 {

/// The weight and the (possibly infinite) bounds of one ClippableLinear.
template <class T>
struct ClippableLinearWeights {
  using C = compute_t<T>;
  Weight<T> linear;  // [out, in]
  C input_min = -std::numeric_limits<C>::infinity();
  C input_max = std::numeric_limits<C>::infinity();
  C output_min = -std::numeric_limits<C>::infinity();
  C output_max = std::numeric_limits<C>::infinity();

  bool clips_input() const { return std::isfinite(input_min) || std::isfinite(input_max); }
  bool clips_output() const { return std::isfinite(output_min) || std::isfinite(output_max); }
};

/// y = clamp(clamp(x, in_min, in_max) @ W^T, out_min, out_max): [T, in] -> [T, out].
template <class C, class T>
RowMatrix<C> clippable_linear(const RowMatrix<C>& x, const ClippableLinearWeights<T>& w) {
  RowMatrix<C> y = w.clips_input()
                       ? linear<C>(x.cwiseMax(w.input_min).cwiseMin(w.input_max), w.linear)
                       : linear<C>(x, w.linear);
  if (w.clips_output()) y = y.cwiseMax(w.output_min).cwiseMin(w.output_max);
  return y;
}

}  // namespace gemma4
