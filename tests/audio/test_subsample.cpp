// tests/audio/test_subsample.cpp: the subsampling stack's shapes and masking.
#include <doctest/doctest.h>

#include <gemma4/audio/random_weights.hpp>
#include <gemma4/audio/subsample.hpp>

#include "test_support.hpp"

TEST_CASE("T frames -> ceil(ceil(T / 2) / 2), the mask kept at even indices twice") {
  gemma4::AudioConfig c;
  c.hidden_size = 16;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  auto [tower, embed] = gemma4::random_audio_weights<double>(c, 4, 3, 0.2);
  for (Eigen::Index T : {1, 2, 3, 4, 5, 99, 143}) {
    INFO("T = " << T);
    gemma4::RowMatrix<double> x = gemma4::RowMatrix<double>::Random(T, 128);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(T), 1);
    mask.back() = 0;
    const auto s = gemma4::audio_subsample<double>(x, mask, tower.subsample_conv_projection, c);
    const Eigen::Index T2 = ((T + 1) / 2 + 1) / 2;
    CHECK(s.hidden.rows() == T2);
    CHECK(s.hidden.cols() == 16);
    CHECK(s.conv1.rows() == T2 * 32);  // [T' * F', C] with F' = 32
    CHECK(s.conv1.cols() == 32);
    REQUIRE(s.mask.size() == static_cast<std::size_t>(T2));
    for (Eigen::Index t = 0; t < T2; ++t)
      CHECK(s.mask[static_cast<std::size_t>(t)] == mask[static_cast<std::size_t>(4 * t)]);
  }
}

TEST_CASE("masked frames do not reach the output: their features can be anything") {
  gemma4::AudioConfig c;
  c.hidden_size = 16;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  auto [tower, embed] = gemma4::random_audio_weights<double>(c, 4, 4, 0.2);
  gemma4::RowMatrix<double> x = gemma4::RowMatrix<double>::Random(40, 128);
  std::vector<std::uint8_t> mask(40, 1);
  for (int t = 30; t < 40; ++t) mask[static_cast<std::size_t>(t)] = 0;
  gemma4::RowMatrix<double> x2 = x;
  x2.bottomRows(10).setConstant(1e3);
  const auto a = gemma4::audio_subsample<double>(x, mask, tower.subsample_conv_projection, c);
  const auto b = gemma4::audio_subsample<double>(x2, mask, tower.subsample_conv_projection, c);
  gemma4::test::check_tensor("hidden", b.hidden, a.hidden, 0);
  // ... while changing a valid frame does change it.
  x2 = x;
  x2(3, 7) += 1;
  const auto d = gemma4::audio_subsample<double>(x2, mask, tower.subsample_conv_projection, c);
  CHECK((d.hidden - a.hidden).norm() > 1e-9);
}

TEST_CASE("conv weights [C_out, C_in, 3, 3] reorder to the patch matrix column (a*3+b)*C_in+i") {
  std::vector<double> w(2 * 3 * 9);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = static_cast<double>(k);
  const auto m = gemma4::conv2d_patch_matrix<double>(w, 2, 3);
  // W[o=1, i=2, a=0, b=1] = ((1 * 3 + 2) * 3 + 0) * 3 + 1 = 46 lands at column (0*3+1)*3+2 = 5.
  CHECK(m(1, 5) == 46.0);
  CHECK(m(0, 0) == 0.0);
  CHECK(m(1, 26) == 53.0);  // W[1, 2, 2, 2]
}
