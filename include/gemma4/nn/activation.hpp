// gemma4/nn/activation.hpp: the one activation of Gemma 4 (spec text-decoder §2.2).
//
//   gelu_tanh(x) = 0.5 x (1 + tanh( sqrt(2/pi) (x + 0.044715 x^3) ))      ("gelu_pytorch_tanh")
//
// Used by every MLP (gate branch), every expert and the Per-Layer-Embedding gate.
#pragma once

#include <cmath>
#include <numbers>

#include "gemma4/core/number_traits.hpp"

namespace gemma4 {

/// gelu_tanh applied element-wise to any Eigen expression.
template <class Derived>
auto gelu_tanh(const Eigen::ArrayBase<Derived>& x) {
  using C = typename Derived::Scalar;
  const C k = static_cast<C>(std::sqrt(2.0 / std::numbers::pi));
  return C(0.5) * x * (C(1) + (k * (x + C(0.044715) * x.cube())).tanh());
}

}  // namespace gemma4
