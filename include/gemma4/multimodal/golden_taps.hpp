// gemma4/multimodal/golden_taps.hpp: everything the whole model computes for a multimodal
// fixture (the mm-* folders of golden/FORMAT.md), under the golden key names.
//
// From the raw inputs only: input_ids, image_uint8.{i} with image_max_soft_tokens, and
// audio_waveform.{j}. Each image goes through the processor with torch's float-path resize (what
// the goldens' pixel_values were made from) and the vision tower; each clip through the log-mel
// front end, padded to the batch's longest clip as HF's extractor pads a batch, and the audio
// tower. Then Model::forward over the ids, which taps
//   llm_input_ids, mm_token_type_ids, block_sequence_ids, mask_sliding, mask_full,
//   image_features, audio_features, hidden_states.*, per_layer_inputs, last_layer_output, logits,
//   moe_top_k_*
// and the per-image keys are stacked here:
//   image_target_size [n, 2], image_num_soft_tokens [n], pixel_values [n, 9 S, 768],
//   image_position_ids [n, 9 S, 2], image_resized_uint8_pil.{i} (Pillow's path, checked exactly),
//   image_resized_uint8.{i} (the float path).
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "gemma4/audio/golden_taps.hpp"
#include "gemma4/multimodal/model.hpp"
#include "gemma4/vision/golden_taps.hpp"

namespace gemma4 {

/// True for a whole-model fixture: a prompt with at least one raw image or clip.
inline bool is_multimodal_fixture(const SafetensorsFile& golden) {
  return golden.find("input_ids") &&
         (golden.find("image_uint8.0") || golden.find("audio_waveform.0"));
}

/// The soft tokens of a multimodal fixture's raw images and clips, computed by `model`; the
/// per-image processor keys go to `taps` (see the top of this file).
template <class T>
Media<compute_t<T>> golden_media(const Model<Dynamic, T>& model, const SafetensorsFile& golden,
                                 GoldenTaps& taps) {
  using C = compute_t<T>;
  const std::string where = golden.path().string();
  auto tap_of = [](const auto& m, std::vector<std::int64_t> shape) {
    return detail::golden_tap(m, std::move(shape));
  };
  Media<C> media;

  // Images, in prompt order.
  int n_images = 0;
  while (golden.find("image_uint8." + std::to_string(n_images))) ++n_images;
  if (n_images > 0) {
    const auto budget = golden.read<std::int64_t>("image_max_soft_tokens");
    if (budget.size() != 1 || budget[0] < 1 || budget[0] > 1'000'000)
      detail::fail(where, ": image_max_soft_tokens must hold one budget >= 1");
    ImageProcessorOptions o = processor_options(model.vision().config(), int(budget[0]));
    o.unchecked_budget = std::find(kSoftTokenBudgets.begin(), kSoftTokenBudgets.end(),
                                   o.max_soft_tokens) == kSoftTokenBudgets.end();
    o.resize = ResizeKernel::TorchFloat;  // the goldens' pixel_values come from the float path
    GoldenTap sizes{{n_images, 2}, {}}, counts{{n_images}, {}}, pixels{{}, {}}, positions{{}, {}};
    for (int i = 0; i < n_images; ++i) {
      const std::string s = std::to_string(i);
      const Image image = golden_image(golden, "image_uint8." + s);
      const PreprocessedImage<C> p = preprocess_image<C>(image, o);
      sizes.values.push_back(double(p.target.height));
      sizes.values.push_back(double(p.target.width));
      counts.values.push_back(double(p.num_soft_tokens));
      taps["image_resized_uint8." + s] = detail::golden_tap(p.resized);
      taps["image_resized_uint8_pil." + s] = detail::golden_tap(
          p.target == p.original ? image : resize_pillow(image, p.target.height, p.target.width));
      const GoldenTap pv = tap_of(p.pixel_values, {p.pixel_values.rows(), p.pixel_values.cols()});
      const GoldenTap pp = tap_of(p.position_ids, {p.position_ids.rows(), 2});
      pixels.values.insert(pixels.values.end(), pv.values.begin(), pv.values.end());
      positions.values.insert(positions.values.end(), pp.values.begin(), pp.values.end());
      pixels.shape = {n_images, p.pixel_values.rows(), p.pixel_values.cols()};
      positions.shape = {n_images, p.position_ids.rows(), 2};
      media.images.push_back(model.vision().image_features(p));
    }
    taps["image_target_size"] = std::move(sizes);
    taps["image_num_soft_tokens"] = std::move(counts);
    taps["pixel_values"] = std::move(pixels);
    taps["image_position_ids"] = std::move(positions);
  }

  // Audio clips, padded together to the longest (HF's feature extractor on a batch).
  std::vector<std::vector<double>> clips;
  while (golden.find("audio_waveform." + std::to_string(clips.size())))
    clips.push_back(golden.read<double>("audio_waveform." + std::to_string(clips.size())));
  if (!clips.empty()) {
    const auto& audio = model.audio();
    const AudioFeatureConfig& fc = audio.feature_config();
    std::int64_t longest = 0;
    for (const auto& c : clips)
      longest = std::max<std::int64_t>(
          longest, std::min<std::int64_t>(static_cast<std::int64_t>(c.size()), fc.max_length));
    const std::int64_t m = fc.pad_to_multiple_of, padded = (longest + m - 1) / m * m;
    for (const auto& clip : clips) {
      const LogMelFeatures<C> f = log_mel_features<C>(std::span<const double>(clip), fc, padded);
      media.audio.push_back(audio.encode(f.input_features, f.mask).features);
    }
  }

  return media;
}

/// The fixture's input_ids, range-checked.
inline std::vector<TokenId> golden_input_ids(const SafetensorsFile& golden) {
  std::vector<TokenId> ids;
  for (std::int64_t v : golden.read<std::int64_t>("input_ids")) {
    if (v < 0 || v > std::numeric_limits<TokenId>::max())
      detail::fail(golden.path().string(), ": input id ", v, " out of range");
    ids.push_back(static_cast<TokenId>(v));
  }
  return ids;
}

/// Every tap of multimodal fixture `dir` in number type T (see the top of this file).
template <class T>
GoldenTaps multimodal_golden_taps(const std::filesystem::path& dir, const SafetensorsFile& golden) {
  using C = compute_t<T>;
  const auto model = Model<Dynamic, T>::load(dir);
  GoldenTaps taps;
  const Media<C> media = golden_media(model, golden, taps);
  const std::vector<TokenId> ids = golden_input_ids(golden);
  model.forward(ids, media, LogitsFor::All, [&](const Tap<C>& t) {
    GoldenTap g{t.shape, std::vector<double>(static_cast<std::size_t>(t.values.size()))};
    for (Eigen::Index i = 0; i < t.values.size(); ++i)
      g.values[static_cast<std::size_t>(i)] = static_cast<double>(t.values.data()[i]);
    taps[std::string(t.name)] = std::move(g);
  });
  return taps;
}

}  // namespace gemma4
