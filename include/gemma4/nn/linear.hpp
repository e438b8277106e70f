// gemma4/nn/linear.hpp: weight matrices and the product every layer is made of.
//
//   y = x @ W^T        x: [T, in] activations (compute type C), W: [out, in] as stored, y: [T, out]
//   y[t, o] = sum_i W[o, i] * x[t, i]
//
// PyTorch and safetensors store linear weights [out, in], row-major; we keep that layout, so a
// Weight is a view of the checkpoint's bytes (memory-mapped, zero-copy) whenever it already holds
// the model's storage type T, and an owned copy converted to T otherwise.
//
// The plain form: W is cut into blocks of 256 rows; each block is multiplied with one Eigen GEMM,
// after widening it to C when T is narrower than C (bfloat16, half), so every product
// accumulates in at least float and memory stays at T's size. Blocks are independent items of
// parallel_for (core/parallel_for.hpp): the cut does not depend on the thread count, so neither
// do the numbers.
//
// The fast form, in float: matvec.hpp's kernels read the stored f32, bf16 or f16 bytes and widen
// them in registers, tiles of rows x tokens, rows split across threads; a token's numbers are
// the same whether it is decoded alone or in a batch.
// It is tested against the plain form (tests/nn/test_linear.cpp); linear_plain() keeps the plain
// form callable.
//
// Embedding tables (embed_tokens, embed_tokens_per_layer) can stay in the checkpoint's own dtype
// (`raw` weights): the E2B per-layer table alone has 2.35 B entries, and only the rows of the
// tokens seen are ever touched. Their values still go through T (raw -> T -> C), so a bfloat16
// model reads the same numbers whichever dtype the file has.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/core/parallel_for.hpp"
#include "gemma4/io/safetensors.hpp"
#include "gemma4/nn/matvec.hpp"

namespace gemma4 {

namespace detail {

/// bfloat16 -> float for n values: a bfloat16 is the upper 16 bits of a float, so widening is
/// a 16-bit shift (exact). Equal to Eigen's `.cast<float>()` (tested), which converts one value
/// at a time; this loop vectorises, and decoding with bfloat16 weights is bound by it.
inline void widen_bf16(const std::byte* src, std::size_t n, float* dst) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t bits;  // memcpy: no aliasing assumptions; compiles to plain loads and stores
    std::memcpy(&bits, src + 2 * i, 2);
    const std::uint32_t widened = static_cast<std::uint32_t>(bits) << 16;
    std::memcpy(dst + i, &widened, 4);
  }
}

}  // namespace detail

/// A read-only row-major [rows, cols] matrix: either T values, or raw values of another dtype
/// that are rounded through T when read.
template <class T>
class Weight {
 public:
  Weight() = default;

  /// A view of `rows * cols` values of type T (owned by `owner`, or by whoever outlives us).
  Weight(const T* data, Eigen::Index rows, Eigen::Index cols, std::shared_ptr<const void> owner)
      : data_(data), dtype_(dtype_of<T>()), rows_(rows), cols_(cols), owner_(std::move(owner)) {}

  /// A view of raw values of dtype `dtype` (read through T).
  Weight(const std::byte* raw, DType dtype, Eigen::Index rows, Eigen::Index cols,
         std::shared_ptr<const void> owner)
      : data_(raw), dtype_(dtype), rows_(rows), cols_(cols), owner_(std::move(owner)) {}

  /// Owns a copy of a T matrix (tests and the random initialiser use this).
  static Weight owned(RowMatrix<T> m) {
    auto keep = std::make_shared<RowMatrix<T>>(std::move(m));
    return Weight(keep->data(), keep->rows(), keep->cols(), keep);
  }

  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  bool empty() const { return rows_ == 0; }
  DType dtype() const { return dtype_; }
  /// The stored bytes: rows() * cols() values of dtype().
  const std::byte* bytes() const { return static_cast<const std::byte*>(data_); }
  bool holds_t() const { return dtype_ == dtype_of<T>(); }

  /// The matrix as T (only when holds_t()).
  Eigen::Map<const RowMatrix<T>> matrix() const {
    return {static_cast<const T*>(data_), rows_, cols_};
  }

  /// Rows [r0, r0 + n) widened to C: [n, cols].
  template <class C>
  RowMatrix<C> rows_as(Eigen::Index r0, Eigen::Index n) const {
    constexpr bool t_keeps_bf16 = std::is_same_v<T, Eigen::bfloat16> || std::is_same_v<T, float>;
    if constexpr (std::is_same_v<C, float> && t_keeps_bf16) {
      if (dtype_ == DType::BF16) {  // exact either way; this path is 3x faster than Eigen's cast
        RowMatrix<float> out(n, cols_);
        detail::widen_bf16(
            static_cast<const std::byte*>(data_) + static_cast<std::size_t>(r0 * cols_) * 2,
            static_cast<std::size_t>(n * cols_), out.data());
        return out;
      }
    }
    if (holds_t()) return matrix().middleRows(r0, n).template cast<C>();
    RowMatrix<T> t(n, cols_);
    const std::size_t esize = dtype_size(dtype_);
    const auto* begin =
        static_cast<const std::byte*>(data_) + static_cast<std::size_t>(r0 * cols_) * esize;
    convert<T>(dtype_, {begin, static_cast<std::size_t>(n * cols_) * esize}, t.data());
    return t.template cast<C>();
  }

  /// Row r widened to C: [1, cols] (an embedding lookup).
  template <class C>
  RowVector<C> row_as(Eigen::Index r) const {
    return rows_as<C>(r, 1);
  }

  /// A sub-matrix of rows [r0, r0 + n), sharing ownership (expert e of a packed tensor).
  Weight slice_rows(Eigen::Index r0, Eigen::Index n) const {
    Weight w = *this;
    w.data_ = static_cast<const std::byte*>(data_) +
              static_cast<std::size_t>(r0 * cols_) * dtype_size(dtype_);
    w.rows_ = n;
    return w;
  }

 private:
  const void* data_ = nullptr;
  DType dtype_ = dtype_of<T>();
  Eigen::Index rows_ = 0, cols_ = 0;
  std::shared_ptr<const void> owner_;
};

namespace detail {
/// Rows of W per block of the plain form: 256 rows x 5376 (31B) x 4 bytes = 5.5 MB of scratch,
/// small next to the weights and large enough for an efficient GEMM.
inline constexpr Eigen::Index kWidenBlockRows = 256;

/// y.middleCols(r0, n) = x @ W[r0 .. r0+n)^T for every block of W, blocks split across threads.
template <class C, class T>
void linear_blocks(const RowMatrix<C>& x, const Weight<T>& w, RowMatrix<C>& y) {
  const Eigen::Index blocks = (w.rows() + kWidenBlockRows - 1) / kWidenBlockRows;
  parallel_for(blocks, [&](Eigen::Index b0, Eigen::Index b1) {
    for (Eigen::Index b = b0; b < b1; ++b) {
      const Eigen::Index r0 = b * kWidenBlockRows, n = std::min(kWidenBlockRows, w.rows() - r0);
      if constexpr (std::is_same_v<T, C>) {
        if (w.holds_t()) {
          y.middleCols(r0, n).noalias() = x * w.matrix().middleRows(r0, n).transpose();
          continue;
        }
      }
      y.middleCols(r0, n).noalias() = x * w.template rows_as<C>(r0, n).transpose();
    }
  });
}

/// Do the matvec kernels give W's values as T would (raw -> T -> float)? True when W holds T,
/// or when T is float (every f32, bf16 and f16 value is a float).
template <class T>
bool matvec_exact_for(const Weight<T>& w) {
  if (!matvec_reads(w.dtype())) return false;
  return w.holds_t() || std::is_same_v<T, float>;
}
}  // namespace detail

/// y = x @ W^T in the plain form only (blocks of Eigen GEMM): the reference the fast form is
/// tested against.
template <class C, class T, class Derived>
RowMatrix<C> linear_plain(const Eigen::MatrixBase<Derived>& x, const Weight<T>& w) {
  eigen_assert(x.cols() == w.cols());
  const RowMatrix<C> xe = x;  // [T, in]
  RowMatrix<C> y(x.rows(), w.rows());
  detail::linear_blocks<C>(xe, w, y);
  return y;
}

/// y = x @ W^T: [T, in] x [out, in]^T -> [T, out], accumulated in C.
template <class C, class T, class Derived>
RowMatrix<C> linear(const Eigen::MatrixBase<Derived>& x, const Weight<T>& w) {
  eigen_assert(x.cols() == w.cols());
  if constexpr (std::is_same_v<C, float>) {
    if (detail::matvec_exact_for(w)) {  // the kernels: rows of W split across threads
      const Eigen::Ref<const RowMatrix<float>> xe = x;  // [T, in]: no copy when x has rows
      RowMatrix<float> y(x.rows(), w.rows());
      const MatvecKernel k = best_kernel();
      const Eigen::Index groups = (w.rows() + 3) / 4;  // whole tiles of 4 rows per thread
      parallel_for(groups, [&](Eigen::Index g0, Eigen::Index g1) {
        const Eigen::Index r0 = 4 * g0, r1 = std::min(w.rows(), 4 * g1);
        matmul_rows(k, w.bytes(), w.dtype(), w.cols(), xe.data(), xe.outerStride(), xe.rows(),
                    y.data() + r0, y.cols(), r0, r1);
      });
      return y;
    }
  }
  return linear_plain<C>(x, w);
}

}  // namespace gemma4
