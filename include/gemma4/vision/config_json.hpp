// gemma4/vision/config_json.hpp: reading `vision_config` from a Hugging Face config.json.
//
// The multimodal `Gemma4Config` holds the tower under "vision_config" (null or absent: the
// checkpoint has no vision tower); a bare `Gemma4VisionConfig` (model_type "gemma4_vision") is
// accepted too. Missing fields take HF's class defaults (the E2B tower). Settings Gemma 4 does not
// use are rejected: a hidden_activation other than gelu_pytorch_tanh, a rope_type other than
// "default", attention_bias.
//
//   std::optional<gemma4::VisionConfig> v = gemma4::read_vision_config("gemma-4-E2B-it");
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "gemma4/vision/config.hpp"

namespace gemma4 {

namespace detail {

template <class T>
T vision_json_get(const nlohmann::json& j, const char* key, T fallback, std::string_view where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  const bool ok = std::is_same_v<T, bool>          ? it->is_boolean()
                  : std::is_integral_v<T>          ? it->is_number_integer()
                  : std::is_same_v<T, std::string> ? it->is_string()
                                                   : it->is_number();
  if (!ok) fail(where, ": vision_config field \"", key, "\" has the wrong type (", it->dump(), ")");
  return it->get<T>();
}

}  // namespace detail

/// The vision tower of a config.json document, or nullopt when it has none.
inline std::optional<VisionConfig> vision_config_from_json(const nlohmann::json& root,
                                                           std::string_view where) {
  using detail::vision_json_get;
  if (!root.is_object()) detail::fail(where, ": config is not a JSON object");
  const nlohmann::json* vj = nullptr;
  if (auto it = root.find("vision_config"); it != root.end()) {
    if (it->is_null()) return std::nullopt;
    if (!it->is_object()) detail::fail(where, ": \"vision_config\" is not an object");
    vj = &*it;
  } else if (root.value("model_type", std::string()) == "gemma4_vision") {
    vj = &root;
  } else {
    return std::nullopt;
  }
  const nlohmann::json& j = *vj;
  VisionConfig c;  // HF class defaults = the E2B tower
  c.hidden_size = vision_json_get<int>(j, "hidden_size", c.hidden_size, where);
  c.intermediate_size = vision_json_get<int>(j, "intermediate_size", c.intermediate_size, where);
  c.num_hidden_layers = vision_json_get<int>(j, "num_hidden_layers", c.num_hidden_layers, where);
  c.num_attention_heads =
      vision_json_get<int>(j, "num_attention_heads", c.num_attention_heads, where);
  c.num_key_value_heads =
      vision_json_get<int>(j, "num_key_value_heads", c.num_attention_heads, where);
  c.head_dim = vision_json_get<int>(j, "head_dim", c.hidden_size / c.num_attention_heads, where);
  c.patch_size = vision_json_get<int>(j, "patch_size", c.patch_size, where);
  c.pooling_kernel_size =
      vision_json_get<int>(j, "pooling_kernel_size", c.pooling_kernel_size, where);
  c.position_embedding_size =
      vision_json_get<int>(j, "position_embedding_size", c.position_embedding_size, where);
  c.rms_norm_eps = vision_json_get<double>(j, "rms_norm_eps", c.rms_norm_eps, where);
  c.use_clipped_linears =
      vision_json_get<bool>(j, "use_clipped_linears", c.use_clipped_linears, where);
  c.standardize = vision_json_get<bool>(j, "standardize", c.standardize, where);
  c.default_output_length =
      vision_json_get<int>(j, "default_output_length", c.default_output_length, where);
  if (auto it = j.find("rope_parameters"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) detail::fail(where, ": vision_config.rope_parameters is not an object");
    const auto type = vision_json_get<std::string>(*it, "rope_type", "default", where);
    if (type != "default")
      detail::fail(where, ": vision_config rope_type \"", type,
                   "\" is not used by Gemma 4 (only \"default\")");
    c.rope_theta = vision_json_get<double>(*it, "rope_theta", c.rope_theta, where);
  }
  const auto act = vision_json_get<std::string>(j, "hidden_activation", "gelu_pytorch_tanh", where);
  if (act != "gelu_pytorch_tanh")
    detail::fail(where, ": vision_config hidden_activation \"", act,
                 "\" is not supported (gelu_pytorch_tanh)");
  if (vision_json_get<bool>(j, "attention_bias", false, where))
    detail::fail(where, ": vision_config attention_bias = true is not supported");
  validate(c, where);
  return c;
}

/// The text hidden size Dt the projector maps into (text_config.hidden_size; HF default 2304).
inline int projector_output_size_from_json(const nlohmann::json& root, std::string_view where) {
  if (auto it = root.find("text_config"); it != root.end() && it->is_object())
    return detail::vision_json_get<int>(*it, "hidden_size", 2304, where);
  return detail::vision_json_get<int>(root, "hidden_size", 2304, where);
}

/// Reads `vision_config` from a config.json file, or from `<dir>/config.json`.
inline std::optional<VisionConfig> read_vision_config(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  std::ifstream in(file, std::ios::binary);
  if (!in) detail::fail(file.string(), ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    detail::fail(file.string(), ": malformed JSON: ", e.what());
  }
  return vision_config_from_json(j, file.string());
}

}  // namespace gemma4
