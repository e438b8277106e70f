// gemma4/audio/config_json.hpp: reading and writing the `audio_config` of a Gemma 4 config.json
// (HF `Gemma4AudioConfig`, spec audio.md §1).
//
//   "audio_config": {"model_type": "gemma4_audio", "hidden_size": 1024, "num_hidden_layers": 12,
//                    "subsampling_conv_channels": [128, 32], "attention_chunk_size": 12, ...}
//
// Missing fields take the class defaults (the released values). `"audio_config": null` (26B-A4B,
// 31B) or no key at all means the model has no audio tower: read_audio_config returns nullopt.
// hidden_act other than silu, and every rule of GEMMA4_AUDIO_CONFIG_RULES, are gemma4::Errors.
//
//   std::optional<gemma4::AudioConfig> a = gemma4::read_audio_config("gemma-4-E2B-it");
#pragma once

#include <filesystem>
#include <optional>

#include "gemma4/audio/config.hpp"
#include "gemma4/io/config_json.hpp"

namespace gemma4 {

/// The audio config of a config.json document, or nullopt when audio_config is null / absent.
inline std::optional<AudioConfig> audio_config_from_json(const nlohmann::json& root,
                                                         std::string_view where) {
  using detail::json_get;
  if (!root.is_object()) detail::fail(where, ": config is not a JSON object");
  const nlohmann::json* a = detail::json_field(root, "audio_config");
  if (!a) return std::nullopt;
  if (!a->is_object()) detail::fail(where, ": \"audio_config\" is not an object");
  const nlohmann::json& j = *a;
  AudioConfig c;  // class defaults of Gemma4AudioConfig = the released values
  read_config_fields(j, c, audio_config_fields(), where);
  if (const auto* ch = detail::json_field(j, "subsampling_conv_channels")) {
    if (!ch->is_array() || ch->size() != 2 || !(*ch)[0].is_number_integer() ||
        !(*ch)[1].is_number_integer())
      detail::fail(where, ": audio_config.subsampling_conv_channels must be two integers, got ",
                   ch->dump());
    c.subsampling_conv_channels = {(*ch)[0].get<int>(), (*ch)[1].get<int>()};
  }
  const std::string act = json_get<std::string>(j, "hidden_act", "silu", where);
  if (act != "silu")
    detail::fail(where, ": audio_config.hidden_act \"", act,
                 "\" (the Gemma 4 audio tower uses silu)");
  validate(c, where);
  return c;
}

/// The audio config of a config.json file or of the config.json in a folder.
inline std::optional<AudioConfig> read_audio_config(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return audio_config_from_json(read_json_file(file), file.string());
}

/// The `audio_config` object for c, every field written.
inline nlohmann::json audio_config_to_json(const AudioConfig& c) {
  nlohmann::json j = write_config_fields(c, audio_config_fields());
  j["model_type"] = "gemma4_audio";
  j["hidden_act"] = "silu";
  j["subsampling_conv_channels"] = {c.subsampling_conv_channels[0], c.subsampling_conv_channels[1]};
  j["initializer_range"] = 0.02;
  return j;
}

}  // namespace gemma4
