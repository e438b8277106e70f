// Tests of gemma4/multimodal/merge.hpp: token types, pad substitution, vision blocks and masks
// derived by hand (spec multimodal-merge.md §2, §3, §6), and the id checks of §1.
#include <gemma4/multimodal/merge.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {

// The tiny fixtures' ids: image 392, audio 393, video 396, pad 0.
MergeIds tiny_ids() {
  MergeIds m;
  m.special.boi_token_id = 390, m.special.boa_token_id = 391, m.special.image_token_id = 392;
  m.special.audio_token_id = 393, m.special.eoi_token_id = 394, m.special.eoa_token_id = 395;
  m.special.video_token_id = 396;
  m.pad = 0;
  return m;
}

TextConfig tiny_text() {
  TextConfig c;
  c.vocab_size = 400;
  c.vocab_size_per_layer_input = 400;
  return c;
}

}  // namespace

TEST_CASE("types, llm_input_ids and blocks of a prompt with an image, a video frame and audio") {
  const MergeIds m = tiny_ids();
  //                               BOI  img  img  EOI  txt  BOI  vid  vid  EOI  BOA  aud  EOA
  const std::vector<TokenId> ids = {390, 392, 392, 394, 7, 390, 396, 396, 394, 391, 393, 395};
  CHECK(mm_token_type_ids(ids, m) == std::vector<int>{0, 1, 1, 0, 0, 0, 2, 2, 0, 0, 3, 0});
  // Every placeholder becomes the pad id; BOI/EOI/BOA/EOA stay (they are ordinary text tokens).
  CHECK(llm_input_ids(ids, m) ==
        std::vector<TokenId>{390, 0, 0, 394, 7, 390, 0, 0, 394, 391, 0, 395});
  // One block per image and per frame; audio never forms a block.
  CHECK(vision_block_ids(mm_token_type_ids(ids, m)) ==
        std::vector<int>{-1, 0, 0, -1, -1, -1, 1, 1, -1, -1, -1, -1});
}

TEST_CASE("the spec's example: adjacent image and video runs merge into one block") {
  const std::vector<int> types = {1, 1, 2, 2, 0, 1};
  CHECK(vision_block_ids(types) == std::vector<int>{0, 0, 0, 0, -1, 1});
  CHECK(vision_block_ids(std::vector<int>{3, 3, 0}) == std::vector<int>{-1, -1, -1});
  CHECK(vision_block_ids(std::vector<int>{}).empty());
}

TEST_CASE("masks with the overlay: a block sees its future on sliding layers only") {
  const std::vector<int> block = {-1, 0, 0, 0, -1};
  const RowMatrix<double> s = attention_mask_matrix<double>(LayerType::Sliding, block, 2);
  const RowMatrix<double> f = attention_mask_matrix<double>(LayerType::Full, block, 2);
  for (Eigen::Index q = 0; q < 5; ++q)
    for (Eigen::Index k = 0; k < 5; ++k) {
      CHECK(f(q, k) == (k <= q ? 1.0 : 0.0));
      const bool same =
          block[std::size_t(q)] >= 0 && block[std::size_t(q)] == block[std::size_t(k)];
      CHECK(s(q, k) == ((k > q - 2 && (k <= q || same)) ? 1.0 : 0.0));
    }
  // By hand: position 1 sees 2 and 3 (its block, ahead of it); 3 no longer sees 1 (window 2).
  CHECK(s(1, 3) == 1.0);
  CHECK(s(3, 1) == 0.0);
  CHECK(s(4, 3) == 1.0);
  CHECK(s(3, 4) == 0.0);
}

TEST_CASE("soft tokens are handed out in prompt order across calls") {
  const MergeIds m = tiny_ids();
  const Eigen::Index H = 2;
  RowMatrix<double> a(2, H), b(1, H), au(1, H);
  a << 1, 1, 2, 2;
  b << 3, 3;
  au << 9, 9;
  std::vector<RowMatrix<double>> images = {a, b}, audio = {au};
  SoftTokenQueue<double> qi(images, H), qv, qa(audio, H);
  // First call: BOI img | the second call holds the rest of the first image and the second.
  const std::vector<TokenId> first = {390, 392};
  const std::vector<TokenId> second = {392, 394, 390, 392, 394, 393};
  const SoftTokens<double> s1 = soft_tokens_for_call<double>(first, m, qi, qv, qa, H, false);
  CHECK(s1.rows == std::vector<Eigen::Index>{1});
  CHECK(s1.values(0, 0) == 1);
  const SoftTokens<double> s2 = soft_tokens_for_call<double>(second, m, qi, qv, qa, H, true, 2);
  CHECK(s2.rows == std::vector<Eigen::Index>{0, 3, 5});
  CHECK(s2.values(0, 0) == 2);
  CHECK(s2.values(1, 0) == 3);
  CHECK(s2.values(2, 0) == 9);
  CHECK(s2.vision_block == std::vector<int>{0, -1, -1, 1, -1, -1});
  // A placeholder with nothing left names the kind and the absolute position.
  CHECK_THROWS_WITH_AS(soft_tokens_for_call<double>(first, m, qi, qv, qa, H, false, 8),
                       doctest::Contains("image placeholder at position 9"), Error);
}

TEST_CASE("bad ids: outside the vocabulary, pad that is a placeholder, equal placeholders") {
  const TextConfig c = tiny_text();
  CHECK_NOTHROW(check_merge_ids(tiny_ids(), c, "config.json"));
  MergeIds m = tiny_ids();
  m.special.image_token_id = 258880;  // the real id in a 400-token vocabulary
  CHECK_THROWS_WITH_AS(check_merge_ids(m, c, "config.json"),
                       doctest::Contains("config.json: image_token_id = 258880 is outside"), Error);
  m = tiny_ids();
  m.pad = 392;
  CHECK_THROWS_WITH_AS(check_merge_ids(m, c, "config.json"),
                       doctest::Contains("pad_token_id = 392 is a placeholder id"), Error);
  m = tiny_ids();
  m.special.audio_token_id = 392;
  CHECK_THROWS_WITH_AS(check_merge_ids(m, c, "config.json"), doctest::Contains("must differ"),
                       Error);
}
