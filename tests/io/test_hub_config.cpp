// Tests of gemma4/io/hub_config.hpp: the whole config.json of each variant written and read back
// (text, towers, special ids), null towers, and the keys other runtimes read.
#include "gemma4/io/hub_config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "test_support.hpp"

namespace {

void check_round_trip(const gemma4::HubConfig& h) {
  const nlohmann::json j = nlohmann::json::parse(gemma4::hub_config_to_json(h, "float32").dump(2));
  const gemma4::HubConfig back = gemma4::hub_config_from_json(j, "round trip");
  CHECK(gemma4::config_mismatches(h.text, back.text).empty());
  REQUIRE(back.vision.has_value() == h.vision.has_value());
  if (h.vision) {
    CHECK(gemma4::vision_config_mismatches(*h.vision, *back.vision).empty());
    CHECK(*back.vision == *h.vision);
  }
  REQUIRE(back.audio.has_value() == h.audio.has_value());
  if (h.audio) CHECK(*back.audio == *h.audio);
  CHECK(back.special.boi_token_id == h.special.boi_token_id);
  CHECK(back.special.eoi_token_id == h.special.eoi_token_id);
  CHECK(back.special.image_token_id == h.special.image_token_id);
  CHECK(back.special.video_token_id == h.special.video_token_id);
  CHECK(back.special.boa_token_id == h.special.boa_token_id);
  CHECK(back.special.eoa_token_id == h.special.eoa_token_id);
  CHECK(back.special.audio_token_id == h.special.audio_token_id);
}

}  // namespace

TEST_CASE("each variant's hub config: towers as the releases have them, read back unchanged") {
  const auto e2b = gemma4::hub_config_of<gemma4::E2B>();
  REQUIRE(e2b.vision.has_value());
  REQUIRE(e2b.audio.has_value());
  CHECK(e2b.vision->hidden_size == 768);
  CHECK(e2b.audio->num_hidden_layers == 12);
  const auto e4b = gemma4::hub_config_of<gemma4::E4B>();
  CHECK(e4b.audio.has_value());
  const auto moe = gemma4::hub_config_of<gemma4::MoE26B_A4B>();
  REQUIRE(moe.vision.has_value());
  CHECK(moe.vision->hidden_size == 1152);
  CHECK(moe.vision->standardize);
  CHECK_FALSE(moe.audio.has_value());
  const auto d31 = gemma4::hub_config_of<gemma4::Dense31B>();
  CHECK_FALSE(d31.audio.has_value());
  for (const auto* h : {&e2b, &e4b, &moe, &d31}) check_round_trip(*h);

  // The keys of the released config.json (spec variants.md §3-5).
  const nlohmann::json j = gemma4::hub_config_to_json(e2b);
  CHECK(j["model_type"] == "gemma4");
  CHECK(j["vision_config"]["model_type"] == "gemma4_vision");
  CHECK(j["vision_config"]["use_clipped_linears"] == true);
  CHECK(j["vision_config"]["rope_parameters"]["rope_theta"] == 100.0);
  CHECK(j["audio_config"]["model_type"] == "gemma4_audio");
  CHECK(j["audio_config"]["subsampling_conv_channels"] == nlohmann::json({128, 32}));
  CHECK(j["boi_token_id"] == 255999);
  CHECK(j["image_token_id"] == 258880);
  CHECK(j["audio_token_id"] == 258881);
  CHECK(j["eoa_token_index"] == 258883);
  CHECK(j["eoa_token_id"] == 258883);
  CHECK(j["vision_soft_tokens_per_image"] == 280);
  CHECK(j["text_config"]["dtype"] == "bfloat16");
  const nlohmann::json m = gemma4::hub_config_to_json(moe);
  CHECK(m["audio_config"].is_null());
  CHECK(m["vision_config"]["standardize"] == true);
  CHECK(m["vision_config"]["head_dim"] == 72);
}

TEST_CASE("changed towers and ids survive the round trip; null towers stay null") {
  auto h = gemma4::hub_config_of<gemma4::E2B>();
  h.vision->num_hidden_layers = 3;
  h.vision->use_clipped_linears = false;
  h.vision->standardize = true;
  h.vision->default_output_length = 70;
  h.audio->num_hidden_layers = 1;
  h.audio->output_proj_dims = 640;
  h.special.image_token_id = 1234;
  h.special.eoa_token_id = 4321;
  check_round_trip(h);
  h.vision.reset();
  h.audio.reset();
  check_round_trip(h);
  const nlohmann::json j = gemma4::hub_config_to_json(h);
  CHECK(j["vision_config"].is_null());
  CHECK(j["audio_config"].is_null());
  CHECK_FALSE(j.contains("vision_soft_tokens_per_image"));
}

TEST_CASE("read_hub_config reads a file or a folder; the golden mm fixture has both towers") {
  gemma4::test::TempDir tmp;
  const auto h = gemma4::hub_config_of<gemma4::MoE26B_A4B>();
  std::ofstream(tmp / "config.json") << gemma4::hub_config_to_json(h).dump(2);
  const auto back = gemma4::read_hub_config(tmp.path);
  CHECK(back.vision == h.vision);
  CHECK_FALSE(back.audio.has_value());
  CHECK(gemma4::read_hub_config(tmp / "config.json").text.hidden_size == 2816);
  CHECK_THROWS_WITH_AS(gemma4::read_hub_config(tmp / "missing.json"),
                       doctest::Contains("missing.json"), gemma4::Error);

  const auto mm = gemma4::read_hub_config(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" /
                                          "mm-e2b-tiny");
  REQUIRE(mm.vision.has_value());
  REQUIRE(mm.audio.has_value());
  CHECK(mm.vision->hidden_size == 32);
  CHECK(mm.audio->subsampling_conv_channels[1] == 16);
  CHECK(mm.special.image_token_id == 392);
  check_round_trip(mm);
}
