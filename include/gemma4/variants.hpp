// gemma4/variants.hpp: the four released Gemma 4 checkpoints as compile-time types.
//
//   gemma4::TextModel<gemma4::E2B, float>         on-device: PLE, KV sharing, double-wide MLP
//   gemma4::TextModel<gemma4::E4B, float>         on-device: PLE, KV sharing
//   gemma4::TextModel<gemma4::MoE26B_A4B, float>  128 routed experts (top-8) beside a dense MLP
//   gemma4::TextModel<gemma4::Dense31B, float>    dense
//   gemma4::TextModel<gemma4::Dynamic, float>     any shape, read from config.json at run time
//
// A variant is a type with a constexpr TextConfig `text`, a VisionConfig `vision`, for E2B and E4B
// an AudioConfig `audio` (26B-A4B and 31B have no audio tower), and a `name`; its
// numbers are those of spec variants.md §1 (HF convert_gemma4_weights.py `_VARIANTS` and the
// released config.json files). Per-layer tables are computed once, at compile time (`layers`), and
// every variant is checked by CheckedVariant: a config that breaks a rule does not compile.
#pragma once

#include <string_view>
#include <type_traits>

#include "gemma4/audio/config.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/vision/config.hpp"

namespace gemma4 {

/// Marker for "the config is read at run time" (like Eigen::Dynamic for sizes).
struct Dynamic {};

namespace detail {
constexpr TextConfig with_pattern(TextConfig c, int period) {
  set_layer_pattern(c, period);
  return c;
}
}  // namespace detail

/// gemma-4-E2B: 35 layers [s,s,s,s,f] x 7; layers 15-34 reuse K/V of 13 (sliding) / 14 (full).
struct E2B {
  static constexpr std::string_view name = "E2B";
  static constexpr VisionConfig vision = kVisionSmall;  // vision/config.hpp
  static constexpr AudioConfig audio = kAudioTower;     // audio/config.hpp: 1024 x 12 blocks
  static constexpr TextConfig text = detail::with_pattern(
      TextConfig{
          .vocab_size = 262144,
          .hidden_size = 1536,        // sqrt(1536) = 39.19 embedding scale
          .intermediate_size = 6144,  // 12288 on the KV-shared layers (double-wide)
          .num_hidden_layers = 35,
          .num_attention_heads = 8,  // 8 heads x 256 = 2048 (sliding), x 512 = 4096 (full)
          .num_key_value_heads = 1,  // GQA 8:1
          .head_dim = 256,
          .global_head_dim = 512,
          .num_global_key_value_heads = 0,  // null: full layers also have 1 KV head
          .attention_k_eq_v = false,
          .sliding_window = 512,
          .hidden_size_per_layer_input = 256,  // PLE: 35 x 256 = 8960 columns per token
          .vocab_size_per_layer_input = 262144,
          .num_kv_shared_layers = 20,  // first shared layer 35 - 20 = 15
          .use_double_wide_mlp = true,
      },
      5);
};

/// gemma-4-E4B: 42 layers [s x5, f] x 7; layers 24-41 reuse K/V of 22 (sliding) / 23 (full).
struct E4B {
  static constexpr std::string_view name = "E4B";
  static constexpr VisionConfig vision = kVisionSmall;  // vision/config.hpp
  static constexpr AudioConfig audio = kAudioTower;     // audio/config.hpp: 1024 x 12 blocks
  static constexpr TextConfig text = detail::with_pattern(
      TextConfig{
          .vocab_size = 262144,
          .hidden_size = 2560,  // sqrt(2560) = 50.60
          .intermediate_size = 10240,
          .num_hidden_layers = 42,
          .num_attention_heads = 8,  // 8 x 256 = 2048 (sliding), 8 x 512 = 4096 (full)
          .num_key_value_heads = 2,  // GQA 4:1
          .head_dim = 256,
          .global_head_dim = 512,
          .num_global_key_value_heads = 0,
          .attention_k_eq_v = false,
          .sliding_window = 512,
          .hidden_size_per_layer_input = 256,  // 42 x 256 = 10752
          .vocab_size_per_layer_input = 262144,
          .num_kv_shared_layers = 18,  // first shared layer 42 - 18 = 24
      },
      6);
};

/// gemma-4-26B-A4B: 30 layers [s x5, f] x 5, each with a dense MLP (2112) beside 128 experts
/// (704 wide) of which 8 are active per token; full layers use k_eq_v with 2 KV heads.
struct MoE26B_A4B {
  static constexpr std::string_view name = "26B-A4B";
  static constexpr VisionConfig vision = kVisionLarge;  // vision/config.hpp
  static constexpr TextConfig text = detail::with_pattern(
      TextConfig{
          .vocab_size = 262144,
          .hidden_size = 2816,        // sqrt(2816) = 53.07
          .intermediate_size = 2112,  // the always-on dense MLP
          .num_hidden_layers = 30,
          .num_attention_heads = 16,  // 16 x 256 = 4096 (sliding), 16 x 512 = 8192 (full)
          .num_key_value_heads = 8,   // sliding: GQA 2:1
          .head_dim = 256,
          .global_head_dim = 512,
          .num_global_key_value_heads = 2,  // full: GQA 8:1, V = v_norm(raw K)
          .attention_k_eq_v = true,
          .sliding_window = 1024,
          .hidden_size_per_layer_input = 0,  // no PLE
          .vocab_size_per_layer_input = 262144,
          .num_kv_shared_layers = 0,
          .enable_moe_block = true,
          .num_experts = 128,  // 8 active, 120 idle per token
          .top_k_experts = 8,
          .moe_intermediate_size = 704,
          .bidirectional_vision = true,
      },
      6);
};

/// gemma-4-31B: 60 dense layers [s x5, f] x 10; full layers use k_eq_v with 4 KV heads.
struct Dense31B {
  static constexpr std::string_view name = "31B";
  static constexpr VisionConfig vision = kVisionLarge;  // vision/config.hpp
  static constexpr TextConfig text = detail::with_pattern(
      TextConfig{
          .vocab_size = 262144,
          .hidden_size = 5376,  // sqrt(5376) = 73.32
          .intermediate_size = 21504,
          .num_hidden_layers = 60,
          .num_attention_heads = 32,  // 32 x 256 = 8192 (sliding), 32 x 512 = 16384 (full)
          .num_key_value_heads = 16,  // sliding: GQA 2:1
          .head_dim = 256,
          .global_head_dim = 512,
          .num_global_key_value_heads = 4,  // full: GQA 8:1
          .attention_k_eq_v = true,
          .sliding_window = 1024,
          .hidden_size_per_layer_input = 0,
          .vocab_size_per_layer_input = 262144,
          .num_kv_shared_layers = 0,
          .bidirectional_vision = true,
      },
      6);
};

/// The static_asserts of GEMMA4_VISION_CONFIG_RULES on C::vision, for variants that have one.
template <class C>
concept HasVisionConfig = requires {
  C::vision;
};
template <class C, bool = HasVisionConfig<C>>
struct CheckedVisionOf {};
template <class C>
struct CheckedVisionOf<C, true> : CheckedVision<C::vision> {};

/// Whether variant C has an audio tower (an AudioConfig member `audio`: E2B and E4B).
template <class C>
concept HasAudioConfig = requires {
  C::audio;
};
template <class C>
inline constexpr bool has_audio_tower_v = HasAudioConfig<C>;
/// The static_asserts of GEMMA4_AUDIO_CONFIG_RULES on C::audio, for variants that have one.
template <class C, bool = HasAudioConfig<C>>
struct CheckedAudioOf {};
template <class C>
struct CheckedAudioOf<C, true> : CheckedAudio<C::audio> {};

template <class C>
inline constexpr bool is_dynamic_config_v = std::is_same_v<C, Dynamic>;

/// Compile-time checks of a variant type C: every rule of GEMMA4_TEXT_CONFIG_RULES as a
/// static_assert with its message, and the per-layer table computed once.
template <class C>
struct CheckedVariant {
  static constexpr const TextConfig& text = C::text;
#define GEMMA4_STATIC_RULE(cond, message) static_assert(cond, "gemma4 config: " message);
  GEMMA4_TEXT_CONFIG_RULES(GEMMA4_STATIC_RULE, C::text)
#undef GEMMA4_STATIC_RULE
  // The vision tower (`vision`, vision/config.hpp), when the variant has one.
  static constexpr CheckedVisionOf<C> vision_rules{};
  // The audio tower (`audio`, audio/config.hpp), when the variant has one.
  static constexpr CheckedAudioOf<C> audio_rules{};
  static constexpr auto layers = layer_table<C::text.num_hidden_layers>(C::text);
};

/// The variant whose name (E2B, E4B, 26B-A4B, 31B) is `name`, passed to f as a type tag;
/// returns false when no variant has that name.
template <class F>
bool visit_variant(std::string_view name, F&& f) {
  if (name == E2B::name) return f(std::type_identity<E2B>{}), true;
  if (name == E4B::name) return f(std::type_identity<E4B>{}), true;
  if (name == MoE26B_A4B::name) return f(std::type_identity<MoE26B_A4B>{}), true;
  if (name == Dense31B::name) return f(std::type_identity<Dense31B>{}), true;
  return false;
}

}  // namespace gemma4
