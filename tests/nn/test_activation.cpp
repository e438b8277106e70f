// Tests of gemma4/nn/activation.hpp with values derived by hand.
#include <gemma4/nn/activation.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("gelu_tanh matches its formula and its limits") {
  Eigen::ArrayXd x(4);
  x << -10, 0, 1, 10;
  const Eigen::ArrayXd y = gelu_tanh(x);
  CHECK(y[0] == doctest::Approx(0).epsilon(1e-12));  // -> 0 for large negative x
  CHECK(y[1] == 0);
  const double k = std::sqrt(2 / std::numbers::pi);
  CHECK(y[2] == doctest::Approx(0.5 * (1 + std::tanh(k * 1.044715))));
  CHECK(y[3] == doctest::Approx(10));  // -> x for large x
}
