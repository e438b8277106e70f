// Tests of gemma4/vision/rope_2d.hpp, values derived by hand.
#include <gemma4/vision/rope_2d.hpp>

#include <cmath>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE_TEMPLATE("2-D RoPE at (0, 0) is the identity", T, double, float) {
  PositionIds pos(1, 2);
  pos << 0, 0;
  RowMatrix<T> cos, sin;
  rope_2d_tables<T>(pos, 16, 100.0, cos, sin);
  RowMatrix<T> x = RowMatrix<T>::Random(1, 2 * 16), y = x;
  apply_rope_2d<T>(y, 16, cos, sin);
  CHECK(y == x);
}

TEST_CASE("2-D RoPE: x rotates the first half of a head, y the second, pairs j and j + dh/4") {
  // dh = 8: m = 4 channels per axis, frequencies theta^(-2j/4) = 1, 1/10 for theta = 100.
  PositionIds pos(1, 2);
  pos << 3, 5;  // x = 3, y = 5
  RowMatrix<double> cos, sin;
  rope_2d_tables<double>(pos, 8, 100.0, cos, sin);
  RowMatrix<double> z(1, 8);
  z << 1, 2, 3, 4, 5, 6, 7, 8;
  RowMatrix<double> r = z;
  apply_rope_2d<double>(r, 8, cos, sin);
  const double a0 = 3 * 1.0, a1 = 3 * 0.1, b0 = 5 * 1.0, b1 = 5 * 0.1;
  const double want[8] = {1 * std::cos(a0) - 3 * std::sin(a0), 2 * std::cos(a1) - 4 * std::sin(a1),
                          3 * std::cos(a0) + 1 * std::sin(a0), 4 * std::cos(a1) + 2 * std::sin(a1),
                          5 * std::cos(b0) - 7 * std::sin(b0), 6 * std::cos(b1) - 8 * std::sin(b1),
                          7 * std::cos(b0) + 5 * std::sin(b0), 8 * std::cos(b1) + 6 * std::sin(b1)};
  for (int i = 0; i < 8; ++i) CHECK(r(0, i) == doctest::Approx(want[i]).epsilon(1e-14));
  CHECK(cos(0, 1) == doctest::Approx(std::cos(0.3)).epsilon(1e-15));  // table: emb = cat(f, f)
  CHECK(cos(0, 3) == cos(0, 1));
}
