// Tests of gemma4/multimodal/model.hpp on the two whole-model fixtures (tests/data/golden/mm-*):
// chunked prefill equals one call, with cuts inside and outside image blocks; blocks are kept
// whole when the overlay is on; placeholder / soft-token counts and missing towers are errors.
// (That each fixture matches its goldens stage by stage is test_reference_golden's and
// cli_verify's job.)
#include <gemma4/multimodal/golden_taps.hpp>

#include <fstream>

#include "test_support.hpp"

using namespace gemma4;

namespace {

const std::filesystem::path kData = GEMMA4_TEST_DATA_DIR;
const std::filesystem::path kE2B = kData / "golden" / "mm-e2b-tiny";  // causal, image + audio
const std::filesystem::path kMoE = kData / "golden" / "mm-moe-vision-tiny";  // overlay, 2 images

struct Fixture {
  Model<Dynamic, double> model;
  std::vector<TokenId> ids;
  Media<double> media;
};

Fixture load(const std::filesystem::path& dir) {
  auto model = Model<Dynamic, double>::load(dir);
  const SafetensorsFile golden(dir / "golden.safetensors");
  GoldenTaps unused;
  Media<double> media = golden_media(model, golden, unused);
  return {std::move(model), golden_input_ids(golden), std::move(media)};
}

double max_abs_diff(const RowMatrix<double>& a, const RowMatrix<double>& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff();
}

// The first position of every image block, and the position after its end.
std::vector<std::pair<Eigen::Index, Eigen::Index>> image_runs(const Fixture& f) {
  std::vector<std::pair<Eigen::Index, Eigen::Index>> runs;
  const TokenId img = f.model.merge_ids().special.image_token_id;
  for (std::size_t t = 0; t < f.ids.size(); ++t)
    if (f.ids[t] == img && (t == 0 || f.ids[t - 1] != img)) {
      std::size_t e = t;
      while (e < f.ids.size() && f.ids[e] == img) ++e;
      runs.emplace_back(Eigen::Index(t), Eigen::Index(e));
    }
  return runs;
}

}  // namespace

TEST_CASE("the fixtures are what these tests assume") {
  const Fixture e2b = load(kE2B), moe = load(kMoE);
  CHECK(e2b.model.has_vision());
  CHECK(e2b.model.has_audio());
  CHECK_FALSE(e2b.model.vision_overlay());
  CHECK(moe.model.has_vision());
  CHECK_FALSE(moe.model.has_audio());
  CHECK(moe.model.vision_overlay());
  CHECK(image_runs(e2b).size() == 1);
  CHECK(image_runs(moe).size() == 2);
}

TEST_CASE("chunked prefill equals one call, for cuts inside and outside image blocks") {
  for (const auto& dir : {kE2B, kMoE}) {
    CAPTURE(dir.filename().string());
    const Fixture f = load(dir);
    const RowMatrix<double> full = f.model.forward(f.ids, f.media);
    const auto runs = image_runs(f);
    const Eigen::Index inside = (runs[0].first + runs[0].second) / 2;  // cuts the first image
    const Eigen::Index n = static_cast<Eigen::Index>(f.ids.size());
    const std::vector<std::vector<Eigen::Index>> plans = {
        {inside},                              // inside an image
        {runs[0].first, runs[0].second},       // exactly around it
        {1, 2, 3, inside, inside + 1, n - 1},  // many small chunks
        {runs.back().second - 1}};             // just before the end of the last image
    for (const auto& plan : plans) {
      CAPTURE(plan.size());
      auto cache = f.model.make_cache();
      const RowMatrix<double> chunked =
          f.model.forward(f.ids, f.media, cache, LogitsFor::All, {}, plan);
      CHECK(max_abs_diff(chunked, full) < 1e-12);
      CHECK(cache.size() == n);
    }
    // Token by token: every position its own call (causal models only; the overlay moves the
    // cuts inside blocks, which the plan check below covers).
    std::vector<Eigen::Index> every;
    for (Eigen::Index t = 1; t < n; ++t) every.push_back(t);
    auto cache = f.model.make_cache();
    CHECK(max_abs_diff(f.model.forward(f.ids, f.media, cache, LogitsFor::All, {}, every), full) <
          1e-12);
  }
}

TEST_CASE("with the overlay a cut inside a block moves to the block's end; without it, it stays") {
  const Fixture moe = load(kMoE), e2b = load(kE2B);
  const auto [b0, e0] = image_runs(moe)[0];
  const Eigen::Index n = static_cast<Eigen::Index>(moe.ids.size());
  const std::vector<Eigen::Index> cut = {b0 + 1};
  CHECK(moe.model.chunk_ends(moe.ids, cut) == std::vector<Eigen::Index>{e0, n});
  const std::vector<Eigen::Index> at_start = {b0};  // a cut before the block stays
  CHECK(moe.model.chunk_ends(moe.ids, at_start) == std::vector<Eigen::Index>{b0, n});
  const auto [c0, d0] = image_runs(e2b)[0];
  const std::vector<Eigen::Index> e2b_cut = {c0 + 1};
  CHECK(e2b.model.chunk_ends(e2b.ids, e2b_cut) ==
        std::vector<Eigen::Index>{c0 + 1, static_cast<Eigen::Index>(e2b.ids.size())});
  (void)d0;
}

TEST_CASE("more or fewer soft tokens than placeholders, and missing towers, are named errors") {
  const Fixture e2b = load(kE2B), moe = load(kMoE);
  Media<double> fewer = e2b.media;
  fewer.images.clear();
  CHECK_THROWS_WITH_AS(e2b.model.forward(e2b.ids, fewer),
                       doctest::Contains("6 image placeholders (id 392) but 0 image soft tokens"),
                       Error);
  Media<double> more = e2b.media;
  more.images.push_back(more.images[0]);
  CHECK_THROWS_WITH_AS(e2b.model.forward(e2b.ids, more),
                       doctest::Contains("6 image placeholders (id 392) but 12 image soft tokens"),
                       Error);
  Media<double> no_audio = e2b.media;
  no_audio.audio.clear();
  CHECK_THROWS_WITH_AS(e2b.model.forward(e2b.ids, no_audio),
                       doctest::Contains("12 audio placeholders (id 393) but 0 audio"), Error);
  // The MoE fixture has no audio tower: asking for it, or handing it audio, names that.
  CHECK_THROWS_WITH_AS(moe.model.audio(), doctest::Contains("no audio tower"), Error);
  Media<double> with_audio = moe.media;
  with_audio.audio.push_back(e2b.media.audio[0].leftCols(48));
  CHECK_THROWS_WITH_AS(moe.model.forward(moe.ids, with_audio),
                       doctest::Contains("audio given to a model without an audio tower"), Error);
  // A token id outside the vocabulary is still the text decoder's named error.
  std::vector<TokenId> bad = e2b.ids;
  bad[1] = 400;
  CHECK_THROWS_WITH_AS(e2b.model.forward(bad, e2b.media), doctest::Contains("token id 400"), Error);
}

TEST_CASE("a config whose pad id is a placeholder is refused at load") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path / "m");
  std::filesystem::copy_file(kE2B / "model.safetensors", dir.path / "m" / "model.safetensors");
  nlohmann::json cfg = read_json_file(kE2B / "config.json");
  cfg["text_config"]["pad_token_id"] = cfg["image_token_id"];
  std::ofstream(dir.path / "m" / "config.json") << cfg.dump();
  CHECK_THROWS_WITH_AS((Model<Dynamic, float>::load(dir.path / "m")),
                       doctest::Contains("pad_token_id = 392 is a placeholder id"), Error);
}

TEST_CASE(
    "video frames merge like images: the same soft tokens under <|video|> give the same logits") {
  // multimodal-merge §3, §6: video rows take the frames' soft tokens in order and form blocks
  // (type 2) exactly as images (type 1) do, so relabelling each image as a one-frame video
  // must not change a single logit, with or without the vision overlay.
  for (const auto& dir : {kE2B, kMoE}) {
    CAPTURE(dir.filename().string());
    const Fixture f = load(dir);
    const auto& s = f.model.merge_ids().special;
    std::vector<TokenId> ids = f.ids;
    for (TokenId& id : ids)
      if (id == s.image_token_id) id = s.video_token_id;
    Media<double> as_video = f.media;
    as_video.video_frames = std::move(as_video.images);
    as_video.images.clear();
    CHECK(max_abs_diff(f.model.forward(ids, as_video), f.model.forward(f.ids, f.media)) == 0.0);
  }
}
