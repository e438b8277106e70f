// examples/gemma4/cmd_explain.hpp: `gemma4 explain E2B|E4B|26B-A4B|31B|<config.json>`
//
// Prints the per-layer table (type, head dim, heads, K/V source, MLP width) and the parameter
// counts (total, effective without the PLE table, active per token for MoE) of a variant or of
// any config.json, then every scalar config.json field of the text config (the field table of
// text/config.hpp), the towers, and last the whole model: which modalities it takes and its
// totals with and without the towers (spec variants.md §6; the model cards count E2B / E4B with
// their towers, 26B-A4B / 31B without).
#pragma once

#include <iostream>

#include <gemma4/audio/config_json.hpp>
#include <gemma4/io/config_json.hpp>
#include <gemma4/io/hub_config.hpp>
#include <gemma4/reference/parameter_count.hpp>
#include <gemma4/variants.hpp>
#include <gemma4/vision/config_json.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

inline int cmd_explain(int argc, char** argv) {
  Args args(argc, argv);
  const auto pos = args.positional();
  if (pos.size() != 1) {
    std::cerr << "usage: gemma4 explain E2B|E4B|26B-A4B|31B|<config.json>\n";
    return 2;
  }
  auto explain = [](const TextConfig& c, std::string_view name) {
    std::cout << describe(c, name)
              << "\ntext_config (config.json keys, after HF's post-init rules)\n"
              << describe_config_fields(c, text_config_fields());
  };
  auto explain_audio = [](const AudioConfig& a, std::int64_t text_hidden) {
    std::cout << describe_audio(a, text_hidden) << "\naudio_config (config.json keys)\n"
              << describe_config_fields(a, audio_config_fields());
  };
  const bool known = visit_variant(pos[0], [&](auto variant) {
    using V = typename decltype(variant)::type;
    explain(CheckedVariant<V>::text, V::name);
    if constexpr (has_audio_tower_v<V>) explain_audio(V::audio, V::text.hidden_size);
    std::cout << describe_vision(V::vision, V::text.hidden_size)
              << describe_model(hub_config_of<V>(), V::name);
  });
  if (!known) {
    const TextConfig text = read_text_config(pos[0]);
    explain(text, pos[0]);
    if (const auto audio = read_audio_config(pos[0])) explain_audio(*audio, text.hidden_size);
    if (const auto vision = read_vision_config(pos[0]))
      std::cout << describe_vision(*vision, text.hidden_size);
    std::cout << describe_model(read_hub_config(pos[0]), pos[0]);
  }
  return 0;
}

}  // namespace gemma4::cli
