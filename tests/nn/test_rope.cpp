// Tests of gemma4/nn/rope.hpp with values derived by hand.
#include <gemma4/nn/rope.hpp>

#include <numbers>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("RoPE at position 0 is the identity") {
  RowMatrix<double> x = RowMatrix<double>::Random(1, 2 * 8);  // 2 heads of d = 8
  const RowMatrix<double> before = x;
  apply_rope<double>(x, 8, rope_inv_freq<double>({RopeType::Default, 10000.0, 1.0}, 8), 0);
  test::check_tensor("x", x, before, 0.0);
}

TEST_CASE("default RoPE rotates channel j with channel j + d/2 by p * theta^(-2j/d)") {
  // d = 4, theta = 100: inv_freq = [1, 100^(-1/2) = 0.1]. Position 3: angles 3 and 0.3.
  const Vector<double> inv = rope_inv_freq<double>({RopeType::Default, 100.0, 1.0}, 4);
  CHECK(inv[0] == doctest::Approx(1.0));
  CHECK(inv[1] == doctest::Approx(0.1));
  RowMatrix<double> x(1, 4);
  x << 1, 2, 3, 4;  // pairs (x0, x2) = (1, 3) and (x1, x3) = (2, 4)
  apply_rope<double>(x, 4, inv, 3);
  CHECK(x(0, 0) == doctest::Approx(1 * std::cos(3.0) - 3 * std::sin(3.0)));
  CHECK(x(0, 2) == doctest::Approx(3 * std::cos(3.0) + 1 * std::sin(3.0)));
  CHECK(x(0, 1) == doctest::Approx(2 * std::cos(0.3) - 4 * std::sin(0.3)));
  CHECK(x(0, 3) == doctest::Approx(4 * std::cos(0.3) + 2 * std::sin(0.3)));
}

TEST_CASE("proportional RoPE: only the first rho*d/2 channels of each half rotate") {
  // The tiny analogue of the full layers: d = 32, rho = 0.25 -> 4 of the 16 pairs rotate, with
  // exponent 2j/32 (the full head dim); channels 4..15 and 20..31 pass through.
  const int d = 32;
  const Vector<double> inv = rope_inv_freq<double>({RopeType::Proportional, 1e6, 0.25}, d);
  for (int j = 0; j < 16; ++j) {
    INFO("j = " << j);
    CHECK(inv[j] == doctest::Approx(j < 4 ? std::pow(1e6, -2.0 * j / d) : 0.0));
  }
  RowMatrix<double> x = RowMatrix<double>::Random(1, d);
  const RowMatrix<double> before = x;
  apply_rope<double>(x, d, inv, 7);
  for (int c = 0; c < d; ++c) {
    INFO("channel " << c);
    if (c % 16 < 4)
      CHECK(x(0, c) != before(0, c));  // angle 7 * inv_freq[j] != 0 (mod 2 pi)
    else
      CHECK(x(0, c) == before(0, c));
  }
  // Channel 0 has angle 7 * 1 = 7 rad.
  CHECK(x(0, 0) == doctest::Approx(before(0, 0) * std::cos(7.0) - before(0, 16) * std::sin(7.0)));
  // The real full layers: d = 512, 64 rotating channels per half (0..63 and 256..319).
  const Vector<float> full = rope_inv_freq<float>({RopeType::Proportional, 1e6, 0.25}, 512);
  CHECK((full.head(64).array() > 0).all());
  CHECK((full.tail(256 - 64).array() == 0).all());
}

TEST_CASE("RoPE preserves the norm of every rotated pair") {
  RowMatrix<double> x = RowMatrix<double>::Random(3, 16);
  const RowMatrix<double> before = x;
  apply_rope<double>(x, 16, rope_inv_freq<double>({RopeType::Default, 10000.0, 1.0}, 16), 100);
  for (int t = 0; t < 3; ++t)
    for (int j = 0; j < 8; ++j)
      CHECK(std::hypot(x(t, j), x(t, j + 8)) ==
            doctest::Approx(std::hypot(before(t, j), before(t, j + 8))));
}
