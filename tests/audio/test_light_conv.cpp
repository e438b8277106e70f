// tests/audio/test_light_conv.cpp: the light convolution is causal (an output frame depends on
// no later frame) and its kernel tap j multiplies frame t - 4 + j.
#include <doctest/doctest.h>

#include <gemma4/audio/light_conv.hpp>
#include <gemma4/audio/random_weights.hpp>

#include "test_support.hpp"

TEST_CASE("causal: changing frames after t leaves outputs 0..t unchanged") {
  gemma4::AudioConfig c;
  c.hidden_size = 8;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  auto [tower, embed] = gemma4::random_audio_weights<double>(c, 4, 5, 0.3);
  const auto& w = tower.layers[0].lconv1d;
  gemma4::Xoshiro256 rng(9);
  gemma4::RowMatrix<double> x(20, 8);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal();
  const auto y = gemma4::audio_light_conv<double>(x, w, c);
  gemma4::RowMatrix<double> x2 = x;
  x2.bottomRows(8).setRandom();  // frames 12..19
  const auto y2 = gemma4::audio_light_conv<double>(x2, w, c);
  gemma4::test::check_tensor("frames 0..11", y2.topRows(12), y.topRows(12), 0);
  CHECK((y2.row(12) - y.row(12)).norm() > 1e-6);  // frame 12 itself does change
}

TEST_CASE("the depthwise taps: a delta at frame s reaches frames s .. s + 4 through w[:, 4 - d]") {
  // x = 0 except frame 5. A zero row stays zero through the norm, linear_start and the GLU
  // (0 * sigmoid(0)), so after the causal conv y_t = sum_j w[:, j] * glu_{t-4+j} only frames
  // 5 .. 9 see the delta; beyond the residual (x itself) every other frame is unchanged.
  gemma4::AudioConfig c;
  c.hidden_size = 4;
  c.num_attention_heads = 1;
  c.num_hidden_layers = 1;
  auto [tower, embed] = gemma4::random_audio_weights<double>(c, 4, 2, 0.5);
  const auto& w = tower.layers[0].lconv1d;
  gemma4::RowMatrix<double> zero = gemma4::RowMatrix<double>::Zero(16, 4);
  gemma4::RowMatrix<double> delta = zero;
  delta.row(5) << 1, -2, 0.5, 3;
  const auto y0 = gemma4::audio_light_conv<double>(zero, w, c);
  const auto y1 = gemma4::audio_light_conv<double>(delta, w, c);
  for (Eigen::Index t = 0; t < 16; ++t) {
    INFO("t = " << t);
    const bool reached = t >= 5 && t <= 9;
    // Row 5 of the output also carries the residual (x itself).
    const double change = (y1.row(t) - y0.row(t) - delta.row(t)).norm();
    if (reached)
      CHECK(change > 1e-9);
    else
      CHECK(change == 0.0);
  }
}
