// Tests of gemma4/core/random.hpp: splitmix64 and xoshiro256** against their reference outputs, and
// the moments of uniform() and normal().
#include <gemma4/core/random.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

TEST_CASE("xoshiro256**: splitmix64 and xoshiro256** reference outputs") {
  // splitmix64 from state 0: the published first outputs of the reference C code.
  std::uint64_t x = 0;
  CHECK(gemma4::splitmix64(x) == 0xE220A8397B1DCDAFULL);
  CHECK(gemma4::splitmix64(x) == 0x6E789E6AA1B965F4ULL);
  CHECK(gemma4::splitmix64(x) == 0x06C45D188009454FULL);
  CHECK(gemma4::splitmix64(x) == 0xF88BB8A8724C81ECULL);
  // xoshiro256** (Vigna's reference next()) from that state, by a separate Python port of the
  // reference code.
  gemma4::Xoshiro256 rng(0);
  CHECK(rng.next() == 0x99EC5F36CB75F2B4ULL);
  CHECK(rng.next() == 0xBF6E1F784956452AULL);
  CHECK(rng.next() == 0x1A5F849D4933E6E0ULL);
}

TEST_CASE("splitmix64 and xoshiro256** reproduce their reference outputs") {
  std::uint64_t s = 0;
  CHECK(gemma4::splitmix64(s) == 0xE220A8397B1DCDAFull);  // Vigna's splitmix64.c, seed 0
  CHECK(gemma4::splitmix64(s) == 0x6E789E6AA1B965F4ull);
  // xoshiro256starstar.c from state {1, 2, 3, 4}.
  auto g = gemma4::Xoshiro256::from_state(1, 2, 3, 4);
  CHECK(g() == 11520u);
  CHECK(g() == 0u);
  CHECK(g() == 1509978240u);
  CHECK(g() == 1215971899390074240ull);
}

TEST_CASE("xoshiro256**: uniform doubles lie in [0, 1) with mean 1/2 and variance 1/12") {
  gemma4::Xoshiro256 rng(7);
  const int n = 1000000;
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    sum += u;
    sum2 += u * u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  // Standard error of the mean: sqrt(1/12 / n) = 2.9e-4; allow 5 of them.
  CHECK(std::abs(sum / n - 0.5) < 5 * 2.9e-4);
  CHECK(std::abs(sum2 / n - sum / n * sum / n - 1.0 / 12) < 1e-3);
}

TEST_CASE("normal() has mean 0, variance 1 and support +-6; uniform() is in [0, 1)") {
  gemma4::Xoshiro256 g(42);
  double sum = 0, sq = 0, lo = 0, hi = 0;
  const int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    const double x = g.normal();
    sum += x, sq += x * x, lo = std::min(lo, x), hi = std::max(hi, x);
  }
  CHECK(std::abs(sum / n) < 0.005);
  CHECK(std::abs(sq / n - 1.0) < 0.01);
  CHECK(lo >= -6.0);
  CHECK(hi <= 6.0);
  CHECK(lo < -4.0);  // tails are there
  double umin = 1, umax = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = g.uniform();
    umin = std::min(umin, u), umax = std::max(umax, u);
  }
  CHECK(umin >= 0.0);
  CHECK(umax < 1.0);
  CHECK(umin < 1e-3);
  CHECK(umax > 1 - 1e-3);
}
