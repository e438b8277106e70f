// Tests of gemma4/text/per_layer_embedding.hpp, by hand on L = 1, P = 2, H = 2.
#include <gemma4/text/per_layer_embedding.hpp>

#include <numbers>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("per_layer_inputs = (RMSNorm(e P^T * H^-1/2) + table[id] * sqrt(P)) * 2^-1/2") {
  PleModelWeights<double> w;
  RowMatrix<double> table(3, 2), projection = RowMatrix<double>::Identity(2, 2);
  table << 0, 0,  //
      1, -1,      //
      2, 5;
  w.embed_tokens_per_layer = Weight<double>::owned(std::move(table));
  w.per_layer_model_projection = Weight<double>::owned(std::move(projection));
  w.per_layer_projection_norm = Vector<double>::Constant(2, 2.0);  // w, not 1 + w
  RowMatrix<double> e(1, 2);
  e << 3, 4;
  const std::vector<TokenId> ids = {1};
  const RowMatrix<double> ple = per_layer_inputs<double>(ids, e, w, 2, 0.0);
  // context: (3, 4) / sqrt(2), normed: (3, 4) / sqrt(12.5) (the H^-1/2 cancels), times w = 2.
  const double c0 = 2 * 3 / std::sqrt(12.5), c1 = 2 * 4 / std::sqrt(12.5);
  // token part: table[1] * sqrt(2); the sum is scaled by 2^-1/2.
  CHECK(ple(0, 0) == doctest::Approx((c0 + 1 * std::sqrt(2.0)) / std::sqrt(2.0)));
  CHECK(ple(0, 1) == doctest::Approx((c1 - 1 * std::sqrt(2.0)) / std::sqrt(2.0)));
}

TEST_CASE("a layer adds RMSNorm(projection(gelu(gate h) * ple_i)) to h") {
  PleLayerWeights<double> w{Weight<double>::owned(RowMatrix<double>::Identity(2, 2)),
                            Weight<double>::owned(RowMatrix<double>::Identity(2, 2)),
                            Vector<double>::Constant(2, 0.5)};
  RowMatrix<double> h(1, 2), ple(1, 2);
  h << 1, 2;
  ple << 2, -1;
  auto gelu = [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
  };
  const double g0 = gelu(1) * 2, g1 = gelu(2) * -1, rms = std::sqrt((g0 * g0 + g1 * g1) / 2);
  apply_per_layer_input<double>(h, ple, w, 0.0);
  CHECK(h(0, 0) == doctest::Approx(1 + 0.5 * g0 / rms));
  CHECK(h(0, 1) == doctest::Approx(2 + 0.5 * g1 / rms));
}
