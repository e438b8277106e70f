// gemma4/audio/model.hpp: the audio path of E2B / E4B, waveform to soft tokens (HF
// `Gemma4AudioModel` + `embed_audio`, spec audio.md §3-§8).
//
//   gemma4::AudioModel<gemma4::E2B, float>       the released tower, checked at compile time
//   gemma4::AudioModel<gemma4::Dynamic, double>  any audio_config read from config.json
//
//   X, m  = log_mel_features(wave)             [T, 128], [T]       audio_log_mel, input_features
//   h, m  = audio_subsample(X, m)              [T', Da], [T']      audio_subsample_output
//   h     = conformer_block_l(h, m), l < 12                        audio_hidden_states.{l+1}
//   o     = h @ output_proj^T + bias           [T', 1536]          audio_encoder_output
//   soft  = embed_audio(o)                     [T', Dt]            audio_features_all
//   soft[m]                                    [n, Dt]             audio_features (n = 25 / s)
//
// A variant without an audio tower (26B-A4B, 31B) does not compile as AudioModel<V, T>: the
// static_assert says so. Every intermediate above is handed to an optional tap under its golden
// key (plus the aids audio_mel_filters, audio_rel_pos_emb, audio_attention_mask_5d,
// audio_subsample_conv1, audio_padded_length).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "gemma4/audio/config_json.hpp"
#include "gemma4/audio/embed_audio.hpp"
#include "gemma4/audio/log_mel.hpp"
#include "gemma4/audio/token_count.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/variants.hpp"

namespace gemma4 {

/// The output of the audio path for one clip.
template <class C>
struct AudioSoftTokens {
  RowMatrix<C> encoder_output;     // [T', out] all frames   (audio_encoder_output)
  RowMatrix<C> features_all;       // [T', Dt] all frames    (audio_features_all)
  RowMatrix<C> features;           // [n, Dt] valid frames   (audio_features)
  std::vector<std::uint8_t> mask;  // [T']                   (audio_output_mask)
  std::int64_t num_soft_tokens() const { return features.rows(); }
};

namespace detail {

/// Where the audio config lives: in the variant type, or in the object (Dynamic).
template <class V>
class AudioConfigHolder {
  static_assert(is_dynamic_config_v<V> || has_audio_tower_v<V>,
                "gemma4: this variant has no audio tower (only E2B and E4B have one)");
  static constexpr CheckedAudioOf<V> rules{};  // the variant's audio config, checked

 public:
  AudioConfigHolder(const AudioConfig& c, std::int64_t text_hidden) {
    auto diff = audio_config_mismatches(V::audio, c);
    if (text_hidden != V::text.hidden_size)
      diff.push_back(
          concat("text_config.hidden_size: expected ", V::text.hidden_size, ", got ", text_hidden));
    if (!diff.empty()) {
      std::string msg = concat("audio config does not match the compiled variant ", V::name, ":");
      for (const auto& d : diff) msg += "\n  - " + d;
      throw Error(msg);
    }
  }
  static constexpr const AudioConfig& config() { return V::audio; }
  static constexpr std::int64_t text_hidden() { return V::text.hidden_size; }
};

template <>
class AudioConfigHolder<Dynamic> {
 public:
  AudioConfigHolder(const AudioConfig& c, std::int64_t text_hidden)
      : config_(c), text_hidden_(text_hidden) {
    validate(c, "audio config");
    if (text_hidden <= 0) fail("audio model: text hidden size ", text_hidden, " must be positive");
  }
  const AudioConfig& config() const { return config_; }
  std::int64_t text_hidden() const { return text_hidden_; }

 private:
  AudioConfig config_;
  std::int64_t text_hidden_;
};

}  // namespace detail

template <class Config, class T>
class AudioModel {
 public:
  using Storage = T;
  using Compute = compute_t<T>;
  using C = Compute;

  /// Loads the audio tower and embed_audio of a Hugging Face model folder. A config whose
  /// audio_config is null (26B-A4B, 31B) is a gemma4::Error.
  static AudioModel load(const std::filesystem::path& dir) {
    const auto file = std::filesystem::is_directory(dir) ? dir / "config.json" : dir;
    const nlohmann::json root = read_json_file(file);
    const auto audio = audio_config_from_json(root, file.string());
    if (!audio)
      detail::fail(file.string(),
                   ": this model has no audio tower (audio_config is null or absent; only E2B "
                   "and E4B have one)");
    const nlohmann::json* tc = detail::json_field(root, "text_config");
    const int text_hidden = detail::json_get<int>(tc ? *tc : root, "hidden_size", 0, file.string());
    const auto ckpt_dir = std::filesystem::is_directory(dir) ? dir : dir.parent_path();
    try {
      return AudioModel(*audio, text_hidden, std::make_shared<const Checkpoint>(ckpt_dir));
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with("audio config does not match"))
        throw Error(detail::concat(file.string(), ": ", e.what()));
      throw;
    }
  }

  /// A model over an open checkpoint.
  AudioModel(const AudioConfig& c, std::int64_t text_hidden, std::shared_ptr<const Checkpoint> ckpt)
      : holder_(c, text_hidden),
        tower_(bind_audio_tower_weights<T>(ckpt, c)),
        embed_(bind_embed_audio_weights<T>(ckpt, c, text_hidden)) {
    init();
  }

  /// A model over weights built in memory (tests, benchmarks, random initialisation).
  AudioModel(const AudioConfig& c, std::int64_t text_hidden, AudioTowerWeights<T> tower,
             EmbedAudioWeights<T> embed)
      : holder_(c, text_hidden), tower_(std::move(tower)), embed_(std::move(embed)) {
    init();
  }

  const AudioConfig& config() const { return holder_.config(); }
  std::int64_t text_hidden_size() const { return holder_.text_hidden(); }
  const AudioFeatureConfig& feature_config() const { return features_; }
  const AudioTowerWeights<T>& tower_weights() const { return tower_; }

  /// The log-mel features of a 16 kHz mono clip (see log_mel.hpp), with taps.
  LogMelFeatures<C> features(std::span<const double> samples16k, const TapFn<C>& tap = {}) const {
    LogMelFeatures<C> f = log_mel_features<C>(samples16k, features_);
    if (tap) {
      emit(tap, "audio_mel_filters", RowMatrix<C>(mel_filter_bank(features_).template cast<C>()));
      emit(tap, "audio_padded_length",
           RowMatrix<C>::Constant(1, 1, static_cast<C>(f.padded_length)), {1}, true);
      emit(tap, "audio_log_mel", f.log_mel);
      emit(tap, "input_features", f.input_features);
      emit(tap, "input_features_mask", mask_matrix(f.mask), {f.frames()}, true);
      emit(tap, "audio_num_soft_tokens",
           RowMatrix<C>::Constant(1, 1, static_cast<C>(audio_num_soft_tokens(f.samples))), {1},
           true);
    }
    return f;
  }

  /// The audio tower and embed_audio over features [T, 128] with frame mask [T].
  AudioSoftTokens<C> encode(const RowMatrix<C>& features, const std::vector<std::uint8_t>& mask,
                            const TapFn<C>& tap = {}) const {
    const AudioConfig& c = config();
    if (features.cols() != features_.feature_size ||
        static_cast<std::size_t>(features.rows()) != mask.size() || features.rows() == 0)
      detail::fail("audio model: features are [", features.rows(), ", ", features.cols(),
                   "] with a mask of ", mask.size(), " frames; expected [frames > 0, ",
                   features_.feature_size, "] and one mask entry per frame");
    AudioSubsampleOutput<C> s =
        audio_subsample<C>(features, mask, tower_.subsample_conv_projection, c);
    if (tap) {
      const Eigen::Index Tp = s.hidden.rows(), Cc = s.conv1.cols(), Fp = s.conv1.rows() / Tp;
      RowMatrix<C> chw(Cc, Tp * Fp);  // [C, T' * F'] from [T' * F', C]
      chw = s.conv1.transpose();
      emit(tap, "audio_subsample_conv1", chw, {Cc, Tp, Fp});
      emit(tap, "audio_subsample_output", s.hidden);
      emit(tap, "audio_hidden_states.0", s.hidden);
      emit(tap, "audio_output_mask", mask_matrix(s.mask), {Tp}, true);
      emit(tap, "audio_rel_pos_emb", rel_pos_);
      const auto m5 = audio_blocked_mask(c, s.mask);
      const std::int64_t W = c.attention_chunk_size, ctx = c.context_size();
      emit(tap, "audio_attention_mask_5d", mask_matrix(m5),
           {static_cast<std::int64_t>(m5.size()) / (W * ctx), W, ctx}, true);
    }
    RowMatrix<C> h = std::move(s.hidden);
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      h = conformer_block<C>(h, tower_.layers[static_cast<std::size_t>(l)], rel_pos_, s.mask, c);
      if (tap) emit(tap, "audio_hidden_states." + std::to_string(l + 1), h);
    }
    AudioSoftTokens<C> out;
    out.encoder_output = linear<C>(h, tower_.output_proj);
    out.encoder_output.rowwise() += tower_.output_proj_bias.transpose();
    out.features_all = embed_audio<C>(out.encoder_output, embed_, c.rms_norm_eps);
    // Valid frames are a prefix (the mask of a clip is 1...1 0...0).
    const auto n = std::count(s.mask.begin(), s.mask.end(), std::uint8_t{1});
    out.features = out.features_all.topRows(n);
    out.mask = std::move(s.mask);
    if (tap) {
      emit(tap, "audio_encoder_output", out.encoder_output);
      emit(tap, "audio_features_all", out.features_all);
      emit(tap, "audio_features", out.features);
    }
    return out;
  }

  /// Waveform (16 kHz mono) to soft tokens: features, then encode().
  AudioSoftTokens<C> soft_tokens(std::span<const double> samples16k,
                                 const TapFn<C>& tap = {}) const {
    const LogMelFeatures<C> f = features(samples16k, tap);
    return encode(f.input_features, f.mask, tap);
  }

 private:
  void init() { rel_pos_ = audio_relative_position_table<C>(config()); }

  static RowMatrix<C> mask_matrix(const std::vector<std::uint8_t>& m) {
    RowMatrix<C> out(1, static_cast<Eigen::Index>(m.size()));
    for (std::size_t i = 0; i < m.size(); ++i) out(0, static_cast<Eigen::Index>(i)) = m[i];
    return out;
  }
  static void emit(const TapFn<C>& tap, std::string_view name, const RowMatrix<C>& v,
                   std::vector<std::int64_t> shape = {}, bool integer = false) {
    if (shape.empty()) shape = {v.rows(), v.cols()};
    tap(Tap<C>{name, v, std::move(shape), integer});
  }

  detail::AudioConfigHolder<Config> holder_;
  AudioTowerWeights<T> tower_;
  EmbedAudioWeights<T> embed_;
  AudioFeatureConfig features_{};
  RowMatrix<C> rel_pos_;  // [max_past + 1, Da]
};

}  // namespace gemma4
