// tests/audio/test_config.cpp: the audio config (audio/config.hpp) and its config.json form
// (audio/config_json.hpp).
#include <doctest/doctest.h>

#include <gemma4/audio/config_json.hpp>
#include <gemma4/variants.hpp>

#include "test_support.hpp"

TEST_CASE("E2B and E4B carry the released audio tower; 26B-A4B and 31B none") {
  static_assert(gemma4::E2B::audio.hidden_size == 1024 &&
                gemma4::E2B::audio.num_hidden_layers == 12);
  static_assert(gemma4::E4B::audio == gemma4::E2B::audio);
  static_assert(gemma4::E2B::audio.head_dim() == 128);               // 1024 / 8
  static_assert(gemma4::E2B::audio.context_size() == 24);            // 12 + 13 - 1 + 0
  static_assert(gemma4::E2B::audio.subsample_flat_width() == 1024);  // 128 / 4 x 32
  static_assert(!gemma4::has_audio_tower_v<gemma4::MoE26B_A4B>);
  static_assert(!gemma4::has_audio_tower_v<gemma4::Dense31B>);
  CHECK(gemma4::audio_config_errors(gemma4::E2B::audio).empty());
}

TEST_CASE("audio_config of a config.json: fields, null, round trip") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "audio-tiny";
  const auto c = gemma4::read_audio_config(dir);
  REQUIRE(c.has_value());
  CHECK(c->hidden_size == 32);
  CHECK(c->num_hidden_layers == 2);
  CHECK(c->num_attention_heads == 2);
  CHECK(c->output_proj_dims == 40);
  CHECK(c->attention_invalid_logits_value == -1e9);
  CHECK(c->subsampling_conv_channels == std::array<int, 2>{128, 32});
  const nlohmann::json back = {{"audio_config", gemma4::audio_config_to_json(*c)}};
  CHECK(gemma4::audio_config_from_json(back, "round trip") == c);
  // A text-only fixture has audio_config null: no tower.
  CHECK_FALSE(gemma4::read_audio_config(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" /
                                        "text-e2b-tiny")
                  .has_value());
  CHECK_FALSE(gemma4::audio_config_from_json(nlohmann::json::object(), "x").has_value());
  // Missing fields are the released defaults.
  CHECK(gemma4::audio_config_from_json({{"audio_config", nlohmann::json::object()}}, "x") ==
        gemma4::kAudioTower);
}

TEST_CASE("invalid audio configs are errors that name the rule") {
  auto error = [](nlohmann::json a) {
    try {
      gemma4::audio_config_from_json({{"audio_config", a}}, "cfg.json");
    } catch (const gemma4::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error({{"hidden_act", "gelu"}}).find("hidden_act \"gelu\"") != std::string::npos);
  CHECK(error({{"num_attention_heads", 3}}).find("multiple of num_attention_heads") !=
        std::string::npos);
  CHECK(error({{"attention_context_right", 2}}).find("attention_context_right must be 0") !=
        std::string::npos);
  CHECK(error({{"attention_chunk_size", 8}}).find("attention_chunk_size must equal") !=
        std::string::npos);
  CHECK(error({{"subsampling_conv_channels", {64, 32}}}).find("must be 128") != std::string::npos);
  CHECK(error({{"subsampling_conv_channels", 3}}).find("two integers") != std::string::npos);
  CHECK(error({{"hidden_size", "wide"}}).find("wrong type") != std::string::npos);
  CHECK(error({{"hidden_size", 32}, {"num_attention_heads", 3}}).find("cfg.json") !=
        std::string::npos);
  CHECK(gemma4::audio_config_mismatches(gemma4::kAudioTower, gemma4::kAudioTower).empty());
  gemma4::AudioConfig other = gemma4::kAudioTower;
  other.num_hidden_layers = 2;
  const auto diff = gemma4::audio_config_mismatches(gemma4::kAudioTower, other);
  REQUIRE(diff.size() == 1);
  CHECK(diff[0] == "audio_config.num_hidden_layers: expected 12, got 2");
}
