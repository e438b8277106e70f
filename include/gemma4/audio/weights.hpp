// gemma4/audio/weights.hpp: every tensor of the audio tower and of embed_audio, by checkpoint name
// and shape (spec audio.md §9), and binding them from a Checkpoint.
//
//   model.audio_tower.subsample_conv_projection.layer0.conv.weight  [128, 1, 3, 3]
//   model.audio_tower.subsample_conv_projection.layer0.norm.weight  [128]
//   model.audio_tower.subsample_conv_projection.layer1.conv.weight  [32, 128, 3, 3]
//   model.audio_tower.subsample_conv_projection.layer1.norm.weight  [32]
//   model.audio_tower.subsample_conv_projection.input_proj_linear.weight  [Da, 1024]
//   model.audio_tower.layers.{l}. ...                               (the full table below)
//   model.audio_tower.output_proj.weight [1536, Da], .bias [1536]
//   model.embed_audio.embedding_projection.weight [Dt, 1536]       (its RMSNorm has no weight)
//
// Each clippable linear "<m>" is <m>.linear.weight plus the scalars <m>.input_min, .input_max,
// .output_min, .output_max when use_clipped_linears. Not stored: the relative position table.
// A missing tensor or a wrong shape is a gemma4::Error naming the tensor, both shapes and the file.
// Large matrices are views of the mapping when the file holds T, else converted copies; norms,
// bounds and the small conv kernels are read into compute-type vectors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gemma4/audio/conformer_block.hpp"
#include "gemma4/audio/subsample.hpp"
#include "gemma4/io/checkpoint.hpp"

namespace gemma4 {

/// A checkpoint tensor of the audio path: full name and shape.
struct AudioTensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

inline constexpr std::string_view kAudioTowerPrefix = "model.audio_tower.";
inline constexpr std::string_view kEmbedAudioPrefix = "model.embed_audio.";

namespace detail {
inline void add_clippable(std::vector<AudioTensorSpec>& t, const AudioConfig& c,
                          const std::string& m, std::int64_t out, std::int64_t in) {
  t.push_back({m + ".linear.weight", {out, in}});
  if (c.use_clipped_linears)
    for (const char* b : {".input_min", ".input_max", ".output_min", ".output_max"})
      t.push_back({m + b, {}});
}
}  // namespace detail

/// Every tensor of the audio tower (prefix model.audio_tower.) in a fixed order.
inline std::vector<AudioTensorSpec> expected_audio_tower_tensors(const AudioConfig& c) {
  using V = std::vector<std::int64_t>;
  const std::int64_t D = c.hidden_size, c0 = c.subsampling_conv_channels[0],
                     c1 = c.subsampling_conv_channels[1];
  const std::string p(kAudioTowerPrefix);
  std::vector<AudioTensorSpec> t;
  const std::string s = p + "subsample_conv_projection.";
  t.push_back({s + "layer0.conv.weight", V{c0, 1, 3, 3}});
  t.push_back({s + "layer0.norm.weight", V{c0}});
  t.push_back({s + "layer1.conv.weight", V{c1, c0, 3, 3}});
  t.push_back({s + "layer1.norm.weight", V{c1}});
  t.push_back({s + "input_proj_linear.weight", V{D, c.subsample_flat_width()}});
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string L = p + "layers." + std::to_string(l) + ".";
    for (const char* ff : {"feed_forward1", "feed_forward2"}) {
      const std::string f = L + ff + ".";
      t.push_back({f + "pre_layer_norm.weight", V{D}});
      detail::add_clippable(t, c, f + "ffw_layer_1", 4 * D, D);
      detail::add_clippable(t, c, f + "ffw_layer_2", D, 4 * D);
      t.push_back({f + "post_layer_norm.weight", V{D}});
    }
    t.push_back({L + "norm_pre_attn.weight", V{D}});
    for (const char* m : {"q_proj", "k_proj", "v_proj", "post"})
      detail::add_clippable(t, c, L + "self_attn." + m, D, D);
    t.push_back({L + "self_attn.relative_k_proj.weight", V{D, D}});
    t.push_back({L + "self_attn.per_dim_scale", V{c.head_dim()}});
    t.push_back({L + "norm_post_attn.weight", V{D}});
    t.push_back({L + "lconv1d.pre_layer_norm.weight", V{D}});
    detail::add_clippable(t, c, L + "lconv1d.linear_start", 2 * D, D);
    t.push_back({L + "lconv1d.depthwise_conv1d.weight", V{D, 1, c.conv_kernel_size}});
    t.push_back({L + "lconv1d.conv_norm.weight", V{D}});
    detail::add_clippable(t, c, L + "lconv1d.linear_end", D, D);
    t.push_back({L + "norm_out.weight", V{D}});
  }
  t.push_back({p + "output_proj.weight", V{c.output_proj_dims, D}});
  t.push_back({p + "output_proj.bias", V{c.output_proj_dims}});
  return t;
}

/// The tensor of embed_audio: [text hidden, output_proj_dims].
inline std::vector<AudioTensorSpec> expected_embed_audio_tensors(const AudioConfig& c,
                                                                 std::int64_t text_hidden) {
  return {{std::string(kEmbedAudioPrefix) + "embedding_projection.weight",
           {text_hidden, c.output_proj_dims}}};
}

/// All learned tensors of the audio tower.
template <class T>
struct AudioTowerWeights {
  using C = compute_t<T>;
  AudioSubsampleWeights<T> subsample_conv_projection;
  std::vector<ConformerBlockWeights<T>> layers;
  Weight<T> output_proj;       // [out, Da]
  Vector<C> output_proj_bias;  // [out]
};

/// embed_audio: RMSNorm without weight, then this projection.
template <class T>
struct EmbedAudioWeights {
  Weight<T> embedding_projection;  // [Dt, out]
};

namespace detail {

/// Reads audio tensors by full name, checking every shape.
template <class T>
class AudioBinder {
 public:
  using C = compute_t<T>;
  explicit AudioBinder(std::shared_ptr<const Checkpoint> ckpt) : ckpt_(std::move(ckpt)) {}

  Checkpoint::Ref get(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const auto r = ckpt_->find(name);
    if (!r)
      fail(ckpt_->path().string(), ": missing tensor '", name, "' (expected shape ",
           shape_string(shape), ")");
    if (r->info->shape != shape)
      fail(r->file->path().string(), ": tensor '", name, "' has shape ",
           shape_string(r->info->shape), ", expected ", shape_string(shape));
    const DType d = r->info->dtype;
    if (d != DType::F64 && d != DType::F32 && d != DType::F16 && d != DType::BF16)
      fail(r->file->path().string(), ": tensor '", name, "' has dtype ", dtype_name(d),
           ", expected a floating-point dtype");
    return *r;
  }

  Weight<T> matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const {
    const Checkpoint::Ref r = get(name, {rows, cols});
    if (const T* p = r.file->try_view<T>(*r.info)) return Weight<T>(p, rows, cols, ckpt_);
    auto buf = std::make_shared<std::vector<T>>(static_cast<std::size_t>(rows * cols));
    convert<T>(r.info->dtype, r.data(), buf->data());
    return Weight<T>(buf->data(), rows, cols, buf);
  }

  /// Any-shaped tensor read through T into compute-type values (row-major).
  std::vector<C> values(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const Checkpoint::Ref r = get(name, shape);
    std::vector<T> v(static_cast<std::size_t>(r.info->numel()));
    convert<T>(r.info->dtype, r.data(), v.data());
    return std::vector<C>(v.begin(), v.end());
  }

  Vector<C> vector(const std::string& name, std::int64_t n) const {
    const std::vector<C> v = values(name, {n});
    return Eigen::Map<const Vector<C>>(v.data(), n);
  }

  double scalar(const std::string& name) const { return static_cast<double>(values(name, {})[0]); }

  AudioClippableLinearWeights<T> clippable(const AudioConfig& c, const std::string& m,
                                           std::int64_t out, std::int64_t in) const {
    AudioClippableLinearWeights<T> w;
    w.linear = matrix(m + ".linear.weight", out, in);
    if (c.use_clipped_linears) {
      w.input_min = scalar(m + ".input_min");
      w.input_max = scalar(m + ".input_max");
      w.output_min = scalar(m + ".output_min");
      w.output_max = scalar(m + ".output_max");
    }
    return w;
  }

 private:
  std::shared_ptr<const Checkpoint> ckpt_;
};

}  // namespace detail

/// Binds every audio-tower tensor of `ckpt` for config c.
template <class T>
AudioTowerWeights<T> bind_audio_tower_weights(std::shared_ptr<const Checkpoint> ckpt,
                                              const AudioConfig& c) {
  using C = compute_t<T>;
  const detail::AudioBinder<T> b(std::move(ckpt));
  const std::int64_t D = c.hidden_size, c0 = c.subsampling_conv_channels[0],
                     c1 = c.subsampling_conv_channels[1];
  const std::string p(kAudioTowerPrefix);
  const std::string s = p + "subsample_conv_projection.";
  AudioTowerWeights<T> w;
  auto& sub = w.subsample_conv_projection;
  sub.layer0.conv =
      conv2d_patch_matrix<C>(b.values(s + "layer0.conv.weight", {c0, 1, 3, 3}), c0, 1);
  sub.layer0.norm = b.vector(s + "layer0.norm.weight", c0);
  sub.layer1.conv =
      conv2d_patch_matrix<C>(b.values(s + "layer1.conv.weight", {c1, c0, 3, 3}), c1, c0);
  sub.layer1.norm = b.vector(s + "layer1.norm.weight", c1);
  sub.input_proj_linear = b.matrix(s + "input_proj_linear.weight", D, c.subsample_flat_width());
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string L = p + "layers." + std::to_string(l) + ".";
    ConformerBlockWeights<T> lw;
    auto ffn = [&](const std::string& f) {
      AudioFeedForwardWeights<T> fw;
      fw.pre_layer_norm = b.vector(f + "pre_layer_norm.weight", D);
      fw.ffw_layer_1 = b.clippable(c, f + "ffw_layer_1", 4 * D, D);
      fw.ffw_layer_2 = b.clippable(c, f + "ffw_layer_2", D, 4 * D);
      fw.post_layer_norm = b.vector(f + "post_layer_norm.weight", D);
      return fw;
    };
    lw.feed_forward1 = ffn(L + "feed_forward1.");
    lw.norm_pre_attn = b.vector(L + "norm_pre_attn.weight", D);
    auto& a = lw.self_attn;
    a.q_proj = b.clippable(c, L + "self_attn.q_proj", D, D);
    a.k_proj = b.clippable(c, L + "self_attn.k_proj", D, D);
    a.v_proj = b.clippable(c, L + "self_attn.v_proj", D, D);
    a.post = b.clippable(c, L + "self_attn.post", D, D);
    a.relative_k_proj = b.matrix(L + "self_attn.relative_k_proj.weight", D, D);
    a.per_dim_scale = b.vector(L + "self_attn.per_dim_scale", c.head_dim());
    lw.norm_post_attn = b.vector(L + "norm_post_attn.weight", D);
    auto& lc = lw.lconv1d;
    lc.pre_layer_norm = b.vector(L + "lconv1d.pre_layer_norm.weight", D);
    lc.linear_start = b.clippable(c, L + "lconv1d.linear_start", 2 * D, D);
    const std::vector<C> dw =
        b.values(L + "lconv1d.depthwise_conv1d.weight", {D, 1, c.conv_kernel_size});
    lc.depthwise_conv1d = Eigen::Map<const RowMatrix<C>>(dw.data(), D, c.conv_kernel_size);
    lc.conv_norm = b.vector(L + "lconv1d.conv_norm.weight", D);
    lc.linear_end = b.clippable(c, L + "lconv1d.linear_end", D, D);
    lw.feed_forward2 = ffn(L + "feed_forward2.");
    lw.norm_out = b.vector(L + "norm_out.weight", D);
    w.layers.push_back(std::move(lw));
  }
  w.output_proj = b.matrix(p + "output_proj.weight", c.output_proj_dims, D);
  w.output_proj_bias = b.vector(p + "output_proj.bias", c.output_proj_dims);
  return w;
}

/// Binds embed_audio's projection [text_hidden, output_proj_dims].
template <class T>
EmbedAudioWeights<T> bind_embed_audio_weights(std::shared_ptr<const Checkpoint> ckpt,
                                              const AudioConfig& c, std::int64_t text_hidden) {
  const detail::AudioBinder<T> b(std::move(ckpt));
  return {b.matrix(std::string(kEmbedAudioPrefix) + "embedding_projection.weight", text_hidden,
                   c.output_proj_dims)};
}

}  // namespace gemma4
