// Tests of gemma4/nn/mlp.hpp: down(gelu(gate x) * up x), by hand on H = 1, I = 2.
#include <gemma4/nn/mlp.hpp>

#include <numbers>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("mlp(x) = down_proj(gelu_tanh(gate_proj x) * up_proj x)") {
  RowMatrix<double> gate(2, 1), up(2, 1), down(1, 2), x(1, 1);
  gate << 1, 2;
  up << 3, 4;
  down << 5, 6;
  x << 0.5;
  const MlpWeights<double> w{Weight<double>::owned(std::move(gate)),
                             Weight<double>::owned(std::move(up)),
                             Weight<double>::owned(std::move(down))};
  auto gelu = [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
  };
  // gate x = (0.5, 1.0), up x = (1.5, 2.0)
  const double expected = 5 * gelu(0.5) * 1.5 + 6 * gelu(1.0) * 2.0;
  CHECK(mlp<double>(x, w)(0, 0) == doctest::Approx(expected).epsilon(1e-14));
  // The gate, not the up projection, goes through the activation: swapping them changes y.
  const MlpWeights<double> swapped{w.up_proj, w.gate_proj, w.down_proj};
  CHECK(mlp<double>(x, swapped)(0, 0) != doctest::Approx(expected));
}
