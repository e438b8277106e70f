// Tests of gemma4/vision/pooler.hpp, values derived by hand.
#include <gemma4/vision/pooler.hpp>

#include <cmath>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("a 3x3 block of equal vectors pools to that vector times sqrt(Dv)") {
  const int D = 8;
  RowMatrix<double> h(9, D);
  const RowVector<double> v = RowVector<double>::LinSpaced(D, -1.5, 2.0);
  for (int n = 0; n < 9; ++n) h.row(n) = v;
  PositionIds pos(9, 2);
  for (int n = 0; n < 9; ++n) pos.row(n) << n % 3, n / 3;
  const PooledPatches<double> p = vision_pool<double>(h, pos, 3);
  REQUIRE(p.pooled.rows() == 1);
  CHECK(p.mask == std::vector<bool>{true});
  // (9 v / 9) sqrt(8)
  test::check_tensor("pooled", p.pooled, (v * std::sqrt(8.0)).eval(), 1e-15);
}

TEST_CASE("pooling: slot x/3 + (pw/3)(y/3), padding zeroed, unused slots masked and stripped") {
  // A 6 x 3 patch grid (pw 6, ph 3) = 2 soft tokens, padded to 27 rows = 3 slots.
  const int D = 2;
  RowMatrix<double> h = RowMatrix<double>::Constant(27, D, 100.0);  // padding rows hold 100
  PositionIds pos = PositionIds::Constant(27, 2, -1);
  for (int n = 0; n < 18; ++n) {
    pos.row(n) << n % 6, n / 6;
    h.row(n) << (n % 6 < 3 ? 1.0 : 2.0), static_cast<double>(n);
  }
  const PooledPatches<double> p = vision_pool<double>(h, pos, 3);
  REQUIRE(p.pooled.rows() == 3);
  CHECK(p.mask == std::vector<bool>{true, true, false});
  const double s = std::sqrt(2.0);
  // slot 0: x 0..2 -> first column 1; second column mean of n in {0,1,2,6,7,8,12,13,14} = 7
  CHECK(p.pooled(0, 0) == doctest::Approx(1 * s));
  CHECK(p.pooled(0, 1) == doctest::Approx(7 * s));
  CHECK(p.pooled(1, 0) == doctest::Approx(2 * s));
  CHECK(p.pooled(1, 1) == doctest::Approx(10 * s));  // {3,4,5,9,10,11,15,16,17}: mean 10
  CHECK(p.pooled.row(2).isZero(0));                  // padding never reaches a slot
  const RowMatrix<double> kept = strip_padding(p);
  CHECK(kept.rows() == 2);
  CHECK(kept.row(1) == p.pooled.row(1));
}

TEST_CASE("pooling needs a multiple of 9 patches") {
  PositionIds pos = PositionIds::Zero(10, 2);
  CHECK_THROWS_AS(vision_pool<double>(RowMatrix<double>::Zero(10, 4), pos, 3), Error);
}
