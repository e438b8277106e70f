// gemma4/vision/config_json.hpp: reading and writing the `vision_config` of a Gemma 4 config.json
// (HF `Gemma4VisionConfig`, model_type "gemma4_vision", spec vision.md §1).
//
//   "vision_config": {"model_type": "gemma4_vision", "hidden_size": 768, "num_hidden_layers": 16,
//                     "rope_parameters": {"rope_type": "default", "rope_theta": 100.0}, ...}
//
// The scalar fields are the table vision_config_fields() (vision/config.hpp); missing fields take
// HF's class defaults (the E2B tower). `"vision_config": null` or no key means no vision tower
// (nullopt); a bare Gemma4VisionConfig (model_type "gemma4_vision") is accepted too. Settings
// Gemma 4 does not use are rejected: a hidden_activation other than gelu_pytorch_tanh, a rope_type
// other than "default", attention_bias; and every rule of GEMMA4_VISION_CONFIG_RULES.
//
//   std::optional<gemma4::VisionConfig> v = gemma4::read_vision_config("gemma-4-E2B-it");
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "gemma4/io/config_json.hpp"
#include "gemma4/vision/config.hpp"

namespace gemma4 {

/// The vision tower of a config.json document, or nullopt when it has none.
inline std::optional<VisionConfig> vision_config_from_json(const nlohmann::json& root,
                                                           std::string_view where) {
  using detail::json_get;
  if (!root.is_object()) detail::fail(where, ": config is not a JSON object");
  const nlohmann::json* vj = nullptr;
  if (root.contains("vision_config")) {
    vj = detail::json_field(root, "vision_config");
    if (!vj) return std::nullopt;  // null
    if (!vj->is_object()) detail::fail(where, ": \"vision_config\" is not an object");
  } else if (json_get<std::string>(root, "model_type", "", where) == "gemma4_vision") {
    vj = &root;
  } else {
    return std::nullopt;
  }
  const nlohmann::json& j = *vj;
  VisionConfig c;  // HF class defaults = the E2B tower
  read_config_fields(j, c, vision_config_fields(), where);
  if (const nlohmann::json* rope = detail::json_field(j, "rope_parameters")) {
    if (!rope->is_object()) detail::fail(where, ": vision_config.rope_parameters is not an object");
    const auto type = json_get<std::string>(*rope, "rope_type", "default", where);
    if (type != "default")
      detail::fail(where, ": vision_config rope_type \"", type,
                   "\" is not used by Gemma 4 (only \"default\")");
    c.rope_theta = json_get<double>(*rope, "rope_theta", c.rope_theta, where);
  }
  const auto act = json_get<std::string>(j, "hidden_activation", "gelu_pytorch_tanh", where);
  if (act != "gelu_pytorch_tanh")
    detail::fail(where, ": vision_config.hidden_activation \"", act,
                 "\" is not supported (gelu_pytorch_tanh)");
  if (json_get<bool>(j, "attention_bias", false, where))
    detail::fail(where, ": vision_config.attention_bias = true is not supported");
  validate(c, where);
  return c;
}

/// The text hidden size Dt the projector maps into (text_config.hidden_size; HF default 2304).
inline int projector_output_size_from_json(const nlohmann::json& root, std::string_view where) {
  if (const nlohmann::json* t = detail::json_field(root, "text_config"); t && t->is_object())
    return detail::json_get<int>(*t, "hidden_size", 2304, where);
  return detail::json_get<int>(root, "hidden_size", 2304, where);
}

/// The vision config of a config.json file or of the config.json in a folder.
inline std::optional<VisionConfig> read_vision_config(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return vision_config_from_json(read_json_file(file), file.string());
}

/// The `vision_config` object for c, every field written.
inline nlohmann::json vision_config_to_json(const VisionConfig& c) {
  nlohmann::json j = write_config_fields(c, vision_config_fields());
  j["model_type"] = "gemma4_vision";
  j["hidden_activation"] = "gelu_pytorch_tanh";
  j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", c.rope_theta}};
  return j;
}

}  // namespace gemma4
