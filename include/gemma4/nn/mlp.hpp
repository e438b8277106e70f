// gemma4/nn/mlp.hpp: the gated MLP (HF `Gemma4TextMLP`, spec text-decoder §2.3 and §7).
//
//   mlp(x) = down_proj( gelu_tanh(gate_proj(x)) * up_proj(x) )
//
// Shapes: x [T, H]; gate_proj, up_proj [I_i, H]; down_proj [H, I_i]; result [T, H].
// Checkpoint: layers.{i}.mlp.gate_proj.weight, .up_proj.weight, .down_proj.weight.
// I_i = intermediate_size, or 2 * intermediate_size on KV-shared layers when
// use_double_wide_mlp (E2B layers 15-34: 12288); only the width differs.
#pragma once

#include "gemma4/nn/activation.hpp"
#include "gemma4/nn/linear.hpp"

namespace gemma4 {

template <class T>
struct MlpWeights {
  Weight<T> gate_proj;  // [I_i, H]
  Weight<T> up_proj;    // [I_i, H]
  Weight<T> down_proj;  // [H, I_i]
};

/// mlp(x): [T, H] -> [T, H].
template <class C, class T>
RowMatrix<C> mlp(const RowMatrix<C>& x, const MlpWeights<T>& w) {
  RowMatrix<C> gate = linear<C>(x, w.gate_proj);    // [T, I_i]
  const RowMatrix<C> up = linear<C>(x, w.up_proj);  // [T, I_i]
  gate.array() = gelu_tanh(gate.array()) * up.array();
  return linear<C>(gate, w.down_proj);  // [T, H]
}

}  // namespace gemma4
