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
  AudioConfig c;
  c.hidden_size = json_get<int>(j, "hidden_size", c.hidden_size, where);
  c.num_hidden_layers = json_get<int>(j, "num_hidden_layers", c.num_hidden_layers, where);
  c.num_attention_heads = json_get<int>(j, "num_attention_heads", c.num_attention_heads, where);
  if (const auto* ch = detail::json_field(j, "subsampling_conv_channels")) {
    if (!ch->is_array() || ch->size() != 2 || !(*ch)[0].is_number_integer() ||
        !(*ch)[1].is_number_integer())
      detail::fail(where, ": audio_config.subsampling_conv_channels must be two integers, got ",
                   ch->dump());
    c.subsampling_conv_channels = {(*ch)[0].get<int>(), (*ch)[1].get<int>()};
  }
  c.conv_kernel_size = json_get<int>(j, "conv_kernel_size", c.conv_kernel_size, where);
  c.residual_weight = json_get<double>(j, "residual_weight", c.residual_weight, where);
  c.attention_chunk_size = json_get<int>(j, "attention_chunk_size", c.attention_chunk_size, where);
  c.attention_context_left =
      json_get<int>(j, "attention_context_left", c.attention_context_left, where);
  c.attention_context_right =
      json_get<int>(j, "attention_context_right", c.attention_context_right, where);
  c.attention_logit_cap = json_get<double>(j, "attention_logit_cap", c.attention_logit_cap, where);
  c.attention_invalid_logits_value = json_get<double>(j, "attention_invalid_logits_value",
                                                      c.attention_invalid_logits_value, where);
  c.use_clipped_linears = json_get<bool>(j, "use_clipped_linears", c.use_clipped_linears, where);
  c.rms_norm_eps = json_get<double>(j, "rms_norm_eps", c.rms_norm_eps, where);
  c.gradient_clipping = json_get<double>(j, "gradient_clipping", c.gradient_clipping, where);
  c.output_proj_dims = json_get<int>(j, "output_proj_dims", c.output_proj_dims, where);
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
  return {{"model_type", "gemma4_audio"},
          {"hidden_size", c.hidden_size},
          {"num_hidden_layers", c.num_hidden_layers},
          {"num_attention_heads", c.num_attention_heads},
          {"hidden_act", "silu"},
          {"subsampling_conv_channels",
           {c.subsampling_conv_channels[0], c.subsampling_conv_channels[1]}},
          {"conv_kernel_size", c.conv_kernel_size},
          {"residual_weight", c.residual_weight},
          {"attention_chunk_size", c.attention_chunk_size},
          {"attention_context_left", c.attention_context_left},
          {"attention_context_right", c.attention_context_right},
          {"attention_logit_cap", c.attention_logit_cap},
          {"attention_invalid_logits_value", c.attention_invalid_logits_value},
          {"use_clipped_linears", c.use_clipped_linears},
          {"rms_norm_eps", c.rms_norm_eps},
          {"gradient_clipping", c.gradient_clipping},
          {"output_proj_dims", c.output_proj_dims},
          {"initializer_range", 0.02}};
}

}  // namespace gemma4
