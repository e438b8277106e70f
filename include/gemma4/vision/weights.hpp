// gemma4/vision/weights.hpp: every tensor of the vision tower and of embed_vision, by checkpoint
// name and shape (spec vision.md §12), and binding them from a Checkpoint.
//
//   model.vision_tower.patch_embedder.input_proj.weight              [Dv, 3 p^2]
//   model.vision_tower.patch_embedder.position_embedding_table       [2, P, Dv]
//   model.vision_tower.encoder.layers.{l}.input_layernorm.weight     [Dv]   (+ 3 more norms)
//   model.vision_tower.encoder.layers.{l}.self_attn.q_proj.linear.weight   [Hv dh, Dv]
//                                            .q_proj.input_min / input_max / output_min /
//                                            output_max                    [] (clipped only)
//   ... k_proj, v_proj [Hkv dh, Dv], o_proj [Dv, Hv dh], q_norm / k_norm [dh],
//   ... mlp.gate_proj / up_proj [Iv, Dv], mlp.down_proj [Dv, Iv]
//   model.vision_tower.std_bias, std_scale                           [Dv]   (standardize only)
//   model.embed_vision.embedding_projection.weight                   [Dt, Dv]
//
// Clip bounds: with use_clipped_linears each present bound is read (any of the four may be
// missing: it stays +-inf); without it none is read (a file that has them anyway is fine).
// A checkpoint with no vision tower asked for one is a gemma4::Error naming the file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gemma4/io/checkpoint.hpp"
#include "gemma4/text/weights.hpp"
#include "gemma4/vision/config.hpp"
#include "gemma4/vision/encoder_layer.hpp"
#include "gemma4/vision/patch_embedder.hpp"
#include "gemma4/vision/projector.hpp"

namespace gemma4 {

inline constexpr std::string_view kVisionTowerPrefix = "model.vision_tower.";
inline constexpr std::string_view kEmbedVisionPrefix = "model.embed_vision.";

/// The ClippableLinear modules of one encoder layer, relative to "encoder.layers.{l}.".
inline constexpr std::array<std::string_view, 7> kVisionClippableModules = {
    "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
    "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};
inline constexpr std::array<std::string_view, 4> kClipBoundNames = {"input_min", "input_max",
                                                                    "output_min", "output_max"};

/// Every tensor of the vision tower of c and of embed_vision into text width Dt (full names),
/// with the clip bounds as scalars [] when c.use_clipped_linears.
inline std::vector<TensorSpec> expected_vision_tensors(const VisionConfig& c, int text_hidden) {
  using V = std::vector<std::int64_t>;
  const std::int64_t D = c.hidden_size, I = c.intermediate_size, q = c.q_width(), kv = c.kv_width(),
                     dh = c.head_dim;
  const std::string t(kVisionTowerPrefix);
  std::vector<TensorSpec> out;
  out.push_back({t + "patch_embedder.input_proj.weight", V{D, c.patch_dim()}});
  out.push_back(
      {t + "patch_embedder.position_embedding_table", V{2, c.position_embedding_size, D}});
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = t + "encoder.layers." + std::to_string(l) + ".";
    for (const char* n : {"input_layernorm", "post_attention_layernorm",
                          "pre_feedforward_layernorm", "post_feedforward_layernorm"})
      out.push_back({p + n + ".weight", V{D}});
    const V shapes[] = {{q, D}, {kv, D}, {kv, D}, {D, q}, {I, D}, {I, D}, {D, I}};
    for (std::size_t m = 0; m < kVisionClippableModules.size(); ++m) {
      const std::string mod = p + std::string(kVisionClippableModules[m]);
      out.push_back({mod + ".linear.weight", shapes[m]});
      if (c.use_clipped_linears)
        for (auto b : kClipBoundNames) out.push_back({mod + "." + std::string(b), V{}});
      if (m == 0) out.push_back({p + "self_attn.q_norm.weight", V{dh}});
      if (m == 1) out.push_back({p + "self_attn.k_norm.weight", V{dh}});
    }
  }
  if (c.standardize) {
    out.push_back({t + "std_bias", V{D}});
    out.push_back({t + "std_scale", V{D}});
  }
  out.push_back(
      {std::string(kEmbedVisionPrefix) + "embedding_projection.weight", V{text_hidden, D}});
  return out;
}

/// All learned tensors of the vision tower and the projector.
template <class T>
struct VisionWeights {
  using C = compute_t<T>;
  PatchEmbedderWeights<T> patch_embedder;
  std::vector<VisionEncoderLayerWeights<T>> layers;
  Vector<C> std_bias, std_scale;  // [Dv], standardize only
  EmbedVisionWeights<T> embed_vision;
};

namespace detail {

/// Reads vision tensors of one checkpoint, checking every shape.
template <class T>
class VisionBinder {
 public:
  using C = compute_t<T>;
  explicit VisionBinder(std::shared_ptr<const Checkpoint> ckpt) : ckpt_(std::move(ckpt)) {}

  Weight<T> matrix(const std::string& name, std::int64_t rows, std::int64_t cols,
                   std::vector<std::int64_t> shape = {}) {
    if (shape.empty()) shape = {rows, cols};
    const Checkpoint::Ref r = get(name, shape);
    if (const T* p = r.file->try_view<T>(*r.info)) return Weight<T>(p, rows, cols, ckpt_);
    auto buf = std::make_shared<std::vector<T>>(static_cast<std::size_t>(rows * cols));
    r.file->read_into<T>(*r.info, std::span<T>(*buf));
    return Weight<T>(buf->data(), rows, cols, buf);
  }

  Vector<C> vector(const std::string& name, std::int64_t n) {
    const Checkpoint::Ref r = get(name, {n});
    std::vector<T> v(static_cast<std::size_t>(n));
    r.file->read_into<T>(*r.info, std::span<T>(v));
    Vector<C> out(n);
    for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<C>(v[static_cast<std::size_t>(i)]);
    return out;
  }

  /// A scalar bound ([] or [1]) read through T, if the checkpoint has it.
  std::optional<C> optional_scalar(const std::string& name) {
    const auto r = ckpt_->find(name);
    if (!r) return std::nullopt;
    if (r->info->numel() != 1)
      fail(r->file->path().string(), ": tensor '", name, "' has shape ",
           shape_string(r->info->shape), ", expected a scalar []");
    T v[1];
    r->file->read_into<T>(*r->info, std::span<T>(v, 1));
    return static_cast<C>(v[0]);
  }

  ClippableLinearWeights<T> clippable(const std::string& name, std::int64_t rows, std::int64_t cols,
                                      bool clipped) {
    ClippableLinearWeights<T> w;
    w.linear = matrix(name + ".linear.weight", rows, cols);
    if (!clipped) return w;
    if (auto v = optional_scalar(name + ".input_min")) w.input_min = *v;
    if (auto v = optional_scalar(name + ".input_max")) w.input_max = *v;
    if (auto v = optional_scalar(name + ".output_min")) w.output_min = *v;
    if (auto v = optional_scalar(name + ".output_max")) w.output_max = *v;
    return w;
  }

 private:
  Checkpoint::Ref get(const std::string& name, const std::vector<std::int64_t>& shape) {
    const auto r = ckpt_->find(name);
    if (!r)
      fail(ckpt_->path().string(), ": missing tensor '", name, "' (expected shape ",
           shape_string(shape), ")");
    if (r->info->shape != shape)
      fail(r->file->path().string(), ": tensor '", name, "' has shape ",
           shape_string(r->info->shape), ", expected ", shape_string(shape));
    if (!dtype_is_floating(r->info->dtype))
      fail(r->file->path().string(), ": tensor '", name, "' has dtype ", dtype_name(r->info->dtype),
           ", expected a floating-point dtype");
    return *r;
  }

  std::shared_ptr<const Checkpoint> ckpt_;
};

}  // namespace detail

/// True when the checkpoint holds a vision tower.
inline bool has_vision_tower(const Checkpoint& ckpt) {
  return ckpt.contains(std::string(kVisionTowerPrefix) + "patch_embedder.input_proj.weight");
}

/// Binds every vision tensor of `ckpt` for config c, projecting into text width Dt.
template <class T>
VisionWeights<T> bind_vision_weights(std::shared_ptr<const Checkpoint> ckpt, const VisionConfig& c,
                                     int text_hidden) {
  if (!has_vision_tower(*ckpt))
    detail::fail(ckpt->path().string(), ": the checkpoint has no vision tower (no tensor '",
                 kVisionTowerPrefix, "patch_embedder.input_proj.weight')");
  detail::VisionBinder<T> b(ckpt);
  const std::int64_t D = c.hidden_size, I = c.intermediate_size, q = c.q_width(), kv = c.kv_width(),
                     P = c.position_embedding_size;
  const std::string t(kVisionTowerPrefix);
  VisionWeights<T> w;
  w.patch_embedder.input_proj = b.matrix(t + "patch_embedder.input_proj.weight", D, c.patch_dim());
  w.patch_embedder.position_embedding_table =
      b.matrix(t + "patch_embedder.position_embedding_table", 2 * P, D, {2, P, D});
  w.patch_embedder.position_embedding_size = c.position_embedding_size;
  const bool clip = c.use_clipped_linears;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = t + "encoder.layers." + std::to_string(l) + ".";
    VisionEncoderLayerWeights<T> lw;
    lw.input_layernorm = b.vector(p + "input_layernorm.weight", D);
    lw.post_attention_layernorm = b.vector(p + "post_attention_layernorm.weight", D);
    lw.pre_feedforward_layernorm = b.vector(p + "pre_feedforward_layernorm.weight", D);
    lw.post_feedforward_layernorm = b.vector(p + "post_feedforward_layernorm.weight", D);
    auto& a = lw.self_attn;
    a.q_proj = b.clippable(p + "self_attn.q_proj", q, D, clip);
    a.k_proj = b.clippable(p + "self_attn.k_proj", kv, D, clip);
    a.v_proj = b.clippable(p + "self_attn.v_proj", kv, D, clip);
    a.o_proj = b.clippable(p + "self_attn.o_proj", D, q, clip);
    a.q_norm = b.vector(p + "self_attn.q_norm.weight", c.head_dim);
    a.k_norm = b.vector(p + "self_attn.k_norm.weight", c.head_dim);
    lw.mlp.gate_proj = b.clippable(p + "mlp.gate_proj", I, D, clip);
    lw.mlp.up_proj = b.clippable(p + "mlp.up_proj", I, D, clip);
    lw.mlp.down_proj = b.clippable(p + "mlp.down_proj", D, I, clip);
    w.layers.push_back(std::move(lw));
  }
  if (c.standardize) {
    w.std_bias = b.vector(t + "std_bias", D);
    w.std_scale = b.vector(t + "std_scale", D);
  }
  w.embed_vision.embedding_projection =
      b.matrix(std::string(kEmbedVisionPrefix) + "embedding_projection.weight", text_hidden, D);
  return w;
}

}  // namespace gemma4
