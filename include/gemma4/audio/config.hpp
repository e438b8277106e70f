// gemma4/audio/config.hpp: the numbers of the audio encoder (HF `Gemma4AudioConfig`, spec
// audio.md §1) and of its feature extractor (`Gemma4AudioFeatureExtractor` defaults).
//
// Only E2B and E4B have an audio tower (variants.md §4); both use the same one:
//
//   hidden_size 1024 = 8 heads x 128          conformer width Da
//   num_hidden_layers 12                       conformer blocks
//   subsampling_conv_channels [128, 32]        two stride-2 Conv2d blocks: 128 mel bins -> 64 -> 32
//                                              frequencies; flattened 32 freq x 32 ch = 1024
//   attention_chunk_size 12, context_left 13   each query sees itself + 11 previous frames (§11.1)
//   output_proj_dims 1536                      the width embed_audio projects into the text model
//
// The rules below are static_asserts for a compile-time variant and run-time checks (validate)
// for a config.json, with the same messages.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "gemma4/core/config_fields.hpp"
#include "gemma4/core/error.hpp"

namespace gemma4 {

/// `audio_config` of a Gemma 4 config.json (model_type "gemma4_audio"); defaults are the released
/// E2B/E4B values. hidden_act is always silu (anything else is rejected when reading).
struct AudioConfig {
  int hidden_size = 1024;
  int num_hidden_layers = 12;
  int num_attention_heads = 8;  // head dim 1024 / 8 = 128
  std::array<int, 2> subsampling_conv_channels = {128, 32};
  int conv_kernel_size = 5;      // light-conv depthwise kernel, causal (left pad 4)
  double residual_weight = 0.5;  // half-step FFN residual
  int attention_chunk_size = 12;
  int attention_context_left = 13;  // HF attends to context_left - 1 = 12 keys (spec §11.1)
  int attention_context_right = 0;
  double attention_logit_cap = 50.0;
  double attention_invalid_logits_value = -1.0e9;
  bool use_clipped_linears = true;
  double rms_norm_eps = 1e-6;
  double gradient_clipping = 1e10;
  int output_proj_dims = 1536;

  constexpr int head_dim() const { return hidden_size / num_attention_heads; }
  /// Keys a query may see: itself and max_past_horizon() - 1 previous frames.
  constexpr int max_past_horizon() const { return attention_context_left - 1; }
  /// Key columns of one query block: chunk + past (+ future, always 0) = 12 + 12 = 24.
  constexpr int context_size() const {
    return attention_chunk_size + max_past_horizon() + attention_context_right;
  }
  /// Width of the flattened subsampling output: (128 / 4) frequencies x channels[1] = 32 x 32.
  constexpr int subsample_flat_width() const {
    return subsampling_conv_channels[0] / 4 * subsampling_conv_channels[1];
  }
  friend constexpr bool operator==(const AudioConfig&, const AudioConfig&) = default;
};

/// The feature extractor (`Gemma4AudioFeatureExtractor`), spec audio.md §3. These are the class
/// defaults, which the released processor configs keep; they are data, not checkpoint values.
struct AudioFeatureConfig {
  int sampling_rate = 16000;  // Hz; other rates must be resampled first (resample.hpp)
  int feature_size = 128;     // mel bins
  int frame_length = 320;     // 20 ms window (Hann), zero-padded to fft_length
  int hop_length = 160;       // 10 ms: 100 frames per second
  int fft_length = 512;       // 2^ceil(log2(320)); 257 bins
  double min_frequency = 0.0;
  double max_frequency = 8000.0;
  double mel_floor = 1e-3;       // log(mel + 1e-3)
  int pad_to_multiple_of = 128;  // samples
  int max_length = 480000;       // 30 s at 16 kHz: longer input is truncated
  constexpr int num_frequency_bins() const { return fft_length / 2 + 1; }
};

/// The scalar fields of AudioConfig by config.json key (core/config_fields.hpp): the one list that
/// reading, writing, comparing and `explain` use. Read by hand in audio/config_json.hpp:
/// subsampling_conv_channels (a list of two) and hidden_act (checked to be silu, not stored).
constexpr auto audio_config_fields() {
  using C = AudioConfig;
  // clang-format off
  return std::tuple{
      //           config.json key                    member
      config_field("hidden_size",                     &C::hidden_size),
      config_field("num_hidden_layers",               &C::num_hidden_layers),
      config_field("num_attention_heads",             &C::num_attention_heads),
      config_field("conv_kernel_size",                &C::conv_kernel_size),
      config_field("residual_weight",                 &C::residual_weight),
      config_field("attention_chunk_size",            &C::attention_chunk_size),
      config_field("attention_context_left",          &C::attention_context_left),
      config_field("attention_context_right",         &C::attention_context_right),
      config_field("attention_logit_cap",             &C::attention_logit_cap),
      config_field("attention_invalid_logits_value",  &C::attention_invalid_logits_value),
      config_field("use_clipped_linears",             &C::use_clipped_linears),
      config_field("rms_norm_eps",                    &C::rms_norm_eps),
      config_field("gradient_clipping",               &C::gradient_clipping),
      config_field("output_proj_dims",                &C::output_proj_dims),
  };
  // clang-format on
}

// clang-format off
/// The rules every audio config must satisfy: RULE(condition, message).
#define GEMMA4_AUDIO_CONFIG_RULES(RULE, c)                                                       \
  RULE((c).hidden_size > 0 && (c).num_hidden_layers > 0 && (c).num_attention_heads > 0,         \
       "audio hidden_size, num_hidden_layers and num_attention_heads must be positive")         \
  RULE((c).hidden_size % (c).num_attention_heads == 0,                                          \
       "audio hidden_size must be a multiple of num_attention_heads")                           \
  RULE((c).hidden_size % 2 == 0,                                                                \
       "audio hidden_size must be even (the relative position table is [sin | cos] halves)")    \
  RULE((c).subsampling_conv_channels[0] == 128 && (c).subsampling_conv_channels[1] > 0,         \
       "subsampling_conv_channels[0] must be 128 = the mel bins (HF sizes input_proj_linear "   \
       "as channels[0] / 4 * channels[1], which is only right when it equals 128)")             \
  RULE((c).conv_kernel_size > 0, "audio conv_kernel_size must be positive")                     \
  RULE((c).attention_context_right == 0,                                                        \
       "audio attention_context_right must be 0 (the relative table holds past distances)")     \
  RULE((c).attention_context_left >= 2 &&                                                       \
           (c).attention_chunk_size == (c).attention_context_left - 1,                          \
       "audio attention_chunk_size must equal attention_context_left - 1 (the two HF versions " \
       "of the relative position table agree only then)")                                       \
  RULE((c).attention_logit_cap > 0, "audio attention_logit_cap must be positive")               \
  RULE((c).rms_norm_eps > 0, "audio rms_norm_eps must be positive")                             \
  RULE((c).output_proj_dims > 0, "audio output_proj_dims must be positive")
// clang-format on

/// The audio tower of E2B and E4B (the same in both): the AudioConfig defaults.
inline constexpr AudioConfig kAudioTower{};

/// Every rule of GEMMA4_AUDIO_CONFIG_RULES as a static_assert on a compile-time audio config.
template <const AudioConfig& c>
struct CheckedAudio {
#define GEMMA4_STATIC_AUDIO_RULE(cond, message) static_assert(cond, "gemma4 config: " message);
  GEMMA4_AUDIO_CONFIG_RULES(GEMMA4_STATIC_AUDIO_RULE, c)
#undef GEMMA4_STATIC_AUDIO_RULE
};

/// Every rule `c` breaks, as messages (empty when valid).
inline std::vector<std::string> audio_config_errors(const AudioConfig& c) {
  std::vector<std::string> out;
#define GEMMA4_COLLECT_AUDIO_RULE(cond, message) \
  if (!(cond)) out.emplace_back(message);
  GEMMA4_AUDIO_CONFIG_RULES(GEMMA4_COLLECT_AUDIO_RULE, c)
#undef GEMMA4_COLLECT_AUDIO_RULE
  return out;
}

/// Throws gemma4::Error "<where>: <every broken rule>" when `c` is not a valid audio config.
inline void validate(const AudioConfig& c, std::string_view where) {
  throw_config_errors(audio_config_errors(c), where, "invalid audio_config");
}

/// Fields on which `actual` differs from `expected`, as "audio_config.field: expected X, got Y".
inline std::vector<std::string> audio_config_mismatches(const AudioConfig& expected,
                                                        const AudioConfig& actual) {
  std::vector<std::string> out;
  for (auto& m : config_field_mismatches(expected, actual, audio_config_fields()))
    out.push_back("audio_config." + m);
  for (std::size_t i = 0; i < 2; ++i)
    if (expected.subsampling_conv_channels[i] != actual.subsampling_conv_channels[i])
      out.push_back(detail::concat("audio_config.subsampling_conv_channels[", i, "]: expected ",
                                   expected.subsampling_conv_channels[i], ", got ",
                                   actual.subsampling_conv_channels[i]));
  return out;
}

}  // namespace gemma4
