// gemma4/vision/model.hpp: the vision tower and its projector, from patches to the soft tokens
// that replace an image's placeholders (HF `Gemma4VisionModel` + `get_image_features`, spec
// vision.md §10).
//
//   h  = patch_embed(pixel_values, pos)                         [rows, Dv]    patch_embedder.hpp
//   h  = encoder_layer_l(h, pos)   for l < Lv                   [rows, Dv]    encoder_layer.hpp
//   t  = pool3x3(h, pos) * sqrt(Dv), first n_soft slots kept    [n, Dv]       pooler.hpp
//   t  = (t - std_bias) * std_scale          (standardize: 26B-A4B, 31B)
//   features = embed_vision(t)                                  [n, Dt]       projector.hpp
//
// rows is either 9 S (HF's padded batch: padding rows at (-1, -1) are computed, masked as keys
// and dropped by the pooler) or the N real patches only (same result for the real patches, less
// work: what the CLI and the bench use).
//
//   auto vision = gemma4::VisionModel<gemma4::Dynamic, float>::load("gemma-4-E2B-it");
//   auto img = gemma4::preprocess_image<float>(gemma4::load_image("cat.png"),
//                                              gemma4::processor_options(vision.config(), 280));
//   gemma4::RowMatrix<float> features = vision.image_features(img);   // [n_soft, 1536]
//
// Taps (golden key names): image_rope_cos, image_rope_sin, image_patch_embeddings,
// image_hidden_states.{0..Lv}, image_encoder_output, image_pooled, image_pooler_mask,
// image_soft_tokens, image_features.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "gemma4/io/checkpoint.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/variants.hpp"
#include "gemma4/vision/config_json.hpp"
#include "gemma4/vision/image_processor.hpp"
#include "gemma4/vision/pooler.hpp"
#include "gemma4/vision/weights.hpp"

namespace gemma4 {

/// The tower's outputs for one image.
template <class C>
struct VisionOutput {
  RowMatrix<C> soft_tokens;  // [n_soft, Dv]: vision tower output (HF last_hidden_state)
  RowMatrix<C> features;     // [n_soft, Dt]: after embed_vision (HF pooler_output)
};

namespace detail {
template <class Config>
struct VisionConfigCheck {
  static void check(const VisionConfig& c) {
    [[maybe_unused]] CheckedVision<Config::vision> compile_time_rules;
    const auto diff = vision_config_mismatches(Config::vision, c);
    if (diff.empty()) return;
    std::string msg =
        concat("vision config does not match the compiled variant ", Config::name, ":");
    for (const auto& d : diff) msg += "\n  - " + d;
    throw Error(msg);
  }
};
template <>
struct VisionConfigCheck<Dynamic> {
  static void check(const VisionConfig&) {}
};
}  // namespace detail

/// The vision tower + embed_vision of variant Config (or Dynamic) with storage type T.
template <class Config, class T>
class VisionModel {
 public:
  using Compute = compute_t<T>;
  using C = Compute;

  VisionModel(const VisionConfig& config, int text_hidden_size, VisionWeights<T> weights)
      : config_(config), text_hidden_size_(text_hidden_size), weights_(std::move(weights)) {
    validate(config_, "vision model");
    detail::VisionConfigCheck<Config>::check(config_);
  }

  /// Loads config.json's vision_config and the vision tensors of a model folder.
  static VisionModel load(const std::filesystem::path& dir) {
    const auto file = std::filesystem::is_directory(dir) ? dir / "config.json" : dir;
    const nlohmann::json j = read_json_file(file);
    const auto vc = vision_config_from_json(j, file.string());
    if (!vc)
      detail::fail(file.string(),
                   ": the model has no vision tower (vision_config is null or absent)");
    const int dt = projector_output_size_from_json(j, file.string());
    auto ckpt = std::make_shared<const Checkpoint>(
        std::filesystem::is_directory(dir) ? dir : dir.parent_path());
    return VisionModel(*vc, dt, bind_vision_weights<T>(ckpt, *vc, dt));
  }

  const VisionConfig& config() const { return config_; }
  int text_hidden_size() const { return text_hidden_size_; }
  const VisionWeights<T>& weights() const { return weights_; }

  /// The tower and projector on pixel_values [rows, 3 p^2] at positions [rows, 2].
  VisionOutput<C> forward(const RowMatrix<C>& pixel_values, const PositionIds& pos,
                          const TapFn<C>& tap = {}) const {
    const VisionConfig& c = config_;
    auto emit = [&](std::string_view name, const RowMatrix<C>& v,
                    std::vector<std::int64_t> shape = {}, bool integer = false) {
      if (!tap) return;
      if (shape.empty()) shape = {v.rows(), v.cols()};
      tap(Tap<C>{name, v, std::move(shape), integer});
    };
    if (pixel_values.cols() != c.patch_dim())
      detail::fail("vision tower: patches of ", pixel_values.cols(), " values, expected ",
                   c.patch_dim(), " (", c.patch_size, "x", c.patch_size, "x3)");
    const VisionAttentionContext<C> ctx = vision_attention_context<C>(pos, c);
    if (ctx.keys.empty()) detail::fail("vision tower: every patch is padding");
    emit("image_rope_cos", ctx.cos);
    emit("image_rope_sin", ctx.sin);
    RowMatrix<C> h = patch_embed<C>(pixel_values, pos, weights_.patch_embedder);  // [rows, Dv]
    emit("image_patch_embeddings", h);
    emit("image_hidden_states.0", h);
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      vision_encoder_layer<C>(h, weights_.layers[static_cast<std::size_t>(l)], c, ctx);
      emit("image_hidden_states." + std::to_string(l + 1), h);
    }
    emit("image_encoder_output", h);
    const PooledPatches<C> pooled = vision_pool<C>(h, pos, c.pooling_kernel_size);
    emit("image_pooled", pooled.pooled);
    if (tap) {
      RowMatrix<C> mask(static_cast<Eigen::Index>(pooled.mask.size()), 1);
      for (std::size_t t = 0; t < pooled.mask.size(); ++t)
        mask(static_cast<Eigen::Index>(t), 0) = pooled.mask[t] ? C(1) : C(0);
      emit("image_pooler_mask", mask, {mask.rows()}, true);
    }
    VisionOutput<C> out;
    out.soft_tokens = strip_padding(pooled);  // [n_soft, Dv]
    if (c.standardize)
      out.soft_tokens =
          ((out.soft_tokens.rowwise() - weights_.std_bias.transpose()).array().rowwise() *
           weights_.std_scale.transpose().array())
              .matrix();
    emit("image_soft_tokens", out.soft_tokens);
    out.features = embed_vision<C>(out.soft_tokens, weights_.embed_vision, c.rms_norm_eps);
    emit("image_features", out.features);
    return out;
  }

  /// The features [n_soft, Dt] of a preprocessed image.
  RowMatrix<C> image_features(const PreprocessedImage<C>& img, const TapFn<C>& tap = {}) const {
    return forward(img.pixel_values, img.position_ids, tap).features;
  }

 private:
  VisionConfig config_;
  int text_hidden_size_ = 0;
  VisionWeights<T> weights_;
};

}  // namespace gemma4
