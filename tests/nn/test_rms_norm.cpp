// Tests of gemma4/nn/rms_norm.hpp with values derived by hand.
#include <gemma4/nn/rms_norm.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("RMSNorm divides by the root mean square and multiplies by w, not 1 + w") {
  RowMatrix<double> x(1, 2);
  x << 3, 4;  // mean square (9 + 16) / 2 = 12.5
  Vector<double> w(2);
  w << 2, 0.5;
  const double eps = 1e-6, s = 1 / std::sqrt(12.5 + eps);
  const RowMatrix<double> y = rms_norm<double>(x, w, eps);
  CHECK(y(0, 0) == doctest::Approx(3 * s * 2));
  CHECK(y(0, 1) == doctest::Approx(4 * s * 0.5));
  const RowMatrix<double> plain = rms_norm<double>(x, eps);  // v_norm, router.norm
  CHECK(plain(0, 0) == doctest::Approx(3 * s));
}

TEST_CASE("per-head RMSNorm normalises each head of a row separately with one shared weight") {
  RowMatrix<double> x(1, 4);
  x << 1, 1, 10, 10;  // two heads of d = 2, rms 1 and 10
  Vector<double> w(2);
  w << 1, 3;
  rms_norm_heads_in_place<double>(x, 2, w, 0.0);
  CHECK(x(0, 0) == doctest::Approx(1));
  CHECK(x(0, 1) == doctest::Approx(3));
  CHECK(x(0, 2) == doctest::Approx(1));
  CHECK(x(0, 3) == doctest::Approx(3));
}
