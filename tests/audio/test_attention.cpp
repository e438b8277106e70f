// tests/audio/test_attention.cpp: the chunked local attention's mask and averaging, from values
// derived by hand: with zero query weights every allowed logit is 0, so each output row is the
// plain mean of the allowed value rows (identity v_proj and post).
#include <doctest/doctest.h>

#include <gemma4/audio/attention.hpp>

#include "test_support.hpp"

namespace {

gemma4::AudioConfig tiny() {
  gemma4::AudioConfig c;
  c.hidden_size = 4;
  c.num_attention_heads = 2;  // head dim 2
  return c;
}

gemma4::AudioAttentionWeights<double> averaging(const gemma4::AudioConfig& c) {
  const Eigen::Index D = c.hidden_size;
  auto owned = [](gemma4::RowMatrix<double> m) {
    return gemma4::Weight<double>::owned(std::move(m));
  };
  gemma4::AudioAttentionWeights<double> w;
  w.q_proj.linear = owned(gemma4::RowMatrix<double>::Zero(D, D));  // q = 0: every logit is 0
  w.k_proj.linear = owned(gemma4::RowMatrix<double>::Identity(D, D));
  w.v_proj.linear = owned(gemma4::RowMatrix<double>::Identity(D, D));
  w.post.linear = owned(gemma4::RowMatrix<double>::Identity(D, D));
  w.relative_k_proj = owned(gemma4::RowMatrix<double>::Identity(D, D));
  w.per_dim_scale = Eigen::VectorXd::Zero(c.head_dim());
  return w;
}

}  // namespace

TEST_CASE("each query sees itself and the 11 frames before it, never the future") {
  const gemma4::AudioConfig c;  // chunk 12, left context 13: 12 keys
  const std::vector<std::uint8_t> mask(40, 1);
  for (std::int64_t t = 0; t < 40; ++t) {
    int n = 0;
    for (std::int64_t s = 0; s < 40; ++s) n += gemma4::audio_attention_allowed(c, t, s, mask);
    CHECK(n == std::min<std::int64_t>(t + 1, 12));
    CHECK_FALSE(gemma4::audio_attention_allowed(c, t, t + 1, mask));
    CHECK(gemma4::audio_attention_allowed(c, t, t, mask));
    CHECK_FALSE(gemma4::audio_attention_allowed(c, t, t - 12, mask));  // distance 12: masked
  }
}

TEST_CASE("zero queries: every row is the mean of its allowed values; all-masked rows as HF") {
  const gemma4::AudioConfig c = tiny();
  const Eigen::Index T = 30;
  gemma4::RowMatrix<double> y(T, c.hidden_size);
  for (Eigen::Index t = 0; t < T; ++t)
    for (Eigen::Index d = 0; d < c.hidden_size; ++d) y(t, d) = static_cast<double>(t * 10 + d);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(T), 1);
  for (Eigen::Index t = 8; t < T; ++t) mask[static_cast<std::size_t>(t)] = 0;  // 8 valid frames
  const auto pe = gemma4::audio_relative_position_table<double>(c);
  const auto o = gemma4::audio_attention<double>(y, averaging(c), pe, mask, c);
  for (Eigen::Index t = 0; t < T; ++t) {
    INFO("t = " << t);
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(c.hidden_size);
    int n = 0;
    for (Eigen::Index s = std::max<Eigen::Index>(0, t - 11); s <= t; ++s)
      if (mask[static_cast<std::size_t>(s)]) mean += y.row(s), ++n;
    if (n > 0) {
      mean /= n;
    } else {
      // t >= 8 + 11 = 19 sees only padding: HF's softmax of a row of -1e9 is uniform over the 24
      // columns of its block's context, keys 12 b - 12 .. 12 b + 11 (zeros outside [0, T)).
      const Eigen::Index b = t / 12;
      for (Eigen::Index s = std::max<Eigen::Index>(0, 12 * b - 12); s < std::min(T, 12 * b + 12);
           ++s)
        mean += y.row(s);
      mean /= 24;
    }
    gemma4::test::check_tensor("row", o.row(t), mean, 1e-12);
  }
}

TEST_CASE("the blocked mask: block b row i is query 12 b + i, column j key 12 b - 12 + j") {
  const gemma4::AudioConfig c;
  std::vector<std::uint8_t> mask(25, 1);
  mask[24] = 0;
  const auto m = gemma4::audio_blocked_mask(c, mask);
  REQUIRE(m.size() == 3u * 12 * 24);
  auto at = [&](int b, int i, int j) { return m[static_cast<std::size_t>((b * 12 + i) * 24 + j)]; };
  CHECK(at(0, 0, 12) == 1);  // query 0 sees key 0
  CHECK(at(0, 0, 11) == 0);  // key -1 does not exist
  CHECK(at(1, 0, 1) == 1);   // query 12 sees key 1 (distance 11)
  CHECK(at(1, 0, 0) == 0);   // ... not key 0 (distance 12)
  CHECK(at(2, 0, 12) == 0);  // query 24 and its own key 24 are padding (key invalid)
  CHECK(at(2, 1, 13) == 0);  // query 25 is beyond T
}
