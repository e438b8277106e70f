// gemma4/multimodal/model.hpp: the whole Gemma 4 (HF `Gemma4ForConditionalGeneration`): the text
// decoder plus the towers its config has, with the merge of multimodal/merge.hpp between them.
//
//   gemma4::Model<gemma4::E2B, float>        text + vision + audio (the released E2B shapes)
//   gemma4::Model<gemma4::Dense31B, float>   text + vision (31B has no audio tower)
//   gemma4::Model<gemma4::Dynamic, float>    whatever config.json says (towers may be null)
//
// One forward over a prompt whose placeholders are expanded (spec multimodal-merge.md §7):
//
//   images -> VisionModel -> features [n_i, H] ┐
//   clips  -> AudioModel  -> features [n_j, H] ┼-> SoftTokens of each call (merge.hpp)
//   ids    -> llm_input_ids (placeholders -> pad)┘      -> TextModel::forward -> logits
//
// Taps: the text decoder's (hidden_states.*, per_layer_inputs, logits, moe_top_k_*), plus
// llm_input_ids, mm_token_type_ids, block_sequence_ids, mask_sliding, mask_full, image_features
// and audio_features (stacked in prompt order) of the whole prompt.
//
//   auto model = gemma4::Model<gemma4::Dynamic, float>::load("gemma-4-E2B-it");
//   gemma4::Media<float> media;
//   media.images.push_back(model.encode_image(gemma4::load_image("cat.png"), 280));
//   auto logits = model.forward(ids, media);   // ids hold <|image> 280 x <|image|> <image|>
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "gemma4/audio/model.hpp"
#include "gemma4/multimodal/merge.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/variants.hpp"
#include "gemma4/vision/model.hpp"

namespace gemma4 {

/// The soft tokens of one prompt, in prompt order: features [n, H] per image, per video frame and
/// per audio clip (valid frames only), as Model::encode_image / encode_audio return them.
template <class C>
struct Media {
  std::vector<RowMatrix<C>> images;
  std::vector<RowMatrix<C>> video_frames;
  std::vector<RowMatrix<C>> audio;
  /// For prompts only (Conversation, expand_video): the time of each frame, one list per video;
  /// video k owns the next video_frame_seconds[k].size() entries of video_frames.
  std::vector<std::vector<double>> video_frame_seconds;
};

/// Does variant V have an audio tower (or might it, being read at run time)?
template <class V>
inline constexpr bool may_have_audio_v = is_dynamic_config_v<V> || has_audio_tower_v<V>;

/// Which modalities a model takes.
struct Modalities {
  bool text = true, image = false, audio = false;
};

template <class Config, class T>
class Model {
 public:
  using Compute = compute_t<T>;
  using C = Compute;
  using Cache = KVCache<C>;
  using Text = TextModel<Config, T>;
  using Vision = VisionModel<Config, T>;
  struct NoAudio {};  // the audio member of variants without an audio tower
  using Audio = std::conditional_t<may_have_audio_v<Config>, AudioModel<Config, T>, NoAudio>;

  /// Loads a whole hub checkpoint: model.language_model.*, and the towers its config.json names
  /// (model.vision_tower.* + model.embed_vision.*, model.audio_tower.* + model.embed_audio.*).
  /// For a compile-time variant every config must match it.
  static Model load(const std::filesystem::path& dir, const LoadOptions& options = {}) {
    const auto file = std::filesystem::is_directory(dir) ? dir / "config.json" : dir;
    const auto folder = std::filesystem::is_directory(dir) ? dir : dir.parent_path();
    const nlohmann::json root = read_json_file(file);
    const std::string where = file.string();
    const TextConfig tc = text_config_from_json(root, where);
    const MergeIds ids = merge_ids_from_json(root, tc, where);
    auto ckpt = std::make_shared<const Checkpoint>(folder, options.progress);
    try {
      std::optional<Vision> vision;
      if (const auto vc = vision_config_from_json(root, where))
        vision.emplace(*vc, tc.hidden_size, bind_vision_weights<T>(ckpt, *vc, tc.hidden_size));
      else if constexpr (!is_dynamic_config_v<Config>)
        detail::fail("the compiled variant ", Config::name,
                     " has a vision tower but vision_config is null");
      std::optional<Audio> audio;
      if constexpr (may_have_audio_v<Config>) {
        if (const auto ac = audio_config_from_json(root, where))
          audio.emplace(*ac, tc.hidden_size, ckpt);
        else if constexpr (!is_dynamic_config_v<Config>)
          detail::fail("the compiled variant ", Config::name,
                       " has an audio tower but audio_config is null");
      } else {
        if (audio_config_from_json(root, where))
          detail::fail("audio_config is set, but the compiled variant ", Config::name,
                       " has no audio tower");
      }
      return Model(Text(tc, ckpt, options), std::move(vision), std::move(audio), ids);
    } catch (const Error& e) {
      const std::string_view what = e.what();
      if (what.find("does not match the compiled variant") != std::string_view::npos ||
          what.starts_with("the compiled variant") || what.starts_with("audio_config is set"))
        throw Error(detail::concat(where, ": ", what));
      throw;
    }
  }

  /// A model from its parts (tests, random initialisation).
  Model(Text text, std::optional<Vision> vision, std::optional<Audio> audio, const MergeIds& ids)
      : text_(std::move(text)), vision_(std::move(vision)), audio_(std::move(audio)), ids_(ids) {
    check_merge_ids(ids_, text_.config(), "multimodal model");
  }

  const Text& text() const { return text_; }
  const TextConfig& config() const { return text_.config(); }
  const MergeIds& merge_ids() const { return ids_; }
  bool has_vision() const { return vision_.has_value(); }
  bool has_audio() const { return audio_.has_value(); }
  Modalities modalities() const { return {true, has_vision(), has_audio()}; }
  Cache make_cache() const { return text_.make_cache(); }

  const Vision& vision() const {
    if (!vision_) detail::fail("this model has no vision tower (vision_config is null)");
    return *vision_;
  }
  const Audio& audio() const {
    if (!audio_) detail::fail("this model has no audio tower (only E2B and E4B have one)");
    return *audio_;
  }

  /// Is the vision attention overlay on (use_bidirectional_attention == "vision")?
  bool vision_overlay() const { return config().bidirectional_vision; }

  /// The features [n_soft, H] of one image at soft-token budget S (checked against
  /// 70/140/280/560/1120 unless `o.unchecked_budget`).
  RowMatrix<C> encode_image(const Image& image, const ImageProcessorOptions& o,
                            const TapFn<C>& tap = {}) const {
    const PreprocessedImage<C> p = preprocess_image<C>(image, o);
    return vision().image_features(p, tap);
  }
  RowMatrix<C> encode_image(const Image& image, int budget) const {
    ImageProcessorOptions o = processor_options(vision().config(), budget);
    o.pad_to_budget = false;  // the real patches only: the same soft tokens, less work
    return encode_image(image, o);
  }

  /// The soft tokens [n, H] (valid frames) of one 16 kHz mono clip.
  RowMatrix<C> encode_audio(std::span<const double> samples16k, const TapFn<C>& tap = {}) const {
    if constexpr (may_have_audio_v<Config>) {
      return audio().soft_tokens(samples16k, tap).features;
    } else {
      static_assert(may_have_audio_v<Config>,
                    "gemma4: this variant has no audio tower (only E2B and E4B have one)");
      return {};
    }
  }

  /// Feeds a prompt (placeholders expanded) and its media, appending to the cache. `splits`
  /// (optional) are positions at which to cut the prompt into several forward calls, as a
  /// chunked prefill does; with the vision overlay on, a cut inside an image block moves to the
  /// end of that block, so that every block is seen whole (the logits equal one call's). Returns
  /// logits as TextModel::forward does (for All: every position of the prompt).
  RowMatrix<C> forward(std::span<const TokenId> ids, const Media<C>& media, Cache& cache,
                       LogitsFor which = LogitsFor::Last, const TapFn<C>& tap = {},
                       std::span<const Eigen::Index> splits = {}) const {
    const Eigen::Index H = config().hidden_size;
    check_media(ids, media);
    SoftTokenQueue<C> images(media.images, H), videos(media.video_frames, H), audio(media.audio, H);
    if (tap) emit_merge_taps(ids, images, audio, tap);

    const std::vector<Eigen::Index> cuts = chunk_ends(ids, splits);
    RowMatrix<C> logits(which == LogitsFor::All ? static_cast<Eigen::Index>(ids.size()) : 0,
                        config().vocab_size);
    Eigen::Index begin = 0;
    for (const Eigen::Index end : cuts) {
      const auto part =
          ids.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
      const SoftTokens<C> soft = soft_tokens_for_call<C>(part, ids_, images, videos, audio, H,
                                                         vision_overlay(), cache.size());
      const std::vector<TokenId> llm_ids = llm_input_ids(part, ids_);
      const bool last = end == static_cast<Eigen::Index>(ids.size());
      const LogitsFor w = which == LogitsFor::All ? LogitsFor::All : last ? which : LogitsFor::None;
      RowMatrix<C> l = text_.forward(llm_ids, cache, w, tap, &soft);
      if (which == LogitsFor::All)
        logits.middleRows(begin, end - begin) = l;
      else if (last)
        logits = std::move(l);
      begin = end;
    }
    return logits;
  }

  /// forward() over a fresh cache: logits for every position by default.
  RowMatrix<C> forward(std::span<const TokenId> ids, const Media<C>& media,
                       LogitsFor which = LogitsFor::All, const TapFn<C>& tap = {}) const {
    Cache cache = make_cache();
    return forward(ids, media, cache, which, tap);
  }

  /// Text only (no placeholders): what a decoding step feeds, so generate() works unchanged.
  RowMatrix<C> forward(std::span<const TokenId> ids, Cache& cache,
                       LogitsFor which = LogitsFor::Last, const TapFn<C>& tap = {}) const {
    return forward(ids, Media<C>{}, cache, which, tap);
  }

  /// Where forward() cuts `ids` for the requested splits (ascending ends, the last = size).
  std::vector<Eigen::Index> chunk_ends(std::span<const TokenId> ids,
                                       std::span<const Eigen::Index> splits) const {
    const auto n = static_cast<Eigen::Index>(ids.size());
    const std::vector<int> block =
        vision_overlay() ? vision_block_ids(mm_token_type_ids(ids, ids_)) : std::vector<int>{};
    std::vector<Eigen::Index> ends;
    for (Eigen::Index cut : splits) {
      if (cut <= 0 || cut >= n) continue;
      // Keep blocks whole: a cut between two positions of one block moves past the block.
      while (!block.empty() && cut < n && block[static_cast<std::size_t>(cut)] >= 0 &&
             block[static_cast<std::size_t>(cut)] == block[static_cast<std::size_t>(cut - 1)])
        ++cut;
      if (cut < n && (ends.empty() || cut > ends.back())) ends.push_back(cut);
    }
    ends.push_back(n);
    return ends;
  }

 private:
  /// The counts of placeholders and soft tokens agree for each kind (HF checks this too).
  void check_media(std::span<const TokenId> ids, const Media<C>& media) const {
    Eigen::Index n[4] = {0, 0, 0, 0};
    for (const TokenId id : ids) ++n[static_cast<int>(ids_.type_of(id))];
    auto rows = [](const std::vector<RowMatrix<C>>& v) {
      Eigen::Index r = 0;
      for (const auto& m : v) r += m.rows();
      return r;
    };
    const Eigen::Index given[4] = {0, rows(media.images), rows(media.video_frames),
                                   rows(media.audio)};
    const char* kind[4] = {"", "image", "video", "audio"};
    const TokenId id[4] = {0, ids_.special.image_token_id, ids_.special.video_token_id,
                           ids_.special.audio_token_id};
    if (!media.audio.empty() && !has_audio())
      detail::fail("multimodal prompt: audio given to a model without an audio tower");
    if ((!media.images.empty() || !media.video_frames.empty()) && !has_vision())
      detail::fail("multimodal prompt: images given to a model without a vision tower");
    for (int k = 1; k < 4; ++k)
      if (n[k] != given[k])
        detail::fail("multimodal prompt: ", n[k], " ", kind[k], " placeholders (id ", id[k],
                     ") but ", given[k], " ", kind[k], " soft tokens given");
  }

  void emit_merge_taps(std::span<const TokenId> ids, const SoftTokenQueue<C>& images,
                       const SoftTokenQueue<C>& audio, const TapFn<C>& tap) const {
    const auto n = static_cast<Eigen::Index>(ids.size());
    auto emit = [&](std::string_view name, const RowMatrix<C>& v,
                    std::vector<std::int64_t> shape = {}, bool integer = false) {
      if (shape.empty()) shape = {v.rows(), v.cols()};
      tap(Tap<C>{name, v, std::move(shape), integer});
    };
    auto as_row = [&](const auto& values) {
      RowMatrix<C> m(1, n);
      for (Eigen::Index t = 0; t < n; ++t)
        m(0, t) = static_cast<C>(values[static_cast<std::size_t>(t)]);
      return m;
    };
    const std::vector<int> types = mm_token_type_ids(ids, ids_);
    const std::vector<int> block =
        vision_overlay() ? vision_block_ids(types) : std::vector<int>(types.size(), -1);
    emit("mm_token_type_ids", as_row(types), {n}, true);
    emit("llm_input_ids", as_row(llm_input_ids(ids, ids_)), {n}, true);
    emit("block_sequence_ids", as_row(block), {n}, true);
    emit("mask_sliding",
         attention_mask_matrix<C>(LayerType::Sliding, block, config().sliding_window), {}, true);
    emit("mask_full", attention_mask_matrix<C>(LayerType::Full, block, config().sliding_window), {},
         true);
    if (images.size() > 0) emit("image_features", images.all());
    if (audio.size() > 0) emit("audio_features", audio.all());
  }

  Text text_;
  std::optional<Vision> vision_;
  std::optional<Audio> audio_;
  MergeIds ids_;
};

}  // namespace gemma4
