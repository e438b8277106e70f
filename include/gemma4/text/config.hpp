// gemma4/text/config.hpp: the architecture of a Gemma 4 text decoder, as data.
//
// A TextConfig holds the numbers of Hugging Face's `Gemma4TextConfig` (spec text-decoder.md §1.1)
// after its post-init rules (§1.2). layer_spec(config, i) derives the geometry of layer i (§1.3):
//
//   d_i      = global_head_dim if layer i is full (and global_head_dim > 0), else head_dim
//   k_eq_v_i = attention_k_eq_v and layer i is full (V is v_norm of the raw K projection)
//   kv_i     = num_global_key_value_heads if k_eq_v_i (falling back to num_key_value_heads)
//   shared_i = i >= first_shared = L - num_kv_shared_layers
//   src_i    = the LAST j < first_shared with layer_types[j] == layer_types[i] (shared layers)
//   I_i      = 2 * intermediate_size if use_double_wide_mlp and shared_i, else intermediate_size
//
// The same struct serves the four compile-time variants (variants.hpp, where it is constexpr) and
// any config.json read at run time (io/config_json.hpp), the way Eigen serves fixed and Dynamic
// sizes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gemma4/core/config_fields.hpp"
#include "gemma4/core/error.hpp"

namespace gemma4 {

enum class LayerType : std::uint8_t { Sliding, Full };

constexpr std::string_view layer_type_name(LayerType t) {
  return t == LayerType::Full ? "full_attention" : "sliding_attention";
}

/// `rope_parameters[layer_type]`: "default" rotates all channels, "proportional" only the first
/// partial_rotary_factor * head_dim / 2 channels of each half (see rope.hpp).
enum class RopeType : std::uint8_t { Default, Proportional };

struct RopeParameters {
  RopeType rope_type = RopeType::Default;
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;  // used by Proportional only
  friend constexpr bool operator==(const RopeParameters&, const RopeParameters&) = default;
};

/// Layer counts up to this are supported (the largest release has 60).
inline constexpr int kMaxLayers = 256;

/// The architecture of the text decoder. Field names are the config.json keys.
struct TextConfig {
  int vocab_size = 262144;             // V: rows of embed_tokens, width of the (tied) LM head
  int hidden_size = 2304;              // H: residual width
  int intermediate_size = 9216;        // I: dense MLP width (26B-A4B: the MLP beside the experts)
  int num_hidden_layers = 30;          // L
  int num_attention_heads = 8;         // nH: query heads on every layer
  int num_key_value_heads = 4;         // KV heads of sliding layers (and full ones without k_eq_v)
  int head_dim = 256;                  // head dim of sliding layers
  int global_head_dim = 512;           // head dim of full layers (0: same as head_dim)
  int num_global_key_value_heads = 0;  // KV heads of k_eq_v full layers (0: null)
  bool attention_k_eq_v = false;       // full layers have no v_proj; V = v_norm(raw k_proj(x))
  int sliding_window = 512;            // W: a sliding query sees itself and W-1 earlier tokens
  std::array<LayerType, kMaxLayers> layer_types{};  // first num_hidden_layers entries are used
  RopeParameters rope_sliding{RopeType::Default, 10000.0, 1.0};
  RopeParameters rope_full{RopeType::Proportional, 1000000.0, 0.25};
  double final_logit_softcapping = 30.0;  // logits = c * tanh(logits / c); 0: no softcap
  double rms_norm_eps = 1e-6;
  int hidden_size_per_layer_input = 256;  // P: Per-Layer Embedding width; 0: PLE off
  int vocab_size_per_layer_input = 262144;
  int num_kv_shared_layers = 0;       // S: the last S layers reuse K/V of earlier layers
  bool use_double_wide_mlp = false;   // KV-shared layers get an MLP of width 2 I
  bool enable_moe_block = false;      // routed experts beside the dense MLP in every layer
  int num_experts = 0;                // E
  int top_k_experts = 0;              // K
  int moe_intermediate_size = 0;      // I_moe
  bool bidirectional_vision = false;  // use_bidirectional_attention == "vision"
  bool tie_word_embeddings = true;    // LM head = embed_tokens (every release); else lm_head
  int pad_token_id = 0;
  int eos_token_id = 1;
  int bos_token_id = 2;

  constexpr int num_layers() const { return num_hidden_layers; }
  constexpr bool has_ple() const { return hidden_size_per_layer_input > 0; }
  constexpr int first_kv_shared_layer() const { return num_hidden_layers - num_kv_shared_layers; }
  constexpr LayerType layer_type(int i) const { return layer_types[static_cast<std::size_t>(i)]; }
};

/// The scalar fields of TextConfig by config.json key, with HF's rules for absent and null values
/// (core/config_fields.hpp): the one list that reading, writing, comparing and `explain` use.
/// Read by hand in io/config_json.hpp, because they are not scalars or have rules of their own:
/// layer_types (missing: the 6-period pattern; the last layer forced full), rope_parameters (one
/// dict per layer type, or one flat dict for both), per_layer_config (full-layer geometry of
/// transformers >= 5.15), eos_token_id (an int or a list: the first counts),
/// use_bidirectional_attention ("vision" or null), tie_word_embeddings (missing: the wrapper's
/// key, then true), and the constants checked but not stored (hidden_activation, attention_bias).
constexpr auto text_config_fields() {
  using C = TextConfig;
  using enum FieldRule;
  // clang-format off
  return std::tuple{
      //           config.json key                member                                rule
      config_field("vocab_size",                  &C::vocab_size),
      config_field("hidden_size",                 &C::hidden_size),
      config_field("intermediate_size",           &C::intermediate_size),
      config_field("num_hidden_layers",           &C::num_hidden_layers),
      config_field("num_attention_heads",         &C::num_attention_heads),
      config_field("num_key_value_heads",         &C::num_key_value_heads),
      config_field("head_dim",                    &C::head_dim),
      config_field("global_head_dim",             &C::global_head_dim,             NullIsZero),
      config_field("num_global_key_value_heads",  &C::num_global_key_value_heads,  NoneIsZero),
      config_field("attention_k_eq_v",            &C::attention_k_eq_v,            ZeroIfAbsent),
      config_field("sliding_window",              &C::sliding_window),
      config_field("final_logit_softcapping",     &C::final_logit_softcapping,     NoneIsZero),
      config_field("rms_norm_eps",                &C::rms_norm_eps),
      config_field("hidden_size_per_layer_input", &C::hidden_size_per_layer_input, NullIsZero),
      config_field("vocab_size_per_layer_input",  &C::vocab_size_per_layer_input),
      config_field("num_kv_shared_layers",        &C::num_kv_shared_layers,        ZeroIfAbsent),
      config_field("use_double_wide_mlp",         &C::use_double_wide_mlp,         ZeroIfAbsent),
      config_field("enable_moe_block",            &C::enable_moe_block,            ZeroIfAbsent),
      config_field("num_experts",                 &C::num_experts,                 NoneIsZero),
      config_field("top_k_experts",               &C::top_k_experts,               NoneIsZero),
      config_field("moe_intermediate_size",       &C::moe_intermediate_size,       NoneIsZero),
      config_field("tie_word_embeddings",         &C::tie_word_embeddings),
      config_field("pad_token_id",                &C::pad_token_id),
      config_field("bos_token_id",                &C::bos_token_id),
  };
  // clang-format on
}

/// HF's default layer pattern (§1.2): layer i is full when (i+1) % period == 0; the last layer
/// is always full.
constexpr void set_layer_pattern(TextConfig& c, int period) {
  for (int i = 0; i < c.num_hidden_layers; ++i)
    c.layer_types[static_cast<std::size_t>(i)] =
        (i + 1) % period == 0 ? LayerType::Full : LayerType::Sliding;
  if (c.num_hidden_layers > 0)
    c.layer_types[static_cast<std::size_t>(c.num_hidden_layers - 1)] = LayerType::Full;
}

/// The derived geometry of one decoder layer (§1.3).
struct LayerSpec {
  int index = 0;
  LayerType type = LayerType::Sliding;
  int num_heads = 0;       // nH
  int head_dim = 0;        // d_i
  int num_kv_heads = 0;    // kv_i
  bool k_eq_v = false;     // no v_proj: V = v_norm(raw K)
  bool kv_shared = false;  // no k_proj / v_proj / k_norm: reads K/V of kv_source
  int kv_source = 0;       // the layer whose K/V this layer attends over (itself when not shared)
  bool stores_kv = false;  // publishes its K/V to shared layers (last non-shared of its type)
  int intermediate_size = 0;  // I_i
  bool moe = false;
  RopeParameters rope{};

  constexpr int q_width() const { return num_heads * head_dim; }         // q_proj rows, o_proj cols
  constexpr int kv_width() const { return num_kv_heads * head_dim; }     // k_proj / v_proj rows
  constexpr int group_size() const { return num_heads / num_kv_heads; }  // query heads per KV head
  constexpr bool has_v_proj() const { return !kv_shared && !k_eq_v; }
  friend constexpr bool operator==(const LayerSpec&, const LayerSpec&) = default;
};

/// The geometry of layer i of config c (spec §1.3).
constexpr LayerSpec layer_spec(const TextConfig& c, int i) {
  LayerSpec s;
  s.index = i;
  s.type = c.layer_type(i);
  const bool full = s.type == LayerType::Full;
  s.num_heads = c.num_attention_heads;
  s.head_dim = full && c.global_head_dim > 0 ? c.global_head_dim : c.head_dim;
  s.k_eq_v = c.attention_k_eq_v && full;
  s.num_kv_heads = s.k_eq_v && c.num_global_key_value_heads > 0 ? c.num_global_key_value_heads
                                                                : c.num_key_value_heads;
  const int first_shared = c.first_kv_shared_layer();
  s.kv_shared = c.num_kv_shared_layers > 0 && i >= first_shared;
  // The source of a shared layer is the last non-shared layer of the same type; a non-shared
  // layer stores for the shared ones when it is that layer.
  int last_of_type = -1;
  for (int j = 0; j < first_shared; ++j)
    if (c.layer_type(j) == s.type) last_of_type = j;
  s.kv_source = s.kv_shared ? last_of_type : i;
  s.stores_kv = c.num_kv_shared_layers > 0 && !s.kv_shared && i == last_of_type;
  s.intermediate_size =
      c.use_double_wide_mlp && s.kv_shared ? 2 * c.intermediate_size : c.intermediate_size;
  s.moe = c.enable_moe_block;
  s.rope = full ? c.rope_full : c.rope_sliding;
  return s;
}

/// Layer specs of every layer of a config whose layer count is a compile-time constant.
template <int L>
constexpr std::array<LayerSpec, L> layer_table(const TextConfig& c) {
  std::array<LayerSpec, L> t{};
  for (int i = 0; i < L; ++i) t[static_cast<std::size_t>(i)] = layer_spec(c, i);
  return t;
}

/// Layer specs of every layer of a run-time config.
inline std::vector<LayerSpec> layer_table(const TextConfig& c) {
  std::vector<LayerSpec> t;
  t.reserve(static_cast<std::size_t>(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) t.push_back(layer_spec(c, i));
  return t;
}

namespace detail {

/// The rules a config must obey; each is used by static_assert for the compile-time variants
/// (variants.hpp) and by validate() for configs read at run time, with the same message.
/// RULE(condition, message) must hold for every valid config `c`.
// clang-format off
#define GEMMA4_TEXT_CONFIG_RULES(RULE, c)                                                        \
  RULE((c).vocab_size > 0 && (c).hidden_size > 0 && (c).intermediate_size > 0,                  \
       "vocab_size, hidden_size and intermediate_size must be positive")                        \
  RULE((c).num_hidden_layers > 0 && (c).num_hidden_layers <= ::gemma4::kMaxLayers,              \
       "num_hidden_layers must be between 1 and kMaxLayers")                                    \
  RULE((c).num_attention_heads > 0 && (c).num_key_value_heads > 0 && (c).head_dim > 0,          \
       "num_attention_heads, num_key_value_heads and head_dim must be positive")                \
  RULE((c).head_dim % 2 == 0 && (c).global_head_dim % 2 == 0,                                   \
       "head_dim and global_head_dim must be even (RoPE rotates pairs of halves)")              \
  RULE((c).num_attention_heads % (c).num_key_value_heads == 0,                                  \
       "num_attention_heads must be a multiple of num_key_value_heads")                         \
  RULE(!(c).attention_k_eq_v || (c).num_global_key_value_heads == 0 ||                          \
           (c).num_attention_heads % (c).num_global_key_value_heads == 0,                       \
       "num_attention_heads must be a multiple of num_global_key_value_heads")                  \
  RULE((c).sliding_window > 0, "sliding_window must be positive")                               \
  RULE((c).layer_types[static_cast<std::size_t>((c).num_hidden_layers - 1)] ==                  \
           ::gemma4::LayerType::Full,                                                           \
       "the last layer must be full attention")                                                 \
  RULE((c).num_kv_shared_layers >= 0 && (c).num_kv_shared_layers < (c).num_hidden_layers,       \
       "num_kv_shared_layers must be in [0, num_hidden_layers)")                                \
  RULE(::gemma4::detail::shared_layers_have_sources(c),                                         \
       "every KV-shared layer needs an earlier non-shared layer of the same attention type")    \
  RULE((c).hidden_size_per_layer_input >= 0 &&                                                  \
           (!(c).has_ple() || (c).vocab_size_per_layer_input > 0),                              \
       "PLE needs hidden_size_per_layer_input >= 0 and vocab_size_per_layer_input > 0")         \
  RULE(!(c).enable_moe_block || ((c).num_experts > 0 && (c).top_k_experts > 0 &&                \
                                 (c).top_k_experts <= (c).num_experts &&                        \
                                 (c).moe_intermediate_size > 0),                                \
       "a MoE config needs num_experts >= top_k_experts > 0 and moe_intermediate_size > 0")     \
  RULE((c).rms_norm_eps > 0, "rms_norm_eps must be positive")                                   \
  RULE((c).rope_sliding.rope_theta > 0 && (c).rope_full.rope_theta > 0,                         \
       "rope_theta must be positive")                                                           \
  RULE((c).rope_full.partial_rotary_factor > 0 && (c).rope_full.partial_rotary_factor <= 1 &&   \
           (c).rope_sliding.partial_rotary_factor > 0 &&                                        \
           (c).rope_sliding.partial_rotary_factor <= 1,                                         \
       "partial_rotary_factor must be in (0, 1]")                                               \
  RULE((c).final_logit_softcapping >= 0, "final_logit_softcapping must be >= 0 (0: none)")
// clang-format on

constexpr bool shared_layers_have_sources(const TextConfig& c) {
  if (c.num_hidden_layers <= 0 || c.num_hidden_layers > kMaxLayers) return true;  // other rule
  for (int i = c.first_kv_shared_layer(); i < c.num_hidden_layers; ++i)
    if (c.num_kv_shared_layers > 0 && layer_spec(c, i).kv_source < 0) return false;
  return true;
}

}  // namespace detail

/// Every rule of GEMMA4_TEXT_CONFIG_RULES that `c` breaks, as messages (empty when valid).
inline std::vector<std::string> config_errors(const TextConfig& c) {
  std::vector<std::string> errors;
#define GEMMA4_COLLECT_RULE(cond, message) \
  if (!(cond)) errors.emplace_back(message);
  GEMMA4_TEXT_CONFIG_RULES(GEMMA4_COLLECT_RULE, c)
#undef GEMMA4_COLLECT_RULE
  return errors;
}

/// Throws gemma4::Error listing every rule `c` breaks; `where` names the source (a file).
inline void validate(const TextConfig& c, std::string_view where) {
  throw_config_errors(config_errors(c), where, "invalid Gemma 4 text config");
}

/// Every field in which `actual` differs from `expected`, one line each
/// ("hidden_size: expected 1536, got 2048"). Used to check a checkpoint against a compiled variant.
inline std::vector<std::string> config_mismatches(const TextConfig& expected,
                                                  const TextConfig& actual) {
  std::vector<std::string> out = config_field_mismatches(expected, actual, text_config_fields());
  auto field = [&](std::string_view name, const auto& e, const auto& a) {
    if (!(e == a)) out.push_back(detail::concat(name, ": expected ", e, ", got ", a));
  };
  field("rope_sliding.rope_theta", expected.rope_sliding.rope_theta,
        actual.rope_sliding.rope_theta);
  field("rope_full.rope_theta", expected.rope_full.rope_theta, actual.rope_full.rope_theta);
  field("rope_full.partial_rotary_factor", expected.rope_full.partial_rotary_factor,
        actual.rope_full.partial_rotary_factor);
  field("eos_token_id", expected.eos_token_id, actual.eos_token_id);
  field("bidirectional_vision", expected.bidirectional_vision, actual.bidirectional_vision);
  if (expected.rope_sliding.rope_type != actual.rope_sliding.rope_type ||
      expected.rope_full.rope_type != actual.rope_full.rope_type)
    out.emplace_back("rope_parameters: rope types differ");
  const int n = std::min(expected.num_hidden_layers, actual.num_hidden_layers);
  for (int i = 0; i < n; ++i)
    if (expected.layer_type(i) != actual.layer_type(i))
      out.push_back(detail::concat("layer_types[", i, "]: expected ",
                                   layer_type_name(expected.layer_type(i)), ", got ",
                                   layer_type_name(actual.layer_type(i))));
  return out;
}

}  // namespace gemma4
