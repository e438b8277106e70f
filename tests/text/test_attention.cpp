// Tests of gemma4/text/attention.hpp: masks and head grouping, with values derived by hand.
#include <gemma4/text/attention.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("a sliding query at position p sees exactly p-W+1 .. p") {
  const int W = 4;
  for (Eigen::Index p = 0; p < 12; ++p)
    for (Eigen::Index k = 0; k < 12; ++k) {
      CHECK(attention_allowed(LayerType::Sliding, p, k, W) == (k <= p && k >= p - W + 1));
      CHECK(attention_allowed(LayerType::Full, p, k, W) == (k <= p));
    }
}

TEST_CASE("attention weights: equal scores spread uniformly over the visible keys") {
  // q = 0 gives every visible key score 0, so the output is the mean of the visible values.
  // Values: key s has value s (one channel), so the output of query p is the mean position.
  LayerSpec spec;
  spec.type = LayerType::Sliding;
  spec.num_heads = 1;
  spec.num_kv_heads = 1;
  spec.head_dim = 2;
  const int W = 3, S = 8;
  RowMatrix<double> q = RowMatrix<double>::Zero(S, 2), keys = RowMatrix<double>::Ones(S, 2),
                    values(S, 2);
  for (int s = 0; s < S; ++s) values.row(s) << s, 1;
  const RowMatrix<double> out =
      scaled_dot_product_attention<double>(q, 0, keys, values, 0, spec, W);
  for (int p = 0; p < S; ++p) {
    const int lo = std::max(0, p - W + 1);
    CHECK(out(p, 0) == doctest::Approx((lo + p) / 2.0));  // mean of lo..p
    CHECK(out(p, 1) == doctest::Approx(1.0));             // weights sum to 1
  }
}

TEST_CASE("scale is 1.0 and GQA maps query head h to KV head h / G") {
  // Two KV heads, four query heads (G = 2). Keys at positions 0 and 1; query at position 1.
  LayerSpec spec;
  spec.type = LayerType::Full;
  spec.num_heads = 4;
  spec.num_kv_heads = 2;
  spec.head_dim = 1;
  RowMatrix<double> q(1, 4), k(2, 2), v(2, 2);
  q << 1, 1, 2, 2;
  k << 0, 0,  // position 0: score 0 for every head
      1, 1;   // position 1: score q_h * 1
  v << 10, 20, 30, 40;
  const RowMatrix<double> out = scaled_dot_product_attention<double>(q, 1, k, v, 0, spec, 100);
  // head 0, 1 use KV head 0; scores (0, 1): weights (1, e) / (1 + e) -- no 1/sqrt(d) scaling.
  const double e1 = std::exp(1.0), e2 = std::exp(2.0);
  CHECK(out(0, 0) == doctest::Approx((10 + 30 * e1) / (1 + e1)));
  CHECK(out(0, 1) == doctest::Approx((10 + 30 * e1) / (1 + e1)));
  // heads 2, 3 use KV head 1 with scores (0, 2).
  CHECK(out(0, 2) == doctest::Approx((20 + 40 * e2) / (1 + e2)));
  CHECK(out(0, 3) == doctest::Approx((20 + 40 * e2) / (1 + e2)));
}

TEST_CASE("vision overlay: a block sees its own future on sliding layers, window-clamped") {
  // Blocks [0,0,0,0,-1,1] of types [1,1,2,2,0,1] (multimodal-merge §6), window W = 3.
  const std::vector<int> block = {0, 0, 0, 0, -1, 1};
  const VisionBlocks blocks{block, 10};  // the call starts at absolute position 10
  const int W = 3;
  for (Eigen::Index q = 10; q < 16; ++q)
    for (Eigen::Index k = 10; k < 16; ++k) {
      const int bq = block[static_cast<std::size_t>(q - 10)],
                bk = block[static_cast<std::size_t>(k - 10)];
      const bool same = bq >= 0 && bq == bk;
      CHECK(blocks.same(q, k) == same);
      // full layers stay causal; sliding: in the window and (causal or same block)
      CHECK(attention_allowed(LayerType::Full, q, k, W, blocks.same(q, k)) == (k <= q));
      CHECK(attention_allowed(LayerType::Sliding, q, k, W, blocks.same(q, k)) ==
            (k > q - W && (k <= q || same)));
    }
  // By hand: position 10 sees 11 and 12 (same block, within W of 10 going forward), and 13 too,
  // since the window bounds only the past (k > q - W); 13 no longer sees 10 (13 - 3 = 10).
  CHECK(attention_allowed(LayerType::Sliding, 10, 13, W, blocks.same(10, 13)));
  CHECK_FALSE(attention_allowed(LayerType::Sliding, 13, 10, W, blocks.same(13, 10)));
  // Outside the call's positions nothing is in a block (earlier chunks hold whole blocks).
  CHECK_FALSE(blocks.same(9, 10));
  CHECK_FALSE(blocks.same(15, 16));
  // Two separate blocks (0 and 1) never see each other's future.
  CHECK_FALSE(attention_allowed(LayerType::Sliding, 13, 15, W, blocks.same(13, 15)));
}

TEST_CASE("tiled attention equals the dense-mask form, over tiles, offsets and vision blocks") {
  // T = 75 queries cross two tile boundaries (32); the keys start before the queries (a cached,
  // trimmed sliding slot: k0 < q0); blocks of 20 and 9 positions straddle the tiles.
  std::vector<int> block(75, -1);
  for (int t = 10; t < 30; ++t) block[static_cast<std::size_t>(t)] = 0;
  for (int t = 60; t < 69; ++t) block[static_cast<std::size_t>(t)] = 1;
  const Eigen::Index q0 = 40, k0 = 33, S = q0 + 75 - k0;  // keys at 33 .. 114
  for (const LayerType type : {LayerType::Sliding, LayerType::Full})
    for (const bool with_blocks : {false, true}) {
      CAPTURE(static_cast<int>(type));
      CAPTURE(with_blocks);
      LayerSpec spec;
      spec.type = type;
      spec.num_heads = 4;
      spec.num_kv_heads = 2;
      spec.head_dim = 8;
      const RowMatrix<double> q = RowMatrix<double>::Random(75, 32),
                              keys = RowMatrix<double>::Random(S, 16),
                              values = RowMatrix<double>::Random(S, 16);
      const VisionBlocks blocks{with_blocks ? std::span<const int>(block) : std::span<const int>{},
                                q0};
      const int W = 12;
      const RowMatrix<double> tiled =
          scaled_dot_product_attention<double>(q, q0, keys, values, k0, spec, W, blocks);
      const RowMatrix<double> plain =
          scaled_dot_product_attention_plain<double>(q, q0, keys, values, k0, spec, W, blocks);
      // The same softmax over the same allowed keys; only the order of a few sums differs.
      test::check_tensor("attention", tiled, plain, 1e-13);
    }
}
