// Tests of gemma4/nn/matvec.hpp: every kernel this CPU runs against the plain Eigen product, on
// odd shapes and tails, in the three stored dtypes; and the row-independence that makes threaded
// products bit-identical.
#include <gemma4/nn/linear.hpp>

#include <cstring>
#include <random>

#include "test_support.hpp"

using namespace gemma4;

namespace {

/// Random values rounded to dtype d, as stored bytes, and the same values as doubles.
struct Stored {
  std::vector<std::byte> bytes;
  RowMatrix<double> values;
};

Stored random_stored(Eigen::Index rows, Eigen::Index cols, DType d, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  RowMatrix<float> v(rows, cols);
  for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = u(g);
  Stored s{std::vector<std::byte>(static_cast<std::size_t>(v.size()) * dtype_size(d)), {}};
  if (d == DType::F32) {
    std::memcpy(s.bytes.data(), v.data(), s.bytes.size());
    s.values = v.cast<double>();
  } else if (d == DType::BF16) {
    const RowMatrix<Eigen::bfloat16> b = v.cast<Eigen::bfloat16>();
    std::memcpy(s.bytes.data(), b.data(), s.bytes.size());
    s.values = b.cast<double>();
  } else {
    const RowMatrix<Eigen::half> h = v.cast<Eigen::half>();
    std::memcpy(s.bytes.data(), h.data(), s.bytes.size());
    s.values = h.cast<double>();
  }
  return s;
}

}  // namespace

TEST_CASE("every kernel matches the exact product within float accumulation's bound") {
  // A float sum of n products is within n * 2^-24 * sum|w_i x_i| of the exact sum (each
  // product and each addition rounds once, relative 2^-24); we allow twice that.
  const std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes = {
      {1, 1}, {5, 15}, {7, 16}, {9, 17}, {4, 31}, {33, 100}, {13, 1541}, {6, 8}, {3, 7}};
  for (const MatvecKernel k : available_kernels())
    for (const DType d : {DType::F32, DType::BF16, DType::F16})
      for (const auto& shape : shapes) {
        const Eigen::Index rows = shape.first,
                           cols = shape.second;  // (clang 14: no CAPTURE of bindings)
        CAPTURE(kernel_name(k));
        CAPTURE(dtype_name(d));
        CAPTURE(rows);
        CAPTURE(cols);
        const Stored w = random_stored(rows, cols, d, static_cast<unsigned>(rows * 31 + cols));
        const RowVector<float> x = random_stored(1, cols, DType::F32, 5).values.cast<float>();
        RowVector<float> y(rows);
        matvec_rows(k, w.bytes.data(), d, cols, x.data(), y.data(), 0, rows);
        const Vector<double> exact = w.values * x.transpose().cast<double>();
        const Vector<double> magnitude =
            w.values.cwiseAbs() * x.transpose().cast<double>().cwiseAbs();
        for (Eigen::Index o = 0; o < rows; ++o)
          CHECK(std::abs(y[o] - exact[o]) <=
                2.0 * static_cast<double>(cols) * 0x1p-24 * magnitude[o] + 1e-30);
      }
}

TEST_CASE("small integers give the exact product in every kernel and dtype") {
  // |w|, |x| <= 6 and cols = 37: every partial sum is an integer below 2^11, exact in float.
  const Eigen::Index rows = 11, cols = 37;
  RowMatrix<float> w(rows, cols);
  RowVector<float> x(cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) w(r, c) = static_cast<float>((r * 5 + c * 3) % 13 - 6);
  for (Eigen::Index c = 0; c < cols; ++c) x[c] = static_cast<float>(c % 5 - 2);
  const RowMatrix<Eigen::bfloat16> wb = w.cast<Eigen::bfloat16>();
  const RowMatrix<Eigen::half> wh = w.cast<Eigen::half>();
  const RowVector<float> exact = (w * x.transpose()).transpose();
  for (const MatvecKernel k : available_kernels()) {
    CAPTURE(kernel_name(k));
    RowVector<float> y(rows);
    matvec_rows(k, reinterpret_cast<const std::byte*>(w.data()), DType::F32, cols, x.data(),
                y.data(), 0, rows);
    CHECK(y == exact);
    matvec_rows(k, reinterpret_cast<const std::byte*>(wb.data()), DType::BF16, cols, x.data(),
                y.data(), 0, rows);
    CHECK(y == exact);
    matvec_rows(k, reinterpret_cast<const std::byte*>(wh.data()), DType::F16, cols, x.data(),
                y.data(), 0, rows);
    CHECK(y == exact);
  }
}

TEST_CASE("a row's result does not depend on which rows are computed with it") {
  // The threaded product hands each thread a range of rows; ranges may start anywhere, so a row
  // computed in a group of four, alone, or at any offset must come out bit-identical.
  const Eigen::Index rows = 23, cols = 203;
  const Stored w = random_stored(rows, cols, DType::BF16, 9);
  const RowVector<float> x = random_stored(1, cols, DType::F32, 10).values.cast<float>();
  for (const MatvecKernel k : available_kernels()) {
    CAPTURE(kernel_name(k));
    RowVector<float> all(rows), pieces(rows);
    matvec_rows(k, w.bytes.data(), DType::BF16, cols, x.data(), all.data(), 0, rows);
    for (const Eigen::Index cut : {1, 2, 3, 5, 7}) {
      for (Eigen::Index r0 = 0; r0 < rows; r0 += cut)
        matvec_rows(k, w.bytes.data(), DType::BF16, cols, x.data(), pieces.data() + r0, r0,
                    std::min(rows, r0 + cut));
      CHECK(std::memcmp(all.data(), pieces.data(), sizeof(float) * rows) == 0);
    }
  }
}

TEST_CASE_TEMPLATE("linear's kernel path agrees with its plain form", T, float, Eigen::bfloat16,
                   Eigen::half) {
  // 600 rows x 1541 columns: blocks of the plain form, tails of the kernels.
  const DType d = dtype_of<T>();
  const Stored s = random_stored(600, 1541, d, 3);
  const auto w = Weight<T>(s.bytes.data(), d, 600, 1541, nullptr);
  const RowMatrix<float> x = random_stored(70, 1541, DType::F32, 4).values.cast<float>();
  const RowMatrix<float> fast = linear<float>(x, w), plain = linear_plain<float>(x, w);
  // Both are float sums of 1541 products of the same values: within 2 * n * 2^-24 * sum|wx|
  // of the exact sum each, so within 4 * n * 2^-24 * max sum|wx| of each other.
  const double bound = 4.0 * 1541 * 0x1p-24 *
                       (s.values.cwiseAbs() * x.transpose().cast<double>().cwiseAbs()).maxCoeff();
  CHECK((fast - plain).cwiseAbs().maxCoeff() <= bound);
  CHECK((fast - plain).cwiseAbs().maxCoeff() > 0);  // the two really are different sums
}

TEST_CASE("a bfloat16 model reading a float file keeps the plain path (the values round to T)") {
  // Weight<bf16> over f32 bytes: the kernels would read the unrounded floats, so linear() must
  // not use them; its result is then the plain form's, bit for bit.
  const Stored s = random_stored(40, 33, DType::F32, 8);
  const Weight<Eigen::bfloat16> w(s.bytes.data(), DType::F32, 40, 33, nullptr);
  const RowMatrix<float> x = random_stored(1, 33, DType::F32, 2).values.cast<float>();
  const RowMatrix<float> y = linear<float>(x, w);
  CHECK(y == linear_plain<float>(x, w));
  const RowMatrix<float> rounded = s.values.cast<Eigen::bfloat16>().cast<float>();
  CHECK((y - x * rounded.transpose()).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("a token gives the same bits in a batch as alone, for every tile shape") {
  // A batch goes in tiles of 4 rows x 6 tokens (AVX-512) or 2 x 6 (AVX2), with row tails of 1,
  // token tails of 1..5 and blocks of tokens; a lone token in tiles of 8 rows far apart (23 rows:
  // two tiles, then 7 single rows). Every (token, row) sum must be the same in both.
  const Eigen::Index rows = 23, cols = 77;
  for (const DType d : {DType::F32, DType::BF16, DType::F16}) {
    const Stored w = random_stored(rows, cols, d, 12);
    for (const Eigen::Index T : {1, 2, 5, 6, 7, 13, 40}) {
      const RowMatrix<float> x = random_stored(T, cols, DType::F32, 13).values.cast<float>();
      for (const MatvecKernel k : available_kernels()) {
        CAPTURE(kernel_name(k));
        CAPTURE(dtype_name(d));
        CAPTURE(T);
        RowMatrix<float> batch(T, rows), alone(T, rows);
        matmul_rows(k, w.bytes.data(), d, cols, x.data(), cols, T, batch.data(), rows, 0, rows);
        for (Eigen::Index t = 0; t < T; ++t)
          matvec_rows(k, w.bytes.data(), d, cols, x.row(t).data(), alone.row(t).data(), 0, rows);
        CHECK(std::memcmp(batch.data(), alone.data(), sizeof(float) * batch.size()) == 0);
      }
    }
  }
}
