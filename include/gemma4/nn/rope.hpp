// gemma4/nn/rope.hpp: rotary position embeddings, rotate-half layout (spec text-decoder §2.4,
// §5.5).
//
// For a head vector x of length d at absolute position p, with h = d/2:
//
//   angle_j   = p * inv_freq[j]                                   j = 0 .. h-1
//   out[j]    = x[j]   cos(angle_j) - x[j+h] sin(angle_j)
//   out[j+h]  = x[j+h] cos(angle_j) + x[j]   sin(angle_j)
//
// i.e. channel j rotates with channel j + d/2 (NeoX "rotate_half"), NOT with j+1 (interleaved).
//
//   default       (sliding layers, theta 1e4):   inv_freq[j] = theta^(-2j/d)            all j < h
//   proportional  (full layers, theta 1e6, rho = partial_rotary_factor = 0.25):
//                 inv_freq[j] = theta^(-2j/d) for j < floor(rho * d / 2), else 0
//     With d = 512 only channels 0..63 and 256..319 rotate; the exponent's denominator is the
//     FULL head dim d (not rho * d), and the other channels pass through (cos 1, sin 0). This is
//     HF `_compute_proportional_rope_parameters` and the JAX `apply_rope(rope_proportion)`.
//
// Queries and keys get RoPE after their RMSNorm; values never do. No tensors are read
// (`inv_freq` is a non-persistent buffer).
#pragma once

#include <cmath>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/text/config.hpp"

namespace gemma4 {

/// inv_freq [d/2] of one layer type for head dim d.
template <class C>
Vector<C> rope_inv_freq(const RopeParameters& rope, int d) {
  const int half = d / 2;
  const int rotated = rope.rope_type == RopeType::Proportional
                          ? static_cast<int>(std::floor(rope.partial_rotary_factor * d / 2))
                          : half;
  Vector<C> inv_freq = Vector<C>::Zero(half);
  for (int j = 0; j < rotated; ++j)
    inv_freq[j] = C(1) / std::pow(static_cast<C>(rope.rope_theta), static_cast<C>(2 * j) / C(d));
  return inv_freq;
}

/// Applies RoPE in place to x [T, heads * d] whose row t is at position first_pos + t.
template <class C>
void apply_rope(RowMatrix<C>& x, int d, const Vector<C>& inv_freq, Eigen::Index first_pos) {
  const Eigen::Index half = d / 2, heads = x.cols() / d;
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const Eigen::Array<C, 1, Eigen::Dynamic> angle =
        static_cast<C>(first_pos + t) * inv_freq.transpose().array();  // [d/2]
    const Eigen::Array<C, 1, Eigen::Dynamic> c = angle.cos(), s = angle.sin();
    for (Eigen::Index h = 0; h < heads; ++h) {
      auto lo = x.row(t).segment(h * d, half).array();
      auto hi = x.row(t).segment(h * d + half, half).array();
      const Eigen::Array<C, 1, Eigen::Dynamic> x_lo = lo;
      lo = x_lo * c - hi * s;
      hi = hi * c + x_lo * s;
    }
  }
}

}  // namespace gemma4
