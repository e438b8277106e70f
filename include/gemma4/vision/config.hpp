// gemma4/vision/config.hpp: the architecture of the Gemma 4 vision tower, as data
// (HF `Gemma4VisionConfig`, model_type "gemma4_vision"; spec vision.md §1, variants.md §3).
//
//   field                    E2B / E4B (kVisionSmall)   26B-A4B / 31B (kVisionLarge)
//   hidden_size Dv           768                        1152
//   intermediate_size Iv     3072                       4304
//   num_hidden_layers Lv     16                         27
//   heads x head_dim         12 x 64 = 768              16 x 72 = 1152
//   use_clipped_linears      true                       false
//   standardize              false                      true
//
// Shared by all: patch 16 (a patch is 16 x 16 x 3 = 768 values), pooling kernel 3 (one soft token
// per 3 x 3 patches = 48 x 48 pixels), a learned 2-D position table of 10240 rows per axis, 2-D
// RoPE with theta 100, RMSNorm eps 1e-6, gelu_pytorch_tanh, default budget 280 soft tokens.
//
// The same struct serves the compile-time variants (variants.hpp: `E2B::vision`, checked with
// static_assert) and a `vision_config` read from config.json at run time (vision/config_json.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gemma4/core/config_fields.hpp"
#include "gemma4/core/error.hpp"

namespace gemma4 {

/// The architecture of the vision tower. Field names are the config.json keys.
struct VisionConfig {
  int hidden_size = 768;                // Dv
  int intermediate_size = 3072;         // Iv: gate/up rows, down columns
  int num_hidden_layers = 16;           // Lv encoder layers (no final norm after them)
  int num_attention_heads = 12;         // Hv
  int num_key_value_heads = 12;         // = Hv in every release (no GQA)
  int head_dim = 64;                    // dh; 2-D RoPE gives dh/2 channels to each axis
  int patch_size = 16;                  // p: a patch is p x p x 3 pixel values
  int pooling_kernel_size = 3;          // k: one soft token per k x k patches
  int position_embedding_size = 10240;  // rows of each axis of position_embedding_table
  double rope_theta = 100.0;            // rope_parameters.rope_theta (rope_type "default")
  double rms_norm_eps = 1e-6;           // every norm of the tower and of embed_vision
  bool use_clipped_linears = true;      // ClippableLinear clamps inputs and outputs
  bool standardize = false;             // (h - std_bias) * std_scale after the pooler
  int default_output_length = 280;      // the default soft-token budget

  constexpr int patch_dim() const { return 3 * patch_size * patch_size; }  // 768
  constexpr int q_width() const { return num_attention_heads * head_dim; }
  constexpr int kv_width() const { return num_key_value_heads * head_dim; }
  /// Pixels per side of one soft token: 3 x 16 = 48.
  constexpr int soft_token_side() const { return pooling_kernel_size * patch_size; }
  friend constexpr bool operator==(const VisionConfig&, const VisionConfig&) = default;
};

/// The tower of E2B and E4B (spec vision.md §1): 16 layers x 768, clipped linears.
inline constexpr VisionConfig kVisionSmall{
    .hidden_size = 768,  // sqrt(768) = 27.71 pooler scale
    .intermediate_size = 3072,
    .num_hidden_layers = 16,
    .num_attention_heads = 12,  // 12 heads x 64 = 768
    .num_key_value_heads = 12,
    .head_dim = 64,  // 32 channels rotate with x, 32 with y
    .use_clipped_linears = true,
    .standardize = false,
};

/// The tower of 26B-A4B and 31B: 27 layers x 1152, no clipping, standardize on.
inline constexpr VisionConfig kVisionLarge{
    .hidden_size = 1152,  // sqrt(1152) = 33.94 pooler scale
    .intermediate_size = 4304,
    .num_hidden_layers = 27,
    .num_attention_heads = 16,  // 16 heads x 72 = 1152
    .num_key_value_heads = 16,
    .head_dim = 72,  // 36 channels rotate with x, 36 with y
    .use_clipped_linears = false,
    .standardize = true,
};

// clang-format off
/// The rules a vision config must obey: static_assert for the variants, validate() at run time.
#define GEMMA4_VISION_CONFIG_RULES(RULE, c)                                                       \
  RULE((c).hidden_size > 0 && (c).intermediate_size > 0 && (c).num_hidden_layers > 0,           \
       "vision hidden_size, intermediate_size and num_hidden_layers must be positive")          \
  RULE((c).num_attention_heads > 0 && (c).num_key_value_heads > 0 &&                            \
           (c).num_attention_heads % (c).num_key_value_heads == 0,                              \
       "vision num_attention_heads must be a positive multiple of num_key_value_heads")         \
  RULE((c).head_dim > 0 && (c).head_dim % 4 == 0,                                               \
       "vision head_dim must be a positive multiple of 4 (2-D RoPE rotates two halves per axis)") \
  RULE((c).patch_size > 0 && (c).pooling_kernel_size > 0,                                       \
       "patch_size and pooling_kernel_size must be positive")                                   \
  RULE((c).position_embedding_size > 0, "position_embedding_size must be positive")             \
  RULE((c).rope_theta > 0 && (c).rms_norm_eps > 0, "vision rope_theta and rms_norm_eps must be positive") \
  RULE((c).default_output_length > 0, "default_output_length must be positive")
// clang-format on

/// Every rule `c` breaks, as messages (empty when valid).
inline std::vector<std::string> vision_config_errors(const VisionConfig& c) {
  std::vector<std::string> errors;
#define GEMMA4_COLLECT_RULE(cond, message) \
  if (!(cond)) errors.emplace_back(message);
  GEMMA4_VISION_CONFIG_RULES(GEMMA4_COLLECT_RULE, c)
#undef GEMMA4_COLLECT_RULE
  return errors;
}

/// Throws gemma4::Error listing every rule `c` breaks; `where` names the source (a file).
inline void validate(const VisionConfig& c, std::string_view where) {
  throw_config_errors(vision_config_errors(c), where, "invalid Gemma 4 vision config");
}

/// The scalar fields of VisionConfig by config.json key (core/config_fields.hpp): the one list
/// that reading, writing, comparing and `explain` use. Read by hand in vision/config_json.hpp:
/// rope_parameters (rope_theta; the type must be "default"), hidden_activation and attention_bias
/// (checked, not stored).
constexpr auto vision_config_fields() {
  using C = VisionConfig;
  // clang-format off
  return std::tuple{
      //           config.json key              member
      config_field("hidden_size",               &C::hidden_size),
      config_field("intermediate_size",         &C::intermediate_size),
      config_field("num_hidden_layers",         &C::num_hidden_layers),
      config_field("num_attention_heads",       &C::num_attention_heads),
      config_field("num_key_value_heads",       &C::num_key_value_heads),
      config_field("head_dim",                  &C::head_dim),
      config_field("patch_size",                &C::patch_size),
      config_field("pooling_kernel_size",       &C::pooling_kernel_size),
      config_field("position_embedding_size",   &C::position_embedding_size),
      config_field("rms_norm_eps",              &C::rms_norm_eps),
      config_field("use_clipped_linears",       &C::use_clipped_linears),
      config_field("standardize",               &C::standardize),
      config_field("default_output_length",     &C::default_output_length),
  };
  // clang-format on
}

/// Fields on which `actual` differs from `expected`, as "vision_config.field: expected X, got Y".
inline std::vector<std::string> vision_config_mismatches(const VisionConfig& expected,
                                                         const VisionConfig& actual) {
  std::vector<std::string> out;
  for (auto& m : config_field_mismatches(expected, actual, vision_config_fields()))
    out.push_back("vision_config." + m);
  if (expected.rope_theta != actual.rope_theta)
    out.push_back(detail::concat("vision_config.rope_parameters.rope_theta: expected ",
                                 expected.rope_theta, ", got ", actual.rope_theta));
  return out;
}

/// Compile-time checks of a vision config (used by the variants: CheckedVision<E2B::vision>).
template <const VisionConfig& c>
struct CheckedVision {
#define GEMMA4_STATIC_RULE(cond, message) static_assert(cond, "gemma4 vision config: " message);
  GEMMA4_VISION_CONFIG_RULES(GEMMA4_STATIC_RULE, c)
#undef GEMMA4_STATIC_RULE
  static constexpr const VisionConfig& config = c;
};

}  // namespace gemma4
