// Tests of gemma4/nn/linear.hpp: y = x W^T, in every storage type, with the block widening path.
#include <gemma4/nn/linear.hpp>

#include <cstring>
#include <limits>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("linear computes x W^T for a [out, in] weight") {
  RowMatrix<double> w(2, 3), x(1, 3);
  w << 1, 2, 3, 4, 5, 6;
  x << 1, 0, -1;
  const RowMatrix<double> y = linear<double>(x, Weight<double>::owned(w));
  CHECK(y(0, 0) == -2);  // 1 - 3
  CHECK(y(0, 1) == -2);  // 4 - 6
}

TEST_CASE_TEMPLATE("narrow weights are widened block by block and accumulate in float", T,
                   Eigen::bfloat16, Eigen::half) {
  // 600 rows cross the 256-row widening blocks; the values are exactly representable in T
  // (small integers), so the result must equal the double product exactly.
  RowMatrix<double> w(600, 5);
  for (Eigen::Index r = 0; r < w.rows(); ++r)
    for (Eigen::Index c = 0; c < w.cols(); ++c) w(r, c) = static_cast<double>((r * 7 + c) % 13 - 6);
  RowMatrix<float> x = RowMatrix<float>::Constant(2, 5, 0.5f);
  x(1, 2) = 3;
  const RowMatrix<float> y = linear<float>(x, Weight<T>::owned(w.cast<T>()));
  const RowMatrix<double> ref = x.cast<double>() * w.transpose();
  test::check_tensor("y", y.cast<double>(), ref, 0.0);
}

TEST_CASE("raw weights of another dtype are read through T") {
  // A float weight 1 + 2^-12 read as bfloat16 (8 significant bits) becomes 1.
  const std::vector<float> raw = {1.0f + 1.0f / 4096, 2.0f};
  Weight<Eigen::bfloat16> w(reinterpret_cast<const std::byte*>(raw.data()), DType::F32, 1, 2,
                            nullptr);
  const RowVector<float> row = w.row_as<float>(0);
  CHECK(row[0] == 1.0f);
  CHECK(row[1] == 2.0f);
}

TEST_CASE("the bfloat16 widening shortcut equals Eigen's conversion, bit for bit") {
  RowMatrix<float> values = RowMatrix<float>::Random(300, 7) * 1000;
  values(0, 0) = -0.0f;
  values(0, 1) = std::numeric_limits<float>::infinity();
  values(0, 2) = std::numeric_limits<float>::denorm_min();
  const RowMatrix<Eigen::bfloat16> stored = values.cast<Eigen::bfloat16>();
  const auto w = Weight<Eigen::bfloat16>::owned(stored);
  const RowMatrix<float> fast = w.rows_as<float>(0, 300);   // the shift path
  const RowMatrix<float> reference = stored.cast<float>();  // Eigen, one value at a time
  REQUIRE(fast.size() == reference.size());
  CHECK(std::memcmp(fast.data(), reference.data(), sizeof(float) * fast.size()) == 0);
  // The same bytes read by a float model (a bf16 file, float weights) take the same path.
  Weight<float> raw(reinterpret_cast<const std::byte*>(stored.data()), DType::BF16, 300, 7,
                    nullptr);
  CHECK(raw.rows_as<float>(3, 10) == reference.middleRows(3, 10));
}
