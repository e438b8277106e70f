// gemma4/text/model.hpp: the Gemma 4 text decoder (HF `Gemma4TextModel` + tied LM head).
//
//   gemma4::TextModel<gemma4::E2B, float>      a released variant, checked at compile time
//   gemma4::TextModel<gemma4::Dynamic, double> any config.json, at run time
//
// Forward over token ids [T] at positions p0 = cache.size() ... p0+T-1 (spec text-decoder §3, §9):
//
//   h_0    = embed_tokens[ids] * sqrt(H)                         hidden_states.0     [T, H]
//   ple    = per_layer_inputs(ids, h_0)          (PLE only)      per_layer_inputs    [T, L, P]
//   h_i+1  = decoder_layer_i(h_i)                                hidden_states.i+1   [T, H]
//                                                                (the last: last_layer_output)
//   h_f    = RMSNorm(h_L; norm)                                  hidden_states.L     [T, H]
//   logits = c * tanh( (h_f @ embed_tokens^T) / c )  c = final_logit_softcapping   [T, V]
//
// The LM head is the UNSCALED embedding matrix. Every named intermediate above (and the MoE
// routing moe_top_k_index.i / moe_top_k_weights.i) is handed to an optional tap callback under
// the golden-fixture key, so another runtime can be compared layer by layer; with no tap set,
// nothing is copied.
//
// Incremental decoding: forward() appends to a KVCache; any split of a sequence into chunks
// gives the same logits as one call over the whole sequence.
#pragma once

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gemma4/core/token.hpp"
#include "gemma4/io/config_json.hpp"
#include "gemma4/text/weights.hpp"
#include "gemma4/variants.hpp"

namespace gemma4 {

/// Which positions forward() returns logits for.
enum class LogitsFor { All, Last, None };

/// A named intermediate tensor: values [rows, cols] viewed as `shape` (row-major). Integer
/// tensors (moe_top_k_index.i) are exact small integers stored in the compute type.
template <class C>
struct Tap {
  std::string_view name;
  const RowMatrix<C>& values;
  std::vector<std::int64_t> shape;
  bool integer = false;
};

template <class C>
using TapFn = std::function<void(const Tap<C>&)>;

/// What the multimodal merge hands the decoder for one forward call besides the ids, which
/// already carry the pad id at every placeholder (spec multimodal-merge.md §3-§6):
///   h_0[rows[j]] = values.row(j)     soft tokens, written UNSCALED over the scaled pad rows
///   vision_block[t]                  the vision attention overlay (attention.hpp), or empty
/// The PLE token part still reads the pad row at those positions; its context part sees h_0.
template <class C>
struct SoftTokens {
  std::vector<Eigen::Index> rows;  // positions within the call, ascending
  RowMatrix<C> values;             // [rows.size(), H]: embed_vision / embed_audio outputs
  std::vector<int> vision_block;   // [T] block id or -1; empty: causal everywhere
};

namespace detail {

/// Where a model's config lives: in the type (a variant) or in the object (Dynamic).
template <class Config>
class ConfigHolder : CheckedVariant<Config> {  // the base's static_asserts check the variant
 public:
  explicit ConfigHolder(const TextConfig& c) {
    const auto diff = config_mismatches(Config::text, c);
    if (!diff.empty()) {
      std::string msg = concat("config does not match the compiled variant ", Config::name, ":");
      for (const auto& d : diff) msg += "\n  - " + d;
      throw Error(msg);
    }
  }
  static constexpr const TextConfig& config() { return CheckedVariant<Config>::text; }
  static constexpr std::span<const LayerSpec> layers() { return CheckedVariant<Config>::layers; }
};

template <>
class ConfigHolder<Dynamic> {
 public:
  explicit ConfigHolder(const TextConfig& c) : config_(c), layers_(layer_table(c)) {
    validate(c, "text config");
  }
  const TextConfig& config() const { return config_; }
  std::span<const LayerSpec> layers() const { return layers_; }

 private:
  TextConfig config_;
  std::vector<LayerSpec> layers_;
};

}  // namespace detail

template <class Config, class T>
class TextModel {
 public:
  using Storage = T;
  using Compute = compute_t<T>;
  using C = Compute;
  using Cache = KVCache<C>;

  /// Loads a Hugging Face model folder (config.json + model.safetensors or sharded).
  /// For a compile-time variant, config.json must match it; every mismatching field is listed.
  static TextModel load(const std::filesystem::path& dir, const LoadOptions& options = {}) {
    const TextConfig c = read_text_config(dir);
    try {
      return TextModel(c, std::make_shared<const Checkpoint>(dir, options.progress), options);
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with("config does not match"))
        throw Error(detail::concat((dir / "config.json").string(), ": ", e.what()));
      throw;
    }
  }

  /// A model over an open checkpoint with config c.
  TextModel(const TextConfig& c, std::shared_ptr<const Checkpoint> ckpt,
            const LoadOptions& options = {})
      : holder_(c), weights_(bind_text_weights<T>(std::move(ckpt), c, options)) {
    init_rope();
  }

  /// A model over weights built in memory (tests, random initialisation).
  TextModel(const TextConfig& c, TextWeights<T> weights)
      : holder_(c), weights_(std::move(weights)) {
    init_rope();
  }

  const TextConfig& config() const { return holder_.config(); }
  std::span<const LayerSpec> layers() const { return holder_.layers(); }
  const TextWeights<T>& weights() const { return weights_; }
  Cache make_cache() const { return Cache(config()); }

  /// Feeds ids at positions cache.size() ... and appends them to the cache. Returns logits
  /// (after the softcap) [ids.size(), V] for LogitsFor::All, [1, V] for Last, [0, V] for None.
  /// `soft` (multimodal models) replaces the embeddings of placeholder positions.
  RowMatrix<C> forward(std::span<const TokenId> ids, Cache& cache,
                       LogitsFor which = LogitsFor::Last, const TapFn<C>& tap = {},
                       const SoftTokens<C>* soft = nullptr) const {
    const TextConfig& c = config();
    const auto n = static_cast<Eigen::Index>(ids.size());
    check_ids(ids);
    if (soft) check_soft_tokens(*soft, n);
    if (n == 0) return RowMatrix<C>(0, c.vocab_size);
    auto emit = [&](std::string_view name, const RowMatrix<C>& v,
                    std::vector<std::int64_t> shape = {}, bool integer = false) {
      if (!tap) return;
      if (shape.empty()) shape = {v.rows(), v.cols()};
      tap(Tap<C>{name, v, std::move(shape), integer});
    };

    // Token embeddings, scaled by sqrt(H) (exact, in C).
    RowMatrix<C> h(n, c.hidden_size);  // [T, H]
    const C embed_scale = std::sqrt(static_cast<C>(c.hidden_size));
    for (Eigen::Index t = 0; t < n; ++t)
      h.row(t) =
          weights_.embed_tokens.template row_as<C>(ids[static_cast<std::size_t>(t)]) * embed_scale;
    if (soft)  // the merge: soft tokens replace the placeholder rows, unscaled
      for (std::size_t j = 0; j < soft->rows.size(); ++j)
        h.row(soft->rows[j]) = soft->values.row(static_cast<Eigen::Index>(j));
    emit("hidden_states.0", h);
    const std::span<const int> vision_block =
        soft ? std::span<const int>(soft->vision_block) : std::span<const int>{};

    RowMatrix<C> ple;  // [T, L*P]
    if (weights_.ple) {
      ple =
          per_layer_inputs<C>(ids, h, *weights_.ple, c.hidden_size_per_layer_input, c.rms_norm_eps);
      emit("per_layer_inputs", ple, {n, c.num_hidden_layers, c.hidden_size_per_layer_input});
    }

    const int L = c.num_hidden_layers;
    for (int i = 0; i < L; ++i) {
      const LayerSpec& s = layers()[static_cast<std::size_t>(i)];
      const LayerExtras<C> x =
          decoder_layer<C>(h, weights_.layers[static_cast<std::size_t>(i)], s,
                           s.type == LayerType::Full ? inv_freq_full_ : inv_freq_sliding_,
                           weights_.ple ? &ple : nullptr, cache, c, vision_block);
      if (tap) {
        emit(i + 1 < L ? "hidden_states." + std::to_string(i + 1) : "last_layer_output", h);
        if (x.routing) {
          const std::string k = std::to_string(i);
          emit("moe_top_k_index." + k, x.routing->index.template cast<C>(), {}, true);
          emit("moe_top_k_weights." + k, x.routing->weight);
        }
      }
    }
    cache.finish_step(n);

    h = rms_norm<C>(std::move(h), weights_.norm, c.rms_norm_eps);
    emit("hidden_states." + std::to_string(L), h);
    if (which == LogitsFor::None) return RowMatrix<C>(0, c.vocab_size);
    const Weight<T>& head = c.tie_word_embeddings ? weights_.embed_tokens : weights_.lm_head;
    RowMatrix<C> logits =
        which == LogitsFor::All ? linear<C>(h, head) : linear<C>(h.bottomRows(1), head);  // [*, V]
    if (c.final_logit_softcapping > 0) {
      const C cap = static_cast<C>(c.final_logit_softcapping);
      logits = ((logits.array() / cap).tanh() * cap).matrix();
    }
    emit("logits", logits);
    return logits;
  }

  /// forward() over a fresh cache: logits for every position by default.
  RowMatrix<C> forward(std::span<const TokenId> ids, LogitsFor which = LogitsFor::All,
                       const TapFn<C>& tap = {}) const {
    Cache cache = make_cache();
    return forward(ids, cache, which, tap);
  }

 private:
  void init_rope() {
    const TextConfig& c = config();
    inv_freq_sliding_ = rope_inv_freq<C>(c.rope_sliding, c.head_dim);
    inv_freq_full_ =
        rope_inv_freq<C>(c.rope_full, c.global_head_dim > 0 ? c.global_head_dim : c.head_dim);
  }

  void check_ids(std::span<const TokenId> ids) const {
    const TextConfig& c = config();
    for (std::size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] < 0 || ids[t] >= c.vocab_size)
        detail::fail("token id ", ids[t], " at position ", t, " is outside the vocabulary [0, ",
                     c.vocab_size, ")");
      if (c.has_ple() && ids[t] >= c.vocab_size_per_layer_input)
        detail::fail("token id ", ids[t], " at position ", t,
                     " is outside the per-layer embedding table [0, ", c.vocab_size_per_layer_input,
                     ")");
    }
  }

  void check_soft_tokens(const SoftTokens<C>& soft, Eigen::Index n) const {
    if (soft.values.rows() != static_cast<Eigen::Index>(soft.rows.size()) ||
        (!soft.rows.empty() && soft.values.cols() != config().hidden_size))
      detail::fail("soft tokens: ", soft.values.rows(), " x ", soft.values.cols(), " values for ",
                   soft.rows.size(), " positions of width ", config().hidden_size);
    for (std::size_t j = 0; j < soft.rows.size(); ++j)
      if (soft.rows[j] < 0 || soft.rows[j] >= n || (j > 0 && soft.rows[j] <= soft.rows[j - 1]))
        detail::fail("soft tokens: position ", soft.rows[j], " (entry ", j,
                     ") is not ascending inside the ", n, " positions of the call");
    if (!soft.vision_block.empty() && static_cast<Eigen::Index>(soft.vision_block.size()) != n)
      detail::fail("soft tokens: ", soft.vision_block.size(), " vision block ids for ", n,
                   " positions");
  }

  detail::ConfigHolder<Config> holder_;
  TextWeights<T> weights_;
  Vector<C> inv_freq_sliding_, inv_freq_full_;
};

}  // namespace gemma4
