// gemma4/io/config_json.hpp: reading and writing Hugging Face `config.json` for the text decoder.
//
// Accepts the top-level `Gemma4Config` (fields under "text_config") and a bare
// `Gemma4TextConfig`, and both encodings of full-layer geometry (spec text-decoder.md §1.3):
//   flat (hub files, transformers <= 5.14):  "global_head_dim", "num_global_key_value_heads"
//   per_layer_config (transformers >= 5.15): {"<i>": {"head_dim": ..., "num_key_value_heads": ...}}
// and applies HF's post-init rules (§1.2): missing layer_types -> (i+1) % 6 == 0 is full; the last
// layer is forced to full; missing hidden_size_per_layer_input -> 256 (PLE on), null/0 -> off;
// missing rope_parameters -> sliding default 1e4, full proportional 0.25 / 1e6. Unsupported
// settings (use_bidirectional_attention "all", rope types other than default / proportional, an
// activation other than gelu_pytorch_tanh, attention_bias) are rejected with a gemma4::Error.
//
//   gemma4::TextConfig c = gemma4::read_text_config("google/gemma-4-E2B-it/config.json");
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <type_traits>

#include "gemma4/core/config_fields.hpp"
#include "gemma4/text/config.hpp"

namespace gemma4 {

/// Token ids of the multimodal wrapper config (`Gemma4Config`), spec variants.md §5.
struct SpecialTokenIds {
  int boi_token_id = 255999;    // <|image>
  int eoi_token_id = 258882;    // <image|>
  int image_token_id = 258880;  // <|image|>
  int video_token_id = 258884;  // <|video|>
  int boa_token_id = 256000;    // <|audio>
  int eoa_token_id = 258883;    // <audio|> (key "eoa_token_index" in config.json)
  int audio_token_id = 258881;  // <|audio|>
};

namespace detail {

inline const nlohmann::json* json_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

template <class T>
T json_get(const nlohmann::json& j, const char* key, T fallback, std::string_view where) {
  const nlohmann::json* v = json_field(j, key);
  if (!v) return fallback;
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v->is_boolean()) throw nlohmann::json::type_error::create(302, "not a boolean", v);
    } else if constexpr (std::is_integral_v<T>) {
      if (!v->is_number_integer())
        throw nlohmann::json::type_error::create(302, "not an integer", v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v->is_string()) throw nlohmann::json::type_error::create(302, "not a string", v);
    } else {
      if (!v->is_number()) throw nlohmann::json::type_error::create(302, "not a number", v);
    }
    return v->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(where, ": field \"", key, "\" has the wrong type (", v->dump(), ")");
  }
}

inline RopeParameters rope_from_json(const nlohmann::json& j, RopeParameters fallback,
                                     std::string_view where) {
  RopeParameters r = fallback;
  const std::string type = json_get<std::string>(j, "rope_type", "default", where);
  if (type == "default")
    r.rope_type = RopeType::Default, r.partial_rotary_factor = 1.0;
  else if (type == "proportional")
    r.rope_type = RopeType::Proportional, r.partial_rotary_factor = 1.0;
  else
    fail(where, ": rope_type \"", type, "\" is not used by Gemma 4 (default, proportional)");
  r.rope_theta = json_get<double>(j, "rope_theta", r.rope_theta, where);
  r.partial_rotary_factor =
      json_get<double>(j, "partial_rotary_factor", r.partial_rotary_factor, where);
  return r;
}

}  // namespace detail

/// Reads every field of `table` (core/config_fields.hpp) from the JSON object `j` into `c`,
/// applying each field's rule for absent and null values; a value of the wrong type is an error
/// naming `where` and the key.
template <class Config, class Table>
void read_config_fields(const nlohmann::json& j, Config& c, const Table& table,
                        std::string_view where) {
  for_each_field(table, [&](const auto& field) {
    using T = typename std::decay_t<decltype(field)>::value_type;
    const std::string key(field.key);
    auto& value = c.*field.member;
    const auto it = j.find(key);
    const bool absent = it == j.end(), null = !absent && it->is_null();
    const bool zero = (absent && (field.rule == FieldRule::ZeroIfAbsent ||
                                  field.rule == FieldRule::NoneIsZero)) ||
                      (null && field.rule != FieldRule::Default);
    if (zero)
      value = T{};
    else if (!absent && !null)
      value = detail::json_get<T>(j, key.c_str(), value, where);
  });
}

/// The fields of `table` as a JSON object; NoneIsZero fields that are 0 are written as null.
template <class Config, class Table>
nlohmann::json write_config_fields(const Config& c, const Table& table) {
  nlohmann::json j = nlohmann::json::object();
  for_each_field(table, [&](const auto& field) {
    using T = typename std::decay_t<decltype(field)>::value_type;
    const auto& value = c.*field.member;
    const std::string key(field.key);
    if (field.rule == FieldRule::NoneIsZero && value == T{})
      j[key] = nullptr;
    else
      j[key] = value;
  });
  return j;
}

/// Parses the text part of a config.json document. `where` names the source in errors.
inline TextConfig text_config_from_json(const nlohmann::json& root, std::string_view where) {
  using detail::json_get;
  if (!root.is_object()) detail::fail(where, ": config is not a JSON object");
  const nlohmann::json* tc = detail::json_field(root, "text_config");
  if (tc && !tc->is_object()) detail::fail(where, ": \"text_config\" is not an object");
  const nlohmann::json& j = tc ? *tc : root;
  if (!tc && root.contains("model_type") && root["model_type"] != "gemma4_text")
    detail::fail(where, ": no \"text_config\" in a config of model_type ", root["model_type"]);

  TextConfig c;  // class defaults of Gemma4TextConfig
  // Tied unless the text config or the wrapper says otherwise (HF reads the top-level key); the
  // table below keeps this when the text config does not name it.
  c.tie_word_embeddings = json_get<bool>(root, "tie_word_embeddings", true, where);
  read_config_fields(j, c, text_config_fields(), where);
  if (const auto* eos = detail::json_field(j, "eos_token_id"))
    c.eos_token_id = eos->is_array() && !eos->empty() ? (*eos)[0].get<int>() : eos->get<int>();

  if (json_get<bool>(j, "attention_bias", false, where))
    detail::fail(where, ": attention_bias = true is not used by any Gemma 4 release");
  const std::string act = json_get<std::string>(j, "hidden_activation", "gelu_pytorch_tanh", where);
  if (act != "gelu_pytorch_tanh")
    detail::fail(where, ": hidden_activation \"", act, "\" (Gemma 4 uses gelu_pytorch_tanh)");
  const std::string bidi = json_get<std::string>(j, "use_bidirectional_attention", "", where);
  if (bidi == "all")
    detail::fail(where, ": use_bidirectional_attention \"all\" is not supported (no release)");
  if (!bidi.empty() && bidi != "vision")
    detail::fail(where, ": use_bidirectional_attention \"", bidi, "\" is unknown");
  c.bidirectional_vision = bidi == "vision";

  if (c.num_hidden_layers <= 0 || c.num_hidden_layers > kMaxLayers)
    detail::fail(where, ": num_hidden_layers = ", c.num_hidden_layers, " is outside [1, ",
                 kMaxLayers, "]");
  if (const auto* lt = detail::json_field(j, "layer_types")) {
    if (!lt->is_array() || static_cast<int>(lt->size()) != c.num_hidden_layers)
      detail::fail(where,
                   ": layer_types must be an array of num_hidden_layers = ", c.num_hidden_layers,
                   " strings");
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      const auto& t = (*lt)[static_cast<std::size_t>(i)];
      if (t == "full_attention")
        c.layer_types[static_cast<std::size_t>(i)] = LayerType::Full;
      else if (t == "sliding_attention")
        c.layer_types[static_cast<std::size_t>(i)] = LayerType::Sliding;
      else
        detail::fail(where, ": layer_types[", i, "] = ", t.dump(), " is unknown");
    }
    c.layer_types[static_cast<std::size_t>(c.num_hidden_layers - 1)] = LayerType::Full;
  } else {
    set_layer_pattern(c, 6);
  }

  if (const auto* rp = detail::json_field(j, "rope_parameters")) {
    if (!rp->is_object()) detail::fail(where, ": rope_parameters is not an object");
    if (rp->contains("sliding_attention") || rp->contains("full_attention")) {
      if (const auto* s = detail::json_field(*rp, "sliding_attention"))
        c.rope_sliding = detail::rope_from_json(*s, c.rope_sliding, where);
      if (const auto* f = detail::json_field(*rp, "full_attention"))
        c.rope_full = detail::rope_from_json(*f, c.rope_full, where);
    } else {  // a flat dict applies to both layer types (spec §1.2)
      c.rope_sliding = c.rope_full = detail::rope_from_json(*rp, c.rope_sliding, where);
    }
  }

  // transformers >= 5.15: full-layer geometry as per-layer overrides. We hold it flat, so every
  // override must sit on a full layer and all full layers must agree.
  if (const auto* plc = detail::json_field(j, "per_layer_config")) {
    if (!plc->is_object() && !plc->is_array())
      detail::fail(where, ": per_layer_config is not an object");
    c.global_head_dim = 0;
    c.num_global_key_value_heads = 0;
    bool first = true;
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      const nlohmann::json* o = nullptr;
      if (plc->is_object())
        o = detail::json_field(*plc, std::to_string(i).c_str());
      else if (static_cast<std::size_t>(i) < plc->size() && !(*plc)[i].is_null())
        o = &(*plc)[i];
      const bool full = c.layer_type(i) == LayerType::Full;
      if (!o) {
        if (full) detail::fail(where, ": per_layer_config has no entry for full layer ", i);
        continue;
      }
      if (!full)
        detail::fail(where, ": per_layer_config overrides sliding layer ", i,
                     " (only full layers differ in Gemma 4)");
      const int hd = json_get<int>(*o, "head_dim", c.head_dim, where);
      const int kv = json_get<int>(*o, "num_key_value_heads", 0, where);
      if (first) {
        c.global_head_dim = hd, c.num_global_key_value_heads = kv, first = false;
      } else if (hd != c.global_head_dim || kv != c.num_global_key_value_heads) {
        detail::fail(where, ": per_layer_config gives full layer ", i,
                     " a different geometry from the other full layers");
      }
    }
    if (c.num_global_key_value_heads > 0 && !c.attention_k_eq_v &&
        c.num_global_key_value_heads != c.num_key_value_heads)
      detail::fail(where, ": per_layer_config overrides num_key_value_heads without k_eq_v");
  }
  validate(c, where);
  return c;
}

/// Special token ids of the top-level config (defaults where the keys are absent).
inline SpecialTokenIds special_token_ids_from_json(const nlohmann::json& root,
                                                   std::string_view where) {
  using detail::json_get;
  SpecialTokenIds s;
  s.boi_token_id = json_get<int>(root, "boi_token_id", s.boi_token_id, where);
  s.eoi_token_id = json_get<int>(root, "eoi_token_id", s.eoi_token_id, where);
  s.image_token_id = json_get<int>(root, "image_token_id", s.image_token_id, where);
  s.video_token_id = json_get<int>(root, "video_token_id", s.video_token_id, where);
  s.boa_token_id = json_get<int>(root, "boa_token_id", s.boa_token_id, where);
  s.eoa_token_id = json_get<int>(root, "eoa_token_index",
                                 json_get<int>(root, "eoa_token_id", s.eoa_token_id, where), where);
  s.audio_token_id = json_get<int>(root, "audio_token_id", s.audio_token_id, where);
  return s;
}

/// Reads and parses a JSON file; errors name the file.
inline nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail(path.string(), ": cannot open");
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return nlohmann::json::parse(buf.str());
  } catch (const nlohmann::json::parse_error& e) {
    detail::fail(path.string(), ": malformed JSON: ", e.what());
  }
}

/// Reads the text config of a config.json file (or of the config.json inside a folder).
inline TextConfig read_text_config(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return text_config_from_json(read_json_file(file), file.string());
}

/// The `text_config` object of a hub config.json for `c` (flat key form, as on the hub).
inline nlohmann::json text_config_to_json(const TextConfig& c) {
  auto rope = [](const RopeParameters& r) {
    nlohmann::json o{{"rope_type", r.rope_type == RopeType::Default ? "default" : "proportional"},
                     {"rope_theta", r.rope_theta}};
    if (r.rope_type == RopeType::Proportional) o["partial_rotary_factor"] = r.partial_rotary_factor;
    return o;
  };
  nlohmann::json types = nlohmann::json::array();
  for (int i = 0; i < c.num_hidden_layers; ++i) types.push_back(layer_type_name(c.layer_type(i)));
  nlohmann::json j = write_config_fields(c, text_config_fields());
  // The fields read by hand, and the constants of every release.
  j["model_type"] = "gemma4_text";
  j["eos_token_id"] = c.eos_token_id;
  j["layer_types"] = types;
  j["rope_parameters"] = {{"sliding_attention", rope(c.rope_sliding)},
                          {"full_attention", rope(c.rope_full)}};
  j["use_bidirectional_attention"] =
      c.bidirectional_vision ? nlohmann::json("vision") : nlohmann::json(nullptr);
  j["hidden_activation"] = "gelu_pytorch_tanh";
  j["attention_bias"] = false;
  j["attention_dropout"] = 0.0;
  j["max_position_embeddings"] = c.sliding_window >= 1024 ? 262144 : 131072;
  j["initializer_range"] = 0.02;
  j["use_cache"] = true;
  return j;
}

/// A whole hub `config.json` (Gemma4ForConditionalGeneration) for a text decoder `c`, with the
/// vision and audio towers absent (null), as the golden fixtures have it.
inline nlohmann::json hub_config_to_json(const TextConfig& c, const SpecialTokenIds& s = {},
                                         std::string_view dtype = "bfloat16") {
  nlohmann::json j;
  j["architectures"] = {"Gemma4ForConditionalGeneration"};
  j["model_type"] = "gemma4";
  j["text_config"] = text_config_to_json(c);
  j["text_config"]["dtype"] = dtype;
  j["vision_config"] = nullptr;
  j["audio_config"] = nullptr;
  j["boi_token_id"] = s.boi_token_id;
  j["eoi_token_id"] = s.eoi_token_id;
  j["image_token_id"] = s.image_token_id;
  j["video_token_id"] = s.video_token_id;
  j["boa_token_id"] = s.boa_token_id;
  j["eoa_token_index"] = s.eoa_token_id;
  j["audio_token_id"] = s.audio_token_id;
  j["initializer_range"] = 0.02;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["dtype"] = dtype;
  return j;
}

}  // namespace gemma4
