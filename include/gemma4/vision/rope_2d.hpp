// gemma4/vision/rope_2d.hpp: two-dimensional rotary position embeddings of the vision encoder
// (HF `Gemma4VisionRotaryEmbedding` + `apply_multidimensional_rope`, spec vision.md §5).
//
// A head vector z of length dh at patch position (x, y) is split into two chunks of m = dh/2
// channels: chunk 0 (channels [0, m)) rotates with x, chunk 1 ([m, 2m)) with y. Inside a chunk,
// rotate-half pairing j <-> j + m/2 with the same frequencies for both axes:
//
//   inv_freq[j] = theta^(-2j/m),  j = 0 .. m/2 - 1        (theta = 100; exponent denominator m,
//                                                          NOT dh)
//   a = pos * inv_freq[j]
//   z'[j]       = z[j] cos a - z[j + m/2] sin a
//   z'[j + m/2] = z[j + m/2] cos a + z[j] sin a
//
// Tables (golden image_rope_cos / _sin) [rows, dh]: cos[n, k m + i] = cos(pos_k(n) inv_freq[i mod
// m/2]) for axis k (0 = x, 1 = y). At (0, 0) every angle is 0: the identity. Padding rows (-1,
// -1) are rotated by -1 like HF; they are never attended to. No tensors are read.
#pragma once

#include <cmath>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/vision/image_processor.hpp"

namespace gemma4 {

/// inv_freq [dh/4] of the 2-D RoPE for head dim dh.
template <class C>
Vector<C> rope_2d_inv_freq(int head_dim, double theta) {
  const int m = head_dim / 2;
  Vector<C> f(m / 2);
  for (int j = 0; j < m / 2; ++j)
    f[j] = C(1) / std::pow(static_cast<C>(theta), static_cast<C>(2 * j) / static_cast<C>(m));
  return f;
}

/// The cos and sin tables [rows, dh] of positions [rows, 2].
template <class C>
void rope_2d_tables(const PositionIds& pos, int head_dim, double theta, RowMatrix<C>& cos,
                    RowMatrix<C>& sin) {
  const Vector<C> f = rope_2d_inv_freq<C>(head_dim, theta);
  const Eigen::Index m = head_dim / 2, q = m / 2;
  cos.resize(pos.rows(), head_dim);
  sin.resize(pos.rows(), head_dim);
  for (Eigen::Index n = 0; n < pos.rows(); ++n)
    for (Eigen::Index k = 0; k < 2; ++k)
      for (Eigen::Index i = 0; i < m; ++i) {
        const C a = static_cast<C>(pos(n, k)) * f[i % q];
        cos(n, k * m + i) = std::cos(a);
        sin(n, k * m + i) = std::sin(a);
      }
}

/// Applies the 2-D RoPE in place to x [rows, heads * dh] with tables [rows, dh].
template <class C>
void apply_rope_2d(RowMatrix<C>& x, int head_dim, const RowMatrix<C>& cos,
                   const RowMatrix<C>& sin) {
  const Eigen::Index m = head_dim / 2, q = m / 2, heads = x.cols() / head_dim;
  for (Eigen::Index n = 0; n < x.rows(); ++n)
    for (Eigen::Index h = 0; h < heads; ++h)
      for (Eigen::Index k = 0; k < 2; ++k) {
        C* z = x.row(n).data() + h * head_dim + k * m;  // row-major: a row is contiguous
        const C* c = cos.row(n).data() + k * m;
        const C* s = sin.row(n).data() + k * m;
        for (Eigen::Index j = 0; j < q; ++j) {
          const C lo = z[j], hi = z[j + q];
          z[j] = lo * c[j] - hi * s[j];
          z[j + q] = hi * c[j + q] + lo * s[j + q];
        }
      }
}

}  // namespace gemma4
