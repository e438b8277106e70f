// gemma4/reference/parameter_count.hpp: how many parameters a text decoder has, from its config
// alone (spec variants.md §6).
//
//   total      = every tensor of expected_text_tensors(c) (embedding, PLE table and projection,
//                all layers with norms, layer_scalar, router and experts, final norm); the tied
//                LM head is the embedding and KV-shared layers carry no k/v tensors
//   effective  = total - PLE table (V_ple * L * P)            the "E" in E2B / E4B
//   active     = total - L * (E - K) * 3 * I_moe * H          MoE: the experts a token does not use
//
// Model-card figures these reproduce (variants.md §6.2): E2B 2.3 B effective, 26B-A4B 25.2 B
// total / 3.8 B active, 31B 30.7 B.
// The audio tower (E2B, E4B) is counted from expected_audio_tower_tensors (scalar clip bounds
// included): 304 825 088; embed_audio is text hidden x 1536 (E2B 2 359 296, E4B 3 932 160).
// describe() renders them with the per-layer table; it is what `gemma4 explain` prints.
//
// The whole model (count_model_parameters, describe_model; variants.md §6.1 "everything", §6.2):
//   with towers     = text total + vision tower + embed_vision + audio tower + embed_audio
//                     E2B 5 104 298 467, E4B 7 941 101 802, 26B-A4B 25 805 936 206,
//                     31B 31 273 088 876
//   without towers  = text total (E2B 4 628 569 379, ..., 31B 30 697 345 340)
//   without embedding tables = with towers - V * H - V_ple * L * P   (E2B 2.353 B, E4B 4.451 B)
// The model cards count E2B / E4B with their towers (5.1 B, 8 B) and 26B-A4B / 31B without
// (25.2 B, 30.7 B); 26B-A4B active with the vision tower is 4.395 B.
#pragma once

#include <cstdint>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>

#include "gemma4/audio/weights.hpp"
#include "gemma4/io/hub_config.hpp"
#include "gemma4/text/weights.hpp"
#include "gemma4/vision/weights.hpp"

namespace gemma4 {

struct ParameterCounts {
  std::int64_t embedding = 0;       // embed_tokens V * H (also the tied LM head)
  std::int64_t ple_table = 0;       // embed_tokens_per_layer V_ple * L * P
  std::int64_t ple_projection = 0;  // per_layer_model_projection + per_layer_projection_norm
  std::int64_t layers = 0;          // all decoder layers + the final norm
  std::int64_t idle_experts = 0;    // expert parameters a token does not use (MoE)

  std::int64_t total() const { return embedding + ple_table + ple_projection + layers; }
  std::int64_t effective() const { return total() - ple_table; }
  std::int64_t active() const { return total() - idle_experts; }
};

/// Counts the parameters of config c from the tensor table.
inline ParameterCounts count_parameters(const TextConfig& c) {
  ParameterCounts n;
  for (const TensorSpec& t : expected_text_tensors(c)) {
    std::int64_t size = 1;
    for (std::int64_t d : t.shape) size *= d;
    if (t.name == "embed_tokens.weight")
      n.embedding += size;
    else if (t.name == "embed_tokens_per_layer.weight")
      n.ple_table += size;
    else if (t.name == "per_layer_model_projection.weight" ||
             t.name == "per_layer_projection_norm.weight")
      n.ple_projection += size;
    else
      n.layers += size;
  }
  if (c.enable_moe_block)
    n.idle_experts = std::int64_t{c.num_hidden_layers} * (c.num_experts - c.top_k_experts) * 3 *
                     c.moe_intermediate_size * c.hidden_size;
  return n;
}

namespace detail {
inline std::string billions(std::int64_t n) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << static_cast<double>(n) / 1e9 << " B";
  return s.str();
}
inline std::string grouped(std::int64_t n) {
  std::string d = std::to_string(n), out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out += ' ';
    out += d[i];
  }
  return out;
}
}  // namespace detail

/// A human-readable account of config c: the per-layer table and the parameter counts.
inline std::string describe(const TextConfig& c, std::string_view name) {
  std::ostringstream o;
  o << "Gemma 4 " << name << " text decoder\n"
    << "  hidden " << c.hidden_size << ", layers " << c.num_hidden_layers << ", heads "
    << c.num_attention_heads << ", vocab " << c.vocab_size << ", sliding window "
    << c.sliding_window << ", softcap " << c.final_logit_softcapping << "\n";
  if (c.has_ple())
    o << "  Per-Layer Embeddings: " << c.num_hidden_layers << " x " << c.hidden_size_per_layer_input
      << " = " << c.num_hidden_layers * c.hidden_size_per_layer_input << " per token\n";
  if (c.enable_moe_block)
    o << "  MoE: " << c.num_experts << " routed experts of width " << c.moe_intermediate_size
      << " + 1 always-on dense MLP of width " << c.intermediate_size << "; " << c.top_k_experts
      << " routed active, " << c.num_experts - c.top_k_experts << " routed idle per token\n";
  o << "\n  layer  type     head_dim  q_heads  kv_heads  K/V           mlp_width\n";
  for (const LayerSpec& s : layer_table(c)) {
    std::string kv = s.kv_shared   ? "shared<-" + std::to_string(s.kv_source)
                     : s.k_eq_v    ? "own, k_eq_v"
                     : s.stores_kv ? "own, source"
                                   : "own";
    o << "  " << std::setw(5) << s.index << "  " << std::left << std::setw(7)
      << (s.type == LayerType::Full ? "full" : "sliding") << std::right << std::setw(10)
      << s.head_dim << std::setw(9) << s.num_heads << std::setw(10)
      << (s.kv_shared ? 0 : s.num_kv_heads) << "  " << std::left << std::setw(14) << kv
      << std::right << std::setw(9) << s.intermediate_size << (s.moe ? " + experts" : "") << "\n";
  }
  const ParameterCounts n = count_parameters(c);
  using detail::billions, detail::grouped;
  o << "\n  parameters\n"
    << "    embedding (tied LM head)  " << std::setw(16) << grouped(n.embedding) << "\n";
  if (c.has_ple())
    o << "    PLE table                 " << std::setw(16) << grouped(n.ple_table) << "\n"
      << "    PLE projection + norm     " << std::setw(16) << grouped(n.ple_projection) << "\n";
  o << "    layers + final norm       " << std::setw(16) << grouped(n.layers) << "\n"
    << "    total                     " << std::setw(16) << grouped(n.total()) << "  ("
    << billions(n.total()) << ")\n";
  if (c.has_ple())
    o << "    effective (without PLE)   " << std::setw(16) << grouped(n.effective()) << "  ("
      << billions(n.effective()) << ")\n";
  if (c.enable_moe_block)
    o << "    active per token          " << std::setw(16) << grouped(n.active()) << "  ("
      << billions(n.active()) << ")\n";
  return o.str();
}

/// Parameters of the audio path: the tower and the embed_audio projector.
struct AudioParameterCounts {
  std::int64_t subsampling = 0;  // subsample_conv_projection.*
  std::int64_t blocks = 0;       // layers.*
  std::int64_t output_proj = 0;  // output_proj weight + bias
  std::int64_t embed_audio = 0;  // embed_audio.embedding_projection
  std::int64_t tower() const { return subsampling + blocks + output_proj; }
};

/// Counts the audio parameters of config c for a text model of width text_hidden.
inline AudioParameterCounts count_audio_parameters(const AudioConfig& c, std::int64_t text_hidden) {
  AudioParameterCounts n;
  for (const AudioTensorSpec& t : expected_audio_tower_tensors(c)) {
    std::int64_t size = 1;
    for (std::int64_t d : t.shape) size *= d;
    const std::string_view name = std::string_view(t.name).substr(kAudioTowerPrefix.size());
    (name.starts_with("subsample") ? n.subsampling
     : name.starts_with("layers.") ? n.blocks
                                   : n.output_proj) += size;
  }
  for (const AudioTensorSpec& t : expected_embed_audio_tensors(c, text_hidden))
    n.embed_audio += t.shape[0] * t.shape[1];
  return n;
}

/// A human-readable account of the audio path of a model: its config and parameter counts.
inline std::string describe_audio(const AudioConfig& c, std::int64_t text_hidden) {
  const AudioParameterCounts n = count_audio_parameters(c, text_hidden);
  using detail::grouped;
  std::ostringstream o;
  o << "\n  audio tower: hidden " << c.hidden_size << " (" << c.num_attention_heads << " heads x "
    << c.head_dim() << "), " << c.num_hidden_layers << " conformer blocks, subsampling channels ["
    << c.subsampling_conv_channels[0] << ", " << c.subsampling_conv_channels[1]
    << "],\n    attention chunk " << c.attention_chunk_size << " / left context "
    << c.attention_context_left << ", output " << c.output_proj_dims << " -> text " << text_hidden
    << "; 25 soft tokens per second\n"
    << "    subsampling               " << std::setw(16) << grouped(n.subsampling) << "\n"
    << "    conformer blocks          " << std::setw(16) << grouped(n.blocks) << "\n"
    << "    output_proj               " << std::setw(16) << grouped(n.output_proj) << "\n"
    << "    audio tower               " << std::setw(16) << grouped(n.tower()) << "\n"
    << "    embed_audio               " << std::setw(16) << grouped(n.embed_audio) << "\n";
  return o.str();
}

/// Parameters of the vision path (spec variants.md §6): the tower and the embed_vision projector.
struct VisionParameterCounts {
  std::int64_t input_proj = 0;      // patch_embedder.input_proj
  std::int64_t position_table = 0;  // patch_embedder.position_embedding_table
  std::int64_t layers = 0;          // encoder.layers.* (with norms and clip bounds)
  std::int64_t standardize = 0;     // std_bias + std_scale
  std::int64_t embed_vision = 0;    // embed_vision.embedding_projection
  std::int64_t tower() const { return input_proj + position_table + layers + standardize; }
};

/// Counts the vision parameters of config c for a text model of width text_hidden (every tensor
/// of expected_vision_tensors, scalar clip bounds included).
inline VisionParameterCounts count_vision_parameters(const VisionConfig& c,
                                                     std::int64_t text_hidden) {
  VisionParameterCounts n;
  for (const TensorSpec& t : expected_vision_tensors(c, static_cast<int>(text_hidden))) {
    std::int64_t size = 1;
    for (std::int64_t d : t.shape) size *= d;
    const std::string_view name(t.name);
    (name.starts_with(kEmbedVisionPrefix)                        ? n.embed_vision
     : name.ends_with("input_proj.weight")                       ? n.input_proj
     : name.ends_with("position_embedding_table")                ? n.position_table
     : name.ends_with("std_bias") || name.ends_with("std_scale") ? n.standardize
                                                                 : n.layers) += size;
  }
  return n;
}

/// A human-readable account of the vision path of a model: its config and parameter counts.
inline std::string describe_vision(const VisionConfig& c, std::int64_t text_hidden) {
  const VisionParameterCounts n = count_vision_parameters(c, text_hidden);
  using detail::grouped;
  std::ostringstream o;
  o << "\n  vision tower: hidden " << c.hidden_size << " (" << c.num_attention_heads << " heads x "
    << c.head_dim << "), " << c.num_hidden_layers << " encoder layers, MLP " << c.intermediate_size
    << ", clipped linears " << (c.use_clipped_linears ? "on" : "off") << ", standardize "
    << (c.standardize ? "on" : "off") << ";\n    patches of " << c.patch_size
    << " px, one soft token per " << c.soft_token_side() << " x " << c.soft_token_side()
    << " px, default budget " << c.default_output_length << " soft tokens; embed_vision "
    << c.hidden_size << " -> text " << text_hidden << "\n"
    << "    patch input_proj          " << std::setw(16) << grouped(n.input_proj) << "\n"
    << "    position table            " << std::setw(16) << grouped(n.position_table) << "\n"
    << "    encoder layers            " << std::setw(16) << grouped(n.layers) << "\n";
  if (c.standardize)
    o << "    standardize               " << std::setw(16) << grouped(n.standardize) << "\n";
  o << "    vision tower              " << std::setw(16) << grouped(n.tower()) << "\n"
    << "    embed_vision              " << std::setw(16) << grouped(n.embed_vision) << "\n";
  return o.str();
}

/// The parameters of a whole checkpoint: the text decoder and the towers it has.
struct ModelParameterCounts {
  ParameterCounts text;
  std::optional<VisionParameterCounts> vision;  // tower + embed_vision
  std::optional<AudioParameterCounts> audio;    // tower + embed_audio

  std::int64_t towers() const {
    return (vision ? vision->tower() + vision->embed_vision : 0) +
           (audio ? audio->tower() + audio->embed_audio : 0);
  }
  std::int64_t with_towers() const { return text.total() + towers(); }  // "everything"
  std::int64_t without_towers() const { return text.total(); }
  /// Everything but the two token tables V * H and V_ple * L * P.
  std::int64_t without_embedding_tables() const {
    return with_towers() - text.embedding - text.ple_table;
  }
  /// Active per token with the towers (MoE: the idle experts left out).
  std::int64_t active_with_towers() const { return with_towers() - text.idle_experts; }
};

/// Counts every tensor of h (expected_text_tensors, expected_vision_tensors,
/// expected_audio_tower_tensors + embed_audio).
inline ModelParameterCounts count_model_parameters(const HubConfig& h) {
  ModelParameterCounts n{count_parameters(h.text), std::nullopt, std::nullopt};
  if (h.vision) n.vision = count_vision_parameters(*h.vision, h.text.hidden_size);
  if (h.audio) n.audio = count_audio_parameters(*h.audio, h.text.hidden_size);
  return n;
}

/// What the model takes ("text, image, audio") and its totals with and without the towers.
inline std::string describe_model(const HubConfig& h, std::string_view name) {
  const ModelParameterCounts n = count_model_parameters(h);
  using detail::billions, detail::grouped;
  std::ostringstream o;
  o << "\n  Gemma 4 " << name << ", the whole model\n    takes                     "
    << "text" << (h.vision ? ", image (and video frames)" : "") << (h.audio ? ", audio" : "")
    << (h.vision ? "" : "; no vision tower") << (h.audio ? "" : "; no audio tower") << "\n";
  auto line = [&](std::string_view label, std::int64_t v) {
    o << "    " << std::left << std::setw(26) << label << std::right << std::setw(16) << grouped(v)
      << "  (" << billions(v) << ")\n";
  };
  line("text decoder", n.text.total());
  if (n.vision) line("vision tower + embed", n.vision->tower() + n.vision->embed_vision);
  if (n.audio) line("audio tower + embed", n.audio->tower() + n.audio->embed_audio);
  line("total with towers", n.with_towers());
  line("total without towers", n.without_towers());
  if (n.text.ple_table > 0) line("without embedding tables", n.without_embedding_tables());
  if (n.text.idle_experts > 0) line("active with towers", n.active_with_towers());
  o << "    (model cards count E2B / E4B with their towers, 26B-A4B / 31B without)\n";
  return o.str();
}

}  // namespace gemma4
