// gemma4/reference/tap_diff.hpp: where two tap dumps of the same prompt start to disagree, and
// the mechanism that pattern points to (the engine of `gemma4 diff`).
//
// A dump is a safetensors file in the golden format (golden/FORMAT.md): `gemma4 dump`, a golden
// fixture's golden.safetensors, or another runtime's taps written under our keys (the llama.cpp
// driver of tests/llama/). A is the reference, B the one under test. For every key both have,
// in data-flow order
//
//   hidden_states.0, per_layer_inputs, [moe_top_k_index.i, moe_top_k_weights.i,
//   hidden_states.i+1] for each layer i (the last layer's output is last_layer_output),
//   hidden_states.L (after the final norm), logits
//
// the error is FORMAT.md's measure, error = max|B - A| / max(1, max|A|), and per position t
// (axis 0 of every key) the same maximum over row t, divided by the same whole-tensor scale.
// Expert indices are compared per position as sets (1 when they differ), their weights after
// sorting both by expert index. The first key whose error passes the threshold is where the
// disagreement starts; its positions past the threshold say which tokens.
//
// With the config of A, the first disagreeing layer and its positions give a hint:
//   hidden_states.0                           -> the embedding (embed_tokens * sqrt(H))
//   per_layer_inputs                          -> Per-Layer Embeddings
//   a sliding layer, only positions >= W      -> the sliding window or the cache eviction
//   a KV-shared layer                         -> which layer's K/V it reads (HF: the last
//                                                non-shared layer of the same type)
//   a full-attention layer                    -> proportional RoPE or the global_head_dim heads
//   moe_top_k_*                               -> the router
//   hidden_states.L / logits                  -> the final norm / the tied LM head and softcap
// Errors grow as they propagate, so only the first disagreeing key says where a bug is. A bug
// makes the error jump there; when the key before is already within 4x of the threshold, the
// error is creeping up key by key (rounding on one side) and the hint says so first.
//
//   gemma4::SafetensorsFile a("ours.safetensors"), b("llama.safetensors");
//   gemma4::TapDiff d = gemma4::diff_taps(a, b, 1e-3, &config);
//   std::cout << gemma4::format_tap_diff(d);
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/io/safetensors.hpp"
#include "gemma4/text/config.hpp"

namespace gemma4 {

/// The comparison of one key of two dumps.
struct TapKeyDiff {
  std::string key;
  std::vector<std::int64_t> shape;
  int layer = -1;                    // the decoder layer whose output or routing this is
  double error = 0;                  // max|B - A| / max(1, max|A|); inf for shape mismatches
  double max_abs = 0;                // max|B - A|
  std::vector<double> per_position;  // the same error per row of axis 0
  std::string note;                  // "shape [..] vs [..]" when not comparable
};

/// The outcome of comparing two dumps.
struct TapDiff {
  double threshold = 0;
  std::vector<TapKeyDiff> keys;  // data-flow order
  std::vector<std::string> only_in_a, only_in_b;
  int first_bad = -1;                       // index into keys, -1 when all agree
  std::vector<std::int64_t> bad_positions;  // positions of keys[first_bad] past the threshold
  std::string hint;                         // the likely mechanism ("" when all agree)
  bool agree() const { return first_bad < 0; }
};

namespace detail {

/// Sort rank of a tap key in data-flow order (layer L_max = final stages), or nullopt for keys
/// that are not compared (inputs, masks, aids).
inline std::optional<std::pair<long, int>> tap_rank(std::string_view key, long last_hidden,
                                                    bool has_last_layer_output, int* layer) {
  auto number = [](std::string_view s) -> long {
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), ::isdigit)) return -1;
    return std::stol(std::string(s));
  };
  *layer = -1;
  constexpr long kEnd = 1L << 30;
  if (key == "hidden_states.0") return std::pair{0L, 0};
  if (key == "per_layer_inputs") return std::pair{0L, 1};
  if (key == "last_layer_output") {
    *layer = static_cast<int>(last_hidden - 1);
    return std::pair{kEnd, 0};
  }
  if (key == "logits") return std::pair{kEnd, 2};
  for (auto [prefix, sub] : {std::pair{std::string_view("moe_top_k_index."), 0},
                             std::pair{std::string_view("moe_top_k_weights."), 1}})
    if (key.starts_with(prefix)) {
      const long i = number(key.substr(prefix.size()));
      if (i < 0) return std::nullopt;
      *layer = static_cast<int>(i);
      return std::pair{i + 1, sub};
    }
  if (key.starts_with("hidden_states.")) {
    const long i = number(key.substr(14));
    if (i <= 0) return std::nullopt;
    if (has_last_layer_output && i == last_hidden) return std::pair{kEnd, 1};  // final norm
    *layer = static_cast<int>(i - 1);
    return std::pair{i, 2};
  }
  return std::nullopt;
}

inline std::string position_ranges(const std::vector<std::int64_t>& p) {
  std::string s;
  for (std::size_t i = 0; i < p.size();) {
    std::size_t j = i;
    while (j + 1 < p.size() && p[j + 1] == p[j] + 1) ++j;
    if (!s.empty()) s += ",";
    s += std::to_string(p[i]);
    if (j > i) s += "-" + std::to_string(p[j]);
    i = j + 1;
  }
  return s;
}

/// The hint for the first disagreeing key of a diff (see the top of this file).
inline std::string tap_hint(const TapKeyDiff& k, const std::vector<std::int64_t>& bad,
                            const TextConfig* c) {
  if (k.key == "hidden_states.0")
    return "embedding: hidden_states.0 is embed_tokens[ids] * sqrt(hidden_size) (check the "
           "embedding scale and the table)";
  if (k.key == "per_layer_inputs")
    return "Per-Layer Embeddings: per_layer_inputs = (embed_tokens_per_layer[ids] * sqrt(P) + "
           "RMSNorm(per_layer_model_projection(h0) / sqrt(H))) / sqrt(2)";
  if (k.key.starts_with("moe_top_k_"))
    return concat("router of layer ", k.layer,
                  ": RMSNorm(x) / sqrt(H) * router.scale, softmax, top-k, renormalise, "
                  "per_expert_scale");
  if (k.key == "logits")
    return "LM head: tied embed_tokens (unscaled) and the final softcap c * tanh(x / c)";
  if (k.layer < 0) return "final norm (norm.weight, multiplied by w, not 1 + w)";
  if (!c || k.layer >= c->num_hidden_layers)
    return concat("decoder layer ", k.layer, " (pass the config of A for a finer hint)");
  const LayerSpec s = layer_spec(*c, k.layer);
  const std::int64_t W = c->sliding_window;
  const bool late_only = !bad.empty() && bad.front() >= W;
  if (s.type == LayerType::Sliding && late_only)
    return concat("sliding window or cache eviction: only positions >= sliding_window (", W,
                  ") disagree, first in sliding layer ", k.layer,
                  " (a sliding query sees itself and the W-1 tokens before it)");
  if (s.kv_shared)
    return concat("KV sharing: layer ", k.layer, " is the first disagreeing layer and is ",
                  "KV-shared; per HF it reads the K/V of layer ", s.kv_source,
                  " (the last non-shared ", layer_type_name(s.type),
                  " layer), check which layer the other side reads");
  if (s.type == LayerType::Full)
    return concat("full attention: layer ", k.layer, " is the first disagreeing layer and is ",
                  "full attention: proportional RoPE (partial_rotary_factor ",
                  c->rope_full.partial_rotary_factor, ", theta ", c->rope_full.rope_theta,
                  ") or the ", s.head_dim, "-wide heads",
                  s.k_eq_v ? " or k_eq_v (V = v_norm of the raw K projection)" : "",
                  !bad.empty() && bad.front() > 0 ? "; position 0 agrees, where RoPE is the "
                                                    "identity"
                                                  : "");
  return concat("decoder layer ", k.layer, " (sliding attention, ", s.moe ? "MoE, " : "",
                "not KV-shared): its attention, MLP or norms");
}

}  // namespace detail

/// Compares dump b against the reference dump a (see the top of this file). `config` (of a)
/// enables the layer-type hints. Throws when the two dumps are not of the same prompt.
inline TapDiff diff_taps(const SafetensorsFile& a, const SafetensorsFile& b, double threshold,
                         const TextConfig* config = nullptr) {
  TapDiff d;
  d.threshold = threshold;
  if (a.find("input_ids") && b.find("input_ids") &&
      a.read<std::int64_t>("input_ids") != b.read<std::int64_t>("input_ids"))
    detail::fail(a.path().string(), " and ", b.path().string(),
                 ": input_ids differ, the dumps are not of the same prompt");
  long last_hidden = 0;
  for (const auto& t : a.tensors())
    if (t.name.starts_with("hidden_states.")) try {
        last_hidden = std::max(last_hidden, std::stol(t.name.substr(14)));
      } catch (const std::exception&) {
      }
  const bool has_llo = a.find("last_layer_output") != nullptr;
  std::vector<std::pair<std::pair<long, int>, TapKeyDiff>> ranked;
  for (const auto& t : a.tensors()) {
    int layer = -1;
    const auto rank = detail::tap_rank(t.name, last_hidden, has_llo, &layer);
    if (!rank) continue;
    const TensorInfo* tb = b.find(t.name);
    if (!tb) {
      d.only_in_a.push_back(t.name);
      continue;
    }
    TapKeyDiff k;
    k.key = t.name;
    k.shape = t.shape;
    k.layer = layer;
    if (tb->shape != t.shape || t.shape.empty()) {
      k.note = detail::concat("shape ", detail::shape_string(t.shape), " vs ",
                              detail::shape_string(tb->shape));
      k.error = k.max_abs = std::numeric_limits<double>::infinity();
      ranked.emplace_back(*rank, std::move(k));
      continue;
    }
    std::vector<double> va = a.read<double>(t.name), vb = b.read<double>(t.name);
    const auto rows = static_cast<std::size_t>(t.shape[0]);
    const std::size_t cols = rows ? va.size() / rows : 0;
    k.per_position.assign(rows, 0.0);
    const bool index = t.name.starts_with("moe_top_k_index.");
    const bool weights = t.name.starts_with("moe_top_k_weights.");
    if (weights) {  // sort both rows by their expert index first
      const std::string ik = "moe_top_k_index." + t.name.substr(18);
      if (a.find(ik) && b.find(ik)) {
        const auto ia = a.read<double>(ik), ib = b.read<double>(ik);
        auto sort_row = [&](std::vector<double>& w, const std::vector<double>& idx) {
          for (std::size_t r = 0; r < rows && idx.size() == w.size(); ++r) {
            std::vector<std::pair<double, double>> p;
            for (std::size_t j = 0; j < cols; ++j)
              p.emplace_back(idx[r * cols + j], w[r * cols + j]);
            std::sort(p.begin(), p.end());
            for (std::size_t j = 0; j < cols; ++j) w[r * cols + j] = p[j].second;
          }
        };
        sort_row(va, ia);
        sort_row(vb, ib);
      }
    }
    double scale = 1;
    for (double v : va) scale = std::max(scale, std::abs(v));
    for (std::size_t r = 0; r < rows; ++r) {
      double m = 0;
      if (index) {
        std::multiset<double> sa(va.begin() + r * cols, va.begin() + (r + 1) * cols),
            sb(vb.begin() + r * cols, vb.begin() + (r + 1) * cols);
        m = sa == sb ? 0.0 : 1.0;
      } else {
        for (std::size_t j = r * cols; j < (r + 1) * cols; ++j) {
          const double e = std::abs(vb[j] - va[j]);
          m = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(m, e);
        }
      }
      k.max_abs = std::max(k.max_abs, m);
      k.per_position[r] = index ? m : m / scale;
    }
    k.error = index ? k.max_abs : k.max_abs / scale;
    ranked.emplace_back(*rank, std::move(k));
  }
  for (const auto& t : b.tensors()) {
    int layer = -1;
    if (detail::tap_rank(t.name, last_hidden, has_llo, &layer) && !a.find(t.name))
      d.only_in_b.push_back(t.name);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& [rank, k] : ranked) d.keys.push_back(std::move(k));
  for (std::size_t i = 0; i < d.keys.size(); ++i)
    if (!(d.keys[i].error <= threshold)) {
      d.first_bad = static_cast<int>(i);
      const auto& k = d.keys[i];
      for (std::size_t t = 0; t < k.per_position.size(); ++t)
        if (!(k.per_position[t] <= threshold))
          d.bad_positions.push_back(static_cast<std::int64_t>(t));
      d.hint = detail::tap_hint(k, d.bad_positions, config);
      // A bug makes the error jump; rounding on one side makes it creep up key after key.
      if (i > 0 && std::isfinite(d.keys[i - 1].error) && d.keys[i - 1].error > threshold / 4)
        d.hint = detail::concat("gradual: ", d.keys[i - 1].key, " before it is already at ",
                                d.keys[i - 1].error,
                                ", so the error grows key by key, as rounding on one side does "
                                "(an fp16 GELU table, bf16 activations) rather than one "
                                "mechanism; if it is structural: ",
                                d.hint);
      break;
    }
  return d;
}

/// The report of `gemma4 diff`: one line per key (error, max abs, marker at the first key past
/// the threshold), then where the disagreement starts and the hint.
inline std::string format_tap_diff(const TapDiff& d) {
  std::ostringstream o;
  o.precision(3);
  for (std::size_t i = 0; i < d.keys.size(); ++i) {
    const auto& k = d.keys[i];
    o << (static_cast<int>(i) == d.first_bad ? ">> " : "   ");
    o.width(24);
    o << std::left << k.key << std::right << " ";
    if (!k.note.empty())
      o << k.note;
    else
      o << std::scientific << "error " << k.error << "  max abs " << k.max_abs;
    o << std::defaultfloat << "\n";
  }
  for (const auto& n : d.only_in_a) o << "   " << n << ": only in A\n";
  for (const auto& n : d.only_in_b) o << "   " << n << ": only in B\n";
  if (d.agree()) {
    o << "all " << d.keys.size() << " keys agree within " << d.threshold << "\n";
  } else {
    const auto& k = d.keys[static_cast<std::size_t>(d.first_bad)];
    o << "first key past " << d.threshold << ": " << k.key;
    if (k.layer >= 0) o << " (layer " << k.layer << ")";
    o << ", positions " << detail::position_ranges(d.bad_positions) << " of "
      << k.per_position.size() << "\nhint: " << d.hint << "\n";
  }
  return o.str();
}

}  // namespace gemma4
