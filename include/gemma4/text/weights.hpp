// gemma4/text/weights.hpp: every tensor of the text decoder, by checkpoint name and shape
// (spec text-decoder §11), and binding them from a Checkpoint.
//
// Names are relative to a prefix: "model.language_model." in the multimodal hub checkpoints
// (all four releases), "model." in a text-only Gemma4ForCausalLM save; the binder detects which.
//
//   embed_tokens.weight [V, H]                        layers.{i}.input_layernorm.weight [H]
//   embed_tokens_per_layer.weight [V_ple, L*P]  PLE   layers.{i}.self_attn.q_proj.weight [nH*d_i,
//   H] per_layer_model_projection.weight [L*P, H]  PLE   ... (the full table:
//   expected_text_tensors) per_layer_projection_norm.weight [P]        PLE norm.weight [H]
//
// Tolerated and ignored: the tied `lm_head.weight` (it must equal embed_tokens in shape; it is
// used only when a config sets tie_word_embeddings = false, which no release does) and
// the unused k_proj / v_proj / k_norm of KV-shared layers that some released files carry.
// A missing tensor or a wrong shape is a gemma4::Error naming the tensor, the expected and the
// actual shape, and the file.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gemma4/io/checkpoint.hpp"
#include "gemma4/io/weight_arena.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/decoder_layer.hpp"

namespace gemma4 {

/// A checkpoint tensor's name (relative to the text prefix) and shape.
struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

/// Every tensor a checkpoint of config c must hold for the text decoder, in a fixed order
/// (model-level first, then layer by layer), without the optional lm_head.
inline std::vector<TensorSpec> expected_text_tensors(const TextConfig& c) {
  using V = std::vector<std::int64_t>;
  const std::int64_t H = c.hidden_size, P = c.hidden_size_per_layer_input, L = c.num_hidden_layers;
  std::vector<TensorSpec> t;
  t.push_back({"embed_tokens.weight", V{c.vocab_size, H}});
  if (c.has_ple()) {
    t.push_back({"embed_tokens_per_layer.weight", V{c.vocab_size_per_layer_input, L * P}});
    t.push_back({"per_layer_model_projection.weight", V{L * P, H}});
    t.push_back({"per_layer_projection_norm.weight", V{P}});
  }
  t.push_back({"norm.weight", V{H}});
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const LayerSpec s = layer_spec(c, i);
    const std::string p = "layers." + std::to_string(i) + ".";
    const std::int64_t d = s.head_dim, I = s.intermediate_size;
    for (const char* n : {"input_layernorm", "post_attention_layernorm",
                          "pre_feedforward_layernorm", "post_feedforward_layernorm"})
      t.push_back({p + n + ".weight", V{H}});
    t.push_back({p + "layer_scalar", V{1}});
    t.push_back({p + "self_attn.q_proj.weight", V{s.q_width(), H}});
    t.push_back({p + "self_attn.q_norm.weight", V{d}});
    if (!s.kv_shared) {
      t.push_back({p + "self_attn.k_proj.weight", V{s.kv_width(), H}});
      t.push_back({p + "self_attn.k_norm.weight", V{d}});
      if (s.has_v_proj()) t.push_back({p + "self_attn.v_proj.weight", V{s.kv_width(), H}});
    }
    t.push_back({p + "self_attn.o_proj.weight", V{H, s.q_width()}});
    t.push_back({p + "mlp.gate_proj.weight", V{I, H}});
    t.push_back({p + "mlp.up_proj.weight", V{I, H}});
    t.push_back({p + "mlp.down_proj.weight", V{H, I}});
    if (s.moe) {
      const std::int64_t E = c.num_experts, Im = c.moe_intermediate_size;
      t.push_back({p + "router.proj.weight", V{E, H}});
      t.push_back({p + "router.scale", V{H}});
      t.push_back({p + "router.per_expert_scale", V{E}});
      t.push_back({p + "experts.gate_up_proj", V{E, 2 * Im, H}});
      t.push_back({p + "experts.down_proj", V{E, H, Im}});
      t.push_back({p + "pre_feedforward_layernorm_2.weight", V{H}});
      t.push_back({p + "post_feedforward_layernorm_1.weight", V{H}});
      t.push_back({p + "post_feedforward_layernorm_2.weight", V{H}});
    }
    if (c.has_ple()) {
      t.push_back({p + "per_layer_input_gate.weight", V{P, H}});
      t.push_back({p + "per_layer_projection.weight", V{H, P}});
      t.push_back({p + "post_per_layer_input_norm.weight", V{H}});
    }
  }
  return t;
}

/// All learned tensors of the text decoder, as views into (or copies of) a checkpoint.
template <class T>
struct TextWeights {
  using C = compute_t<T>;
  Weight<T> embed_tokens;  // [V, H]; also the tied LM head
  Weight<T> lm_head;       // [V, H], only when tie_word_embeddings is false
  std::optional<PleModelWeights<T>> ple;
  Vector<C> norm;  // [H]
  std::vector<DecoderLayerWeights<T>> layers;
};

/// How weights are taken from a checkpoint.
struct LoadOptions {
  /// Keep embed_tokens and embed_tokens_per_layer memory-mapped in the file's dtype (only the
  /// rows of the tokens seen are read). false: copy them into memory as T.
  bool map_embeddings = true;
  /// Copy every matrix that a decode step reads whole (all but embed_tokens_per_layer and the
  /// routed experts) into anonymous memory with huge pages (io/weight_arena.hpp), and drop the
  /// mapped pages of the file: decode ran 12-18 % faster that way on the 2-core VM (E2B bf16),
  /// for a load that reads the 4.5 GB once. false: zero-copy views of the mapping (load is
  /// instant, pages come in on first use, the page cache holds them).
  bool copy_weights = true;
  /// Called with ("load", tensors bound, tensors) while binding.
  ProgressFn progress;
};

namespace detail {

/// Reads tensors of one checkpoint under one prefix, checking every shape.
template <class T>
class WeightBinder {
 public:
  using C = compute_t<T>;

  WeightBinder(std::shared_ptr<const Checkpoint> ckpt, LoadOptions options)
      : ckpt_(std::move(ckpt)), options_(std::move(options)) {
    for (const char* p : {"model.language_model.", "model."})
      if (ckpt_->find(std::string(p) + "embed_tokens.weight")) {
        prefix_ = p;
        return;
      }
    fail(ckpt_->path().string(),
         ": no text decoder found (neither model.language_model.embed_tokens.weight nor "
         "model.embed_tokens.weight)");
  }

  const std::string& prefix() const { return prefix_; }
  bool contains(const std::string& name) const { return ckpt_->find(prefix_ + name).has_value(); }

  /// A [rows, cols] matrix as T: a view of the mapping when the file holds T, else a copy.
  /// keep_raw: an embedding table, read through T from the file's dtype. by_rows: only rows are
  /// ever read (embed_tokens_per_layer), so it is never copied for copy_weights.
  Weight<T> matrix(const std::string& name, std::int64_t rows, std::int64_t cols,
                   bool keep_raw = false, bool by_rows = false) {
    const Checkpoint::Ref r = get(name, {rows, cols});
    const TensorInfo& info = *r.info;
    const bool copy = options_.copy_weights && !by_rows;
    // A mapped embedding table in another float dtype stays raw (read through T row by row).
    if (keep_raw && options_.map_embeddings && is_float(info.dtype) && !r.file->try_view<T>(info)) {
      if (!copy) return Weight<T>(r.file->data(info).data(), info.dtype, rows, cols, ckpt_);
      std::byte* p = arena().allocate(info.nbytes());  // the raw bytes, in anonymous memory
      std::memcpy(p, r.file->data(info).data(), info.nbytes());
      r.file->release(info);
      return Weight<T>(p, info.dtype, rows, cols, arena_);
    }
    return as_t(r, rows, cols, /*allow_view=*/options_.map_embeddings || !keep_raw, copy);
  }

  /// A [rows, cols] matrix named without the text prefix (the untied lm_head).
  Weight<T> top_level_matrix(const std::string& name, std::int64_t rows, std::int64_t cols) {
    const std::string saved = prefix_;
    prefix_.clear();
    Weight<T> w = matrix(name, rows, cols);
    prefix_ = saved;
    return w;
  }

  /// expert e of a packed [E, rows, cols] tensor, each a [rows, cols] Weight.
  std::vector<Weight<T>> experts(const std::string& name, std::int64_t E, std::int64_t rows,
                                 std::int64_t cols) {
    const Weight<T> all = as_t(get(name, {E, rows, cols}), E * rows, cols);
    std::vector<Weight<T>> out;
    for (std::int64_t e = 0; e < E; ++e) out.push_back(all.slice_rows(e * rows, rows));
    return out;
  }

  /// A [n] vector, read through T and widened to C.
  Vector<C> vector(const std::string& name, std::int64_t n) {
    const Checkpoint::Ref r = get(name, {n});
    std::vector<T> v(static_cast<std::size_t>(n));
    convert<T>(r.info->dtype, r.file->data(*r.info), v.data());
    Vector<C> out(n);
    for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<C>(v[static_cast<std::size_t>(i)]);
    return out;
  }

  /// A [1] scalar (layer_scalar).
  C scalar(const std::string& name) { return vector(name, 1)[0]; }

  /// Tensors whose shape must match though we do not use them (the tied lm_head).
  void check_optional(const std::string& full_name, std::vector<std::int64_t> shape) {
    if (auto r = ckpt_->find(full_name)) check_shape(*r, full_name, shape);
  }

  std::size_t bound() const { return bound_; }

 private:
  /// The tensor as a [rows, cols] T matrix: a view of the mapping when the file holds T (and
  /// allow_view), else a converted copy; with `copy`, always a copy in the arena.
  Weight<T> as_t(const Checkpoint::Ref& r, std::int64_t rows, std::int64_t cols,
                 bool allow_view = true, bool copy = false) {
    if (copy) {
      auto* p =
          reinterpret_cast<T*>(arena().allocate(sizeof(T) * static_cast<std::size_t>(rows * cols)));
      convert<T>(r.info->dtype, r.file->data(*r.info), p);  // a plain copy when the file holds T
      r.file->release(*r.info);
      return Weight<T>(p, rows, cols, arena_);
    }
    if (const T* p = allow_view ? r.file->try_view<T>(*r.info) : nullptr)
      return Weight<T>(p, rows, cols, ckpt_);
    auto buf = std::make_shared<std::vector<T>>(static_cast<std::size_t>(rows * cols));
    convert<T>(r.info->dtype, r.file->data(*r.info), buf->data());
    return Weight<T>(buf->data(), rows, cols, buf);
  }

  static bool is_float(DType d) {
    return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16;
  }

  void check_shape(const Checkpoint::Ref& r, const std::string& full,
                   const std::vector<std::int64_t>& shape) const {
    if (r.info->shape != shape)
      fail(r.file->path().string(), ": tensor '", full, "' has shape ", shape_string(r.info->shape),
           ", expected ", shape_string(shape));
    if (!is_float(r.info->dtype))
      fail(r.file->path().string(), ": tensor '", full, "' has dtype ", dtype_name(r.info->dtype),
           ", expected a floating-point dtype");
  }

  Checkpoint::Ref get(const std::string& name, const std::vector<std::int64_t>& shape) {
    const std::string full = prefix_ + name;
    const auto r = ckpt_->find(full);
    if (!r)
      fail(ckpt_->path().string(), ": missing tensor '", full, "' (expected shape ",
           shape_string(shape), ")");
    check_shape(*r, full, shape);
    ++bound_;
    report(options_.progress, "load", bound_, 0);
    return *r;
  }

  WeightArena& arena() {
    if (!arena_) arena_ = std::make_shared<WeightArena>();
    return *arena_;
  }

  std::shared_ptr<const Checkpoint> ckpt_;
  std::shared_ptr<WeightArena> arena_;  // copy_weights: shared by every copied matrix
  LoadOptions options_;
  std::string prefix_;
  std::size_t bound_ = 0;
};

}  // namespace detail

/// Binds every text-decoder tensor of `ckpt` for config c.
template <class T>
TextWeights<T> bind_text_weights(std::shared_ptr<const Checkpoint> ckpt, const TextConfig& c,
                                 const LoadOptions& options = {}) {
  detail::WeightBinder<T> b(ckpt, options);
  const std::int64_t H = c.hidden_size, P = c.hidden_size_per_layer_input, L = c.num_hidden_layers;
  TextWeights<T> w;
  w.embed_tokens = b.matrix("embed_tokens.weight", c.vocab_size, H, /*keep_raw=*/true);
  if (c.tie_word_embeddings)
    b.check_optional("lm_head.weight", {c.vocab_size, H});
  else
    w.lm_head = b.top_level_matrix("lm_head.weight", c.vocab_size, H);
  if (c.has_ple()) {
    w.ple = PleModelWeights<T>{
        b.matrix("embed_tokens_per_layer.weight", c.vocab_size_per_layer_input, L * P,
                 /*keep_raw=*/true, /*by_rows=*/true),
        b.matrix("per_layer_model_projection.weight", L * P, H),
        b.vector("per_layer_projection_norm.weight", P)};
  }
  w.norm = b.vector("norm.weight", H);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const LayerSpec s = layer_spec(c, i);
    const std::string p = "layers." + std::to_string(i) + ".";
    const std::int64_t I = s.intermediate_size;
    DecoderLayerWeights<T> lw;
    lw.input_layernorm = b.vector(p + "input_layernorm.weight", H);
    lw.post_attention_layernorm = b.vector(p + "post_attention_layernorm.weight", H);
    lw.pre_feedforward_layernorm = b.vector(p + "pre_feedforward_layernorm.weight", H);
    lw.post_feedforward_layernorm = b.vector(p + "post_feedforward_layernorm.weight", H);
    lw.layer_scalar = b.scalar(p + "layer_scalar");
    auto& a = lw.self_attn;
    a.q_proj = b.matrix(p + "self_attn.q_proj.weight", s.q_width(), H);
    a.q_norm = b.vector(p + "self_attn.q_norm.weight", s.head_dim);
    if (!s.kv_shared) {  // shared layers: k/v tensors, if a file has them, are ignored
      a.k_proj = b.matrix(p + "self_attn.k_proj.weight", s.kv_width(), H);
      a.k_norm = b.vector(p + "self_attn.k_norm.weight", s.head_dim);
      if (s.has_v_proj()) a.v_proj = b.matrix(p + "self_attn.v_proj.weight", s.kv_width(), H);
    }
    a.o_proj = b.matrix(p + "self_attn.o_proj.weight", H, s.q_width());
    lw.mlp = MlpWeights<T>{b.matrix(p + "mlp.gate_proj.weight", I, H),
                           b.matrix(p + "mlp.up_proj.weight", I, H),
                           b.matrix(p + "mlp.down_proj.weight", H, I)};
    if (s.moe) {
      const std::int64_t E = c.num_experts, Im = c.moe_intermediate_size;
      MoeWeights<T> m;
      m.router_proj = b.matrix(p + "router.proj.weight", E, H);
      m.router_scale = b.vector(p + "router.scale", H);
      m.per_expert_scale = b.vector(p + "router.per_expert_scale", E);
      m.gate_up = b.experts(p + "experts.gate_up_proj", E, 2 * Im, H);
      m.down = b.experts(p + "experts.down_proj", E, H, Im);
      lw.moe = std::move(m);
      lw.pre_feedforward_layernorm_2 = b.vector(p + "pre_feedforward_layernorm_2.weight", H);
      lw.post_feedforward_layernorm_1 = b.vector(p + "post_feedforward_layernorm_1.weight", H);
      lw.post_feedforward_layernorm_2 = b.vector(p + "post_feedforward_layernorm_2.weight", H);
    }
    if (c.has_ple()) {
      lw.ple = PleLayerWeights<T>{b.matrix(p + "per_layer_input_gate.weight", P, H),
                                  b.matrix(p + "per_layer_projection.weight", H, P),
                                  b.vector(p + "post_per_layer_input_norm.weight", H)};
    }
    w.layers.push_back(std::move(lw));
  }
  return w;
}

}  // namespace gemma4
