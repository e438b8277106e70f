// tests/audio/test_feed_forward.cpp: the half-step FFN's residual weight and silu.
#include <doctest/doctest.h>

#include <cmath>

#include <gemma4/audio/feed_forward.hpp>
#include <gemma4/audio/random_weights.hpp>

TEST_CASE("silu(x) = x sigmoid(x)") {
  Eigen::ArrayXd x(3);
  x << -2, 0, 3;
  const Eigen::ArrayXd y = gemma4::silu(x);
  CHECK(y[0] == doctest::Approx(-2 / (1 + std::exp(2.0))).epsilon(1e-15));
  CHECK(y[1] == 0.0);
  CHECK(y[2] == doctest::Approx(3 / (1 + std::exp(-3.0))).epsilon(1e-15));
}

TEST_CASE("x + residual_weight * RMSNorm(FFN): the update scales with residual_weight") {
  gemma4::AudioConfig c;
  c.hidden_size = 8;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  auto [tower, embed] = gemma4::random_audio_weights<double>(c, 4, 6, 0.3);
  const auto& w = tower.layers[0].feed_forward1;
  gemma4::RowMatrix<double> x = gemma4::RowMatrix<double>::Random(5, 8);
  const gemma4::RowMatrix<double> half = gemma4::audio_feed_forward<double>(x, w, c) - x;
  c.residual_weight = 1.0;
  const gemma4::RowMatrix<double> full = gemma4::audio_feed_forward<double>(x, w, c) - x;
  CHECK((full - 2 * half).cwiseAbs().maxCoeff() < 1e-14);
  // The update is post-normalised with a unit weight: every row of `full` has RMS 1.
  for (Eigen::Index t = 0; t < 5; ++t)
    CHECK(std::sqrt(full.row(t).squaredNorm() / 8) == doctest::Approx(1).epsilon(1e-5));
}
