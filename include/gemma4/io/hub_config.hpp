// gemma4/io/hub_config.hpp: the whole hub `config.json` of a Gemma 4 checkpoint (HF
// `Gemma4Config`, model_type "gemma4"): the text decoder, the towers it has and the special
// token ids, read and written as one.
//
//   {"model_type": "gemma4", "architectures": ["Gemma4ForConditionalGeneration"],
//    "text_config":   {...}                     io/config_json.hpp
//    "vision_config": {...} | null              vision/config_json.hpp  (all four releases)
//    "audio_config":  {...} | null              audio/config_json.hpp   (E2B, E4B only)
//    "boi_token_id": 255999, "image_token_id": 258880, ... (spec variants.md §5),
//    "vision_soft_tokens_per_image": 280        when there is a vision tower}
//
// A tower that is null (or absent) is std::nullopt. hub_config_of<V>() is the config of a
// compile-time variant (variants.hpp) with the released towers.
//
//   gemma4::HubConfig h = gemma4::hub_config_of<gemma4::E2B>();   // text + vision + audio
//   h.text = gemma4::with_layers(h.text, 2);                        // reference/random_init.hpp
//   std::ofstream("config.json") << gemma4::hub_config_to_json(h).dump(2);
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gemma4/audio/config.hpp"
#include "gemma4/audio/config_json.hpp"
#include "gemma4/io/config_json.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/variants.hpp"
#include "gemma4/vision/config.hpp"
#include "gemma4/vision/config_json.hpp"

namespace gemma4 {

/// Everything config.json says about the architecture of a whole checkpoint.
struct HubConfig {
  TextConfig text;
  std::optional<VisionConfig> vision;  // model.vision_tower.* + model.embed_vision.*
  std::optional<AudioConfig> audio;    // model.audio_tower.* + model.embed_audio.*
  SpecialTokenIds special;
};

/// The hub config of a compile-time variant: its text config and the towers it has.
template <class V>
HubConfig hub_config_of() {
  HubConfig h{V::text, std::nullopt, std::nullopt, {}};
  if constexpr (HasVisionConfig<V>) h.vision = V::vision;
  if constexpr (has_audio_tower_v<V>) h.audio = V::audio;
  return h;
}

/// Parses a whole config.json document (a bare text config gives no towers).
inline HubConfig hub_config_from_json(const nlohmann::json& root, std::string_view where) {
  HubConfig h;
  h.text = text_config_from_json(root, where);
  h.vision = vision_config_from_json(root, where);
  h.audio = audio_config_from_json(root, where);
  h.special = special_token_ids_from_json(root, where);
  return h;
}

/// Reads the config.json file at `path` (or inside the folder `path`).
inline HubConfig read_hub_config(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return hub_config_from_json(read_json_file(file), file.string());
}

/// The whole config.json of h; reads back as h with hub_config_from_json. `dtype` is the
/// torch dtype name recorded for the weights ("bfloat16", "float32", ...).
inline nlohmann::json hub_config_to_json(const HubConfig& h, std::string_view dtype = "bfloat16") {
  nlohmann::json j = hub_config_to_json(h.text, h.special, dtype);
  if (h.vision) {
    j["vision_config"] = vision_config_to_json(*h.vision);
    j["vision_soft_tokens_per_image"] = h.vision->default_output_length;
  }
  if (h.audio) j["audio_config"] = audio_config_to_json(*h.audio);
  j["eoa_token_id"] = h.special.eoa_token_id;  // the releases spell it both ways
  return j;
}

}  // namespace gemma4
