// Tests of the multimodal half of gemma4/generation/generate.hpp: generate() with media and
// Conversation::respond(message, media) on the mm-e2b-tiny model (one image, one audio clip),
// each greedy token checked against the argmax of a full forward over the same ids and media.
// The tokenizer is a toy one over the fixture's 400-token vocabulary: the Gemma special tokens
// below 300 at their real ids, bytes, "▁", a..z, and the fixture's multimodal ids 390..396.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gemma4/generation/generate.hpp"
#include "gemma4/multimodal/golden_taps.hpp"
#include "toy_tokenizer.hpp"

using gemma4::Media;
using gemma4::Message;
using gemma4::RowMatrix;
using gemma4::TokenId;

namespace {

const std::filesystem::path kDir =
    std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "mm-e2b-tiny";

const gemma4::Tokenizer& toy_tokenizer() {
  // The fixture's config.json: boi 390, boa 391, image 392, audio 393, eoi 394, eoa 395, video 396.
  static const gemma4::Tokenizer tok = gemma4::test::make_toy_tokenizer(400, {{390, "<|image>"},
                                                                              {391, "<|audio>"},
                                                                              {392, "<|image|>"},
                                                                              {393, "<|audio|>"},
                                                                              {394, "<image|>"},
                                                                              {395, "<audio|>"},
                                                                              {396, "<|video|>"}});
  return tok;
}

TokenId argmax_last(const RowMatrix<double>& logits) {
  Eigen::Index best = 0;
  logits.row(logits.rows() - 1).maxCoeff(&best);
  return static_cast<TokenId>(best);
}

// Every generated id is the argmax of a full forward over prompt + the ids before it.
void check_greedy(const gemma4::Model<gemma4::Dynamic, double>& model,
                  const std::vector<TokenId>& prompt, const Media<double>& media,
                  const std::vector<TokenId>& generated) {
  std::vector<TokenId> seq = prompt;
  for (std::size_t i = 0; i < generated.size(); ++i) {
    CAPTURE(i);
    CHECK(argmax_last(model.forward(seq, media)) == generated[i]);
    seq.push_back(generated[i]);
  }
}

}  // namespace

TEST_CASE("generate() with an image and a clip: each greedy token is the full forward's argmax") {
  const auto model = gemma4::Model<gemma4::Dynamic, double>::load(kDir);
  const gemma4::SafetensorsFile golden(kDir / "golden.safetensors");
  gemma4::GoldenTaps unused;
  const Media<double> media = gemma4::golden_media(model, golden, unused);
  const std::vector<TokenId> prompt = gemma4::golden_input_ids(golden);
  gemma4::GenerateOptions o;
  o.max_new_tokens = 5;
  o.stop_ids = {};
  auto cache = model.make_cache();
  const auto r = gemma4::generate(model, cache, std::span<const TokenId>(prompt), media, o);
  REQUIRE(r.ids.size() == 5);
  check_greedy(model, prompt, media, r.ids);
  CHECK(cache.size() == static_cast<Eigen::Index>(prompt.size() + 4));
}

TEST_CASE("Conversation: a turn with an image and audio, then a text turn that re-feeds them") {
  const auto model = gemma4::Model<gemma4::Dynamic, double>::load(kDir);
  const gemma4::SafetensorsFile golden(kDir / "golden.safetensors");
  gemma4::GoldenTaps unused;
  const Media<double> media = gemma4::golden_media(model, golden, unused);
  const auto& tok = toy_tokenizer();
  gemma4::Conversation chat(model, &tok);
  gemma4::GenerateOptions o;
  o.max_new_tokens = 3;
  o.stop_ids = {};

  Message m;
  m.parts = {gemma4::ContentPart::from_text("look"), gemma4::ContentPart::image(),
             gemma4::ContentPart::from_text("and"), gemma4::ContentPart::audio()};
  const auto r1 = chat.respond(m, media, o);
  // The prompt HF would build: the template's items, expanded to 6 image and 12 audio tokens.
  const std::size_t n_img[] = {6}, n_aud[] = {12};
  const std::vector<TokenId> p1 =
      tok.encode(gemma4::expand_placeholders(gemma4::render_chat({m}), n_img, n_aud));
  CHECK(std::count(p1.begin(), p1.end(), 392) == 6);
  CHECK(std::count(p1.begin(), p1.end(), 393) == 12);
  check_greedy(model, p1, media, r1.ids);

  // A text turn: the re-rendered history still holds the image and the clip, so their soft
  // tokens are fed again whenever the cache cannot be reused.
  Message follow;
  follow.content = "more";
  const auto r2 = chat.respond(follow, Media<double>{}, o);
  std::vector<Message> history = chat.messages();
  history.pop_back();  // the answer just generated
  const std::vector<TokenId> p2 =
      tok.encode(gemma4::expand_placeholders(gemma4::render_chat(history), n_img, n_aud));
  check_greedy(model, p2, media, r2.ids);

  // Counts must match the message's items.
  Message two_images;
  two_images.parts = {gemma4::ContentPart::image(), gemma4::ContentPart::image()};
  CHECK_THROWS_WITH_AS(chat.respond(two_images, media, o),
                       doctest::Contains("2 image, 0 audio and 0 video items but 1 images, 1 "
                                         "clips and 0 videos"),
                       gemma4::Error);
}

TEST_CASE("Conversation: a video item becomes \"mm:ss\" frames of <|video|> soft tokens") {
  const auto model = gemma4::Model<gemma4::Dynamic, double>::load(kDir);
  const gemma4::SafetensorsFile golden(kDir / "golden.safetensors");
  gemma4::GoldenTaps unused;
  const Media<double> images = gemma4::golden_media(model, golden, unused);
  // A two-frame video whose frames are the fixture's image features (6 soft tokens each).
  Media<double> media;
  media.video_frames = {images.images[0], images.images[0]};
  media.video_frame_seconds = {{0.0, 1.0}};
  gemma4::Conversation chat(model, &toy_tokenizer());
  gemma4::GenerateOptions o;
  o.max_new_tokens = 2;
  o.stop_ids = {};
  Message m;
  m.parts = {gemma4::ContentPart::video(), gemma4::ContentPart::from_text("what happens")};
  const auto r = chat.respond(m, media, o);
  const gemma4::VideoPrompt video{{0.0, 1.0}, 6};
  const std::string text = gemma4::expand_placeholders(
      gemma4::render_chat({m}), {}, {}, std::span<const gemma4::VideoPrompt>(&video, 1));
  CHECK(text.find("00:00 <|image><|video|>") != std::string::npos);
  CHECK(text.find("<image|> 00:01 <|image>") != std::string::npos);
  const std::vector<TokenId> p = toy_tokenizer().encode(text);
  CHECK(std::count(p.begin(), p.end(), 396) == 12);
  check_greedy(model, p, media, r.ids);
}
