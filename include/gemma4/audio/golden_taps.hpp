// gemma4/audio/golden_taps.hpp: everything the audio path computes for an audio fixture, under the
// golden key names of golden/FORMAT.md (the audio half of reference/golden.hpp).
//
// One clip (`audio_waveform` [N], the audio-tiny fixtures): from the raw waveform, every tap of
// AudioModel (audio/model.hpp), the features included:
//   audio_log_mel, input_features, input_features_mask, audio_num_soft_tokens,
//   audio_subsample_output, audio_hidden_states.{0..L}, audio_output_mask, audio_encoder_output,
//   audio_features_all, audio_features, and the aids audio_mel_filters, audio_rel_pos_emb,
//   audio_attention_mask_5d, audio_subsample_conv1, audio_padded_length.
// Several clips (`audio_waveform.{j}`, the mm-* fixtures): padded together to the longest (as the
// HF extractor pads a batch), so
//   input_features [n, F, 128], input_features_mask [n, F], audio_num_soft_tokens [n],
//   audio_features [sum of tokens, Dt] (clips in order).
// The caller gets each tensor as (key, shape, row-major values as double).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gemma4/audio/model.hpp"
#include "gemma4/io/safetensors.hpp"

namespace gemma4 {

/// Receives one computed tensor: key, shape, row-major values.
using AudioGoldenSink =
    std::function<void(const std::string&, std::vector<std::int64_t>, std::vector<double>)>;

/// True for the keys the audio path produces (and an audio fixture is checked on). `input_features`
/// and its mask count when the fixture has a raw waveform to compute them from.
inline bool is_audio_key(std::string_view key) {
  return (key.starts_with("audio_") && !key.starts_with("audio_waveform")) ||
         key == "input_features" || key == "input_features_mask";
}

/// Integer audio keys, compared exactly.
inline bool audio_key_is_exact(std::string_view key) {
  return key == "input_features_mask" || key == "audio_output_mask" ||
         key == "audio_num_soft_tokens" || key == "audio_attention_mask_5d" ||
         key == "audio_padded_length";
}

/// True when the golden file holds a raw clip (`audio_waveform` or `audio_waveform.0`).
inline bool has_audio_waveform(const SafetensorsFile& golden) {
  return golden.find("audio_waveform") || golden.find("audio_waveform.0");
}

/// Runs the audio path of fixture `dir` on its raw waveform(s), in number type T.
template <class T>
void audio_golden_taps(const std::filesystem::path& dir, const SafetensorsFile& golden,
                       const AudioGoldenSink& sink) {
  using C = compute_t<T>;
  const auto model = AudioModel<Dynamic, T>::load(dir);
  auto values_of = [](const RowMatrix<C>& m) {
    std::vector<double> v(static_cast<std::size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.size(); ++i)
      v[static_cast<std::size_t>(i)] = static_cast<double>(m.data()[i]);
    return v;
  };
  if (golden.find("audio_waveform")) {
    const std::vector<double> wave = golden.read<double>("audio_waveform");
    model.soft_tokens(
        wave, [&](const Tap<C>& t) { sink(std::string(t.name), t.shape, values_of(t.values)); });
    return;
  }
  std::vector<std::vector<double>> clips;
  while (golden.find("audio_waveform." + std::to_string(clips.size())))
    clips.push_back(golden.read<double>("audio_waveform." + std::to_string(clips.size())));
  if (clips.empty()) detail::fail(golden.path().string(), ": no audio_waveform");
  // The batch is padded to the longest clip's padded length.
  const AudioFeatureConfig& fc = model.feature_config();
  std::int64_t longest = 0;
  for (const auto& c : clips)
    longest = std::max<std::int64_t>(
        longest, std::min<std::int64_t>(static_cast<std::int64_t>(c.size()), fc.max_length));
  const std::int64_t m = fc.pad_to_multiple_of, padded = (longest + m - 1) / m * m;
  std::vector<double> features, mask, counts, soft;
  std::int64_t frames = 0, soft_rows = 0;
  for (const auto& clip : clips) {
    const LogMelFeatures<C> f = log_mel_features<C>(std::span<const double>(clip), fc, padded);
    const AudioSoftTokens<C> s = model.encode(f.input_features, f.mask);
    const auto fv = values_of(f.input_features), sv = values_of(s.features);
    features.insert(features.end(), fv.begin(), fv.end());
    for (auto b : f.mask) mask.push_back(b);
    counts.push_back(static_cast<double>(audio_num_soft_tokens(f.samples)));
    soft.insert(soft.end(), sv.begin(), sv.end());
    frames = f.frames();
    soft_rows += s.features.rows();
  }
  const auto n = static_cast<std::int64_t>(clips.size());
  sink("input_features", {n, frames, fc.feature_size}, std::move(features));
  sink("input_features_mask", {n, frames}, std::move(mask));
  sink("audio_num_soft_tokens", {n}, std::move(counts));
  sink("audio_features", {soft_rows, model.text_hidden_size()}, std::move(soft));
}

}  // namespace gemma4
