// gemma4/reference/golden.hpp: checking a model against a golden fixture (format:
// golden/FORMAT.md).
//
// A fixture folder holds config.json, model.safetensors and golden.safetensors (float64 reference
// activations under stable keys). verify_fixture<T>() loads the model with the run-time config,
// feeds `input_ids`, records every tap and compares each checked key that the fixture has:
//
//   error = max|ours - ref| / max(1, max|ref|)         (FORMAT.md's measure)
//   pass  = error <= NumberTraits<T>::tolerance         integers (expert indices) must be equal
//           (the compute type's bound when the weights are stored as T: fixture_bound)
//
// moe_top_k_index.i / moe_top_k_weights.i are compared per token as sets of (expert, weight).
// Vision fixtures (one raw `image_uint8`) are checked from the raw image through every vision
// stage (vision/golden_taps.hpp): integers and the Pillow resize exactly, the float-path resize
// to +-1 level. Audio fixtures (a raw `audio_waveform`) are checked from the waveform through
// the features and every audio stage (audio/golden_taps.hpp), integers exactly. Keys of stages
// this library cannot produce yet (multimodal merge) are reported as unsupported and make the
// verification fail; inputs and debugging aids are not checked.
// This is the engine of `gemma4 verify` and of the golden tests.
//
// dump_taps() is the other direction: it runs any model on given ids and writes every tap in the
// same format (F64, I64 for integers, plus input_ids), so another runtime can be checked against
// us layer by layer (`gemma4 dump`).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gemma4/audio/golden_taps.hpp"
#include "gemma4/io/checkpoint_writer.hpp"
#include "gemma4/io/safetensors.hpp"
#include "gemma4/multimodal/golden_taps.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/vision/golden_taps.hpp"

namespace gemma4 {

/// The comparison of one golden tensor.
struct TensorCheck {
  std::string key;
  std::vector<std::int64_t> shape;
  double max_abs_error = 0;  // max |ours - ref|
  double error = 0;          // max_abs_error / max(1, max |ref|)
  double bound = 0;          // the tolerance it is held to
  bool pass = false;
  std::string note;  // why it failed, when it did not come to numbers
};

/// The outcome of verifying one fixture.
struct VerifyReport {
  std::filesystem::path fixture;
  std::vector<TensorCheck> checks;
  std::vector<std::string> unsupported;  // checked keys we cannot produce yet
  bool passed() const {
    return unsupported.empty() && !checks.empty() &&
           std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.pass; });
  }
};

/// The role of a golden key.
enum class GoldenKeyKind { Input, Aid, Text, Vision, Audio, Unsupported };

/// Classifies a key of golden.safetensors (FORMAT.md's tables).
inline GoldenKeyKind golden_key_kind(std::string_view key) {
  auto starts = [&](std::string_view p) { return key.starts_with(p); };
  // The vision path (vision/golden_taps.hpp) computes every other image_* key, pixel_values and
  // resize_cases from the raw image and the budget, and they are checked.
  if (starts("image_uint8") || key == "image_max_soft_tokens") return GoldenKeyKind::Input;
  if (is_vision_key(key)) return GoldenKeyKind::Vision;
  // The audio path computes every audio_* key from the raw waveform (input_features and its mask
  // too, which stay inputs for a fixture without a waveform).
  if (is_audio_key(key) && key != "input_features" && key != "input_features_mask")
    return GoldenKeyKind::Audio;
  static const std::set<std::string, std::less<>> inputs = {
      "input_ids",      "image_max_soft_tokens", "pixel_values",     "image_position_ids",
      "input_features", "input_features_mask",   "mm_token_type_ids"};
  if (inputs.count(key) || starts("image_uint8") || starts("audio_waveform"))
    return GoldenKeyKind::Input;
  static const std::set<std::string, std::less<>> aids = {
      "image_resized_uint8", "image_resize_matrix_h",   "image_resize_matrix_w",
      "image_rope_cos",      "image_rope_sin",          "audio_mel_filters",
      "audio_rel_pos_emb",   "audio_attention_mask_5d", "audio_subsample_conv1",
      "audio_padded_length"};
  if (aids.count(key)) return GoldenKeyKind::Aid;
  if (starts("hidden_states.") || key == "per_layer_inputs" || key == "last_layer_output" ||
      key == "logits" || starts("moe_top_k_index.") || starts("moe_top_k_weights.") ||
      key == "mask_sliding" || key == "mask_full" || key == "llm_input_ids" ||
      key == "block_sequence_ids")
    return GoldenKeyKind::Text;
  return GoldenKeyKind::Unsupported;
}

namespace detail {

inline double relative_error(const std::vector<double>& ours, const std::vector<double>& ref,
                             double* max_abs) {
  double diff = 0, scale = 0;
  bool nan = false;  // std::max drops NaNs: a NaN anywhere must fail, not vanish
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = std::abs(ours[i] - ref[i]);
    nan = nan || std::isnan(d);
    diff = std::max(diff, d);
    scale = std::max(scale, std::abs(ref[i]));
  }
  if (nan) diff = std::numeric_limits<double>::infinity();
  if (max_abs) *max_abs = diff;
  return diff / std::max(1.0, scale);
}

/// The attention masks of a text-only prompt of length T: [T, T], 1 = may attend.
inline std::vector<double> text_mask(const TextConfig& c, LayerType type, std::int64_t T) {
  std::vector<double> m(static_cast<std::size_t>(T * T));
  for (std::int64_t q = 0; q < T; ++q)
    for (std::int64_t k = 0; k < T; ++k)
      m[static_cast<std::size_t>(q * T + k)] =
          attention_allowed(type, q, k, c.sliding_window) ? 1.0 : 0.0;
  return m;
}

}  // namespace detail

/// Compares two equally long value lists; a failing shape or size makes `note` say so.
inline TensorCheck compare_tensor(std::string key, const std::vector<std::int64_t>& ref_shape,
                                  const std::vector<double>& ref,
                                  const std::vector<std::int64_t>& our_shape,
                                  const std::vector<double>& ours, double bound) {
  TensorCheck c{std::move(key), ref_shape, 0, 0, bound, false, {}};
  if (our_shape != ref_shape || ours.size() != ref.size()) {
    c.note = detail::concat("shape ", detail::shape_string(our_shape), ", expected ",
                            detail::shape_string(ref_shape));
    c.error = c.max_abs_error = std::numeric_limits<double>::infinity();
    return c;
  }
  c.error = detail::relative_error(ours, ref, &c.max_abs_error);
  c.pass = c.error <= bound;
  return c;
}

/// The dtype every floating tensor of fixture `dir`'s model is stored in, or F64 when they differ
/// (an F64 checkpoint cannot be told apart, and none exists: fixtures are F32 or BF16).
inline DType fixture_weight_dtype(const std::filesystem::path& dir) {
  const Checkpoint ckpt(dir);
  std::optional<DType> common;
  for (const auto& name : ckpt.names()) {
    const DType d = ckpt.at(name).info->dtype;
    if (!dtype_is_floating(d)) continue;
    if (common && *common != d) return DType::F64;
    common = d;
  }
  return common.value_or(DType::F64);
}

/// The bound a T model is held to on fixture `dir`: NumberTraits<T>::tolerance; but when every
/// weight is already stored as T (the *-bf16 fixtures for a bfloat16 model), the rounding is part
/// of the model, the goldens were computed from the rounded values, and T's compute type's bound
/// applies (FORMAT.md: "bf16 storage with float accumulation must match to the float bound").
template <class T>
double fixture_bound(const std::filesystem::path& dir) {
  if constexpr (!std::is_same_v<T, compute_t<T>>)
    if (fixture_weight_dtype(dir) == dtype_of<T>()) return NumberTraits<compute_t<T>>::tolerance;
  return NumberTraits<T>::tolerance;
}

/// Verifies the model of fixture folder `dir` in number type T against its golden.safetensors.
template <class T>
VerifyReport verify_fixture(const std::filesystem::path& dir) {
  using C = compute_t<T>;
  VerifyReport report{dir, {}, {}};
  const SafetensorsFile golden(dir / "golden.safetensors");
  using Recorded = GoldenTap;
  std::map<std::string, Recorded, std::less<>> taps;
  const bool multimodal = is_multimodal_fixture(golden);
  if (multimodal) {  // the whole model: towers, merge, decoder (multimodal/golden_taps.hpp)
    taps = multimodal_golden_taps<T>(dir, golden);
  } else if (golden.find("input_ids")) {  // a text decoder (tower-only fixtures have none)
    const auto model = TextModel<Dynamic, T>::load(dir);
    const TextConfig& cfg = model.config();
    std::vector<TokenId> ids;
    for (std::int64_t v : golden.read<std::int64_t>("input_ids")) {
      if (v < 0 || v > std::numeric_limits<TokenId>::max())
        detail::fail((dir / "golden.safetensors").string(), ": input id ", v, " out of range");
      ids.push_back(static_cast<TokenId>(v));
    }
    model.forward(ids, LogitsFor::All, [&](const Tap<C>& tap) {
      Recorded r{tap.shape, std::vector<double>(static_cast<std::size_t>(tap.values.size()))};
      for (Eigen::Index i = 0; i < tap.values.size(); ++i)
        r.values[static_cast<std::size_t>(i)] = static_cast<double>(tap.values.data()[i]);
      taps[std::string(tap.name)] = std::move(r);
    });
    const auto n = static_cast<std::int64_t>(ids.size());
    taps["mask_sliding"] = {{n, n}, detail::text_mask(cfg, LayerType::Sliding, n)};
    taps["mask_full"] = {{n, n}, detail::text_mask(cfg, LayerType::Full, n)};
  }
  // One raw image: the vision path from image_uint8 (multi-image fixtures are not supported yet).
  const bool has_image = golden.find("image_uint8") != nullptr || multimodal;
  if (golden.find("image_uint8"))
    for (auto& [name, t] : vision_golden_taps<T>(dir, golden)) taps[name] = std::move(t);
  // Raw clips: the audio path from audio_waveform (audio/golden_taps.hpp), features included.
  const bool has_audio = has_audio_waveform(golden);
  if (has_audio)
    audio_golden_taps<T>(
        dir, golden, [&](const std::string& k, std::vector<std::int64_t> s, std::vector<double> v) {
          taps[k] = {std::move(s), std::move(v)};
        });

  const double bound = fixture_bound<T>(dir);
  for (const TensorInfo& info : golden.tensors()) {
    const std::string& key = info.name;
    switch (golden_key_kind(key)) {
      case GoldenKeyKind::Input:
        if (has_audio && is_audio_key(key)) break;  // features computed from the waveform
        continue;
      case GoldenKeyKind::Aid:
        continue;
      case GoldenKeyKind::Audio:
        if (!has_audio) {
          report.unsupported.push_back(key);
          continue;
        }
        break;
      case GoldenKeyKind::Unsupported:
        report.unsupported.push_back(key);
        continue;
      case GoldenKeyKind::Vision:
        if (!has_image) {
          report.unsupported.push_back(key);
          continue;
        }
        break;
      case GoldenKeyKind::Text:
        break;
    }
    if (key.starts_with("moe_top_k_weights.")) continue;  // checked with the indices
    const std::vector<double> ref = golden.read<double>(key);
    auto it = taps.find(key);
    if (it == taps.end()) {
      TensorCheck c{key, info.shape, 0, 0, bound, false, "the model produced no such tensor"};
      report.checks.push_back(std::move(c));
      continue;
    }
    if (key.starts_with("moe_top_k_index.")) {
      // Compare per token as sets: sort (index, weight) pairs by index on both sides.
      const std::string wkey = "moe_top_k_weights." + key.substr(16);
      const auto wit = taps.find(wkey);
      if (!golden.find(wkey) || wit == taps.end()) {
        report.checks.push_back({key, info.shape, 0, 0, bound, false, "missing " + wkey});
        continue;
      }
      const std::vector<double> ref_w = golden.read<double>(wkey);
      const Recorded &oi = it->second, &ow = wit->second;
      if (oi.shape != info.shape || ow.values.size() != ref_w.size()) {
        report.checks.push_back(compare_tensor(key, info.shape, ref, oi.shape, oi.values, 0));
        continue;
      }
      const std::size_t K = static_cast<std::size_t>(info.shape.back());
      std::vector<double> ours_i, ref_i, ours_w, ref_wsorted;
      for (std::size_t row = 0; row < ref.size() / K; ++row) {
        auto sorted = [&](const std::vector<double>& idx, const std::vector<double>& w,
                          std::vector<double>& out_i, std::vector<double>& out_w) {
          std::vector<std::pair<double, double>> p;
          for (std::size_t j = 0; j < K; ++j) p.emplace_back(idx[row * K + j], w[row * K + j]);
          std::sort(p.begin(), p.end());
          for (auto& [a, b] : p) out_i.push_back(a), out_w.push_back(b);
        };
        sorted(oi.values, ow.values, ours_i, ours_w);
        sorted(ref, ref_w, ref_i, ref_wsorted);
      }
      report.checks.push_back(compare_tensor(key, info.shape, ref_i, oi.shape, ours_i, 0));
      report.checks.push_back(
          compare_tensor(wkey, info.shape, ref_wsorted, ow.shape, ours_w, bound));
      continue;
    }
    const VisionCompare vmode = golden_key_kind(key) == GoldenKeyKind::Vision
                                    ? vision_compare_mode(key)
                                    : VisionCompare::Tolerance;
    const bool exact = key == "mask_sliding" || key == "mask_full" || key == "llm_input_ids" ||
                       key == "block_sequence_ids" || vmode == VisionCompare::Exact ||
                       (is_audio_key(key) && audio_key_is_exact(key));
    TensorCheck c = compare_tensor(key, info.shape, ref, it->second.shape, it->second.values,
                                   exact ? 0 : bound);
    if (vmode == VisionCompare::OneLevel) {  // the float-path resize: +-1 uint8 level, absolute
      c.error = c.max_abs_error;
      c.bound = 1;
      c.pass = c.error <= 1;
      if (c.note.empty()) c.note = "absolute, in uint8 levels";
    }
    report.checks.push_back(std::move(c));
  }
  return report;
}

/// Runs `model` on ids and writes input_ids and every tap to `out` in the golden format.
template <class Model>
void dump_taps(const Model& model, std::span<const TokenId> ids, const std::filesystem::path& out,
               std::map<std::string, std::string> metadata = {}) {
  using C = typename Model::Compute;
  std::vector<TensorWrite> tensors;
  tensors.push_back(tensor_from<std::int64_t>("input_ids", {static_cast<std::int64_t>(ids.size())},
                                              std::vector<std::int64_t>(ids.begin(), ids.end())));
  model.forward(ids, LogitsFor::All, [&](const Tap<C>& tap) {
    const auto n = static_cast<std::size_t>(tap.values.size());
    if (tap.integer) {
      std::vector<std::int64_t> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int64_t>(tap.values.data()[i]);
      tensors.push_back(tensor_from<std::int64_t>(std::string(tap.name), tap.shape, std::move(v)));
    } else {
      std::vector<double> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(tap.values.data()[i]);
      tensors.push_back(tensor_from<double>(std::string(tap.name), tap.shape, std::move(v)));
    }
  });
  metadata.emplace("format", "pt");
  metadata.emplace("producer", "gemma4 dump");
  write_safetensors(out, std::move(tensors), metadata);
}

/// Fixture folders under `root`: every sub-folder holding golden.safetensors, sorted.
inline std::vector<std::filesystem::path> find_fixtures(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(root, ec))
    if (e.is_directory() && std::filesystem::exists(e.path() / "golden.safetensors"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace gemma4
