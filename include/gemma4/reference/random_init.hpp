// gemma4/reference/random_init.hpp: deterministic random weights for any Gemma 4 config, text
// decoder and towers, written as a hub-layout checkpoint (config.json + model.safetensors or
// shards + index).
//
// The checkpoint has the names, shapes, dtypes and config keys of the released ones, so any
// runtime can load the same weights and be compared against ours without downloading anything:
//   model.language_model.*   expected_text_tensors (text/weights.hpp): tied lm_head not stored,
//                            KV-shared layers without k_proj / v_proj / k_norm
//   model.vision_tower.*, model.embed_vision.*     expected_vision_tensors (vision/weights.hpp)
//   model.audio_tower.*, model.embed_audio.*       expected_audio_tower_tensors,
//                                                  expected_embed_audio_tensors (audio/weights.hpp)
// The tower tables are the ones the binders are tested against (tests/reference/
// test_random_init.cpp drops each tensor in turn and expects the binder to miss it), and
// config.json carries vision_config / audio_config (null for a tower the config lacks) and the
// special token ids (io/hub_config.hpp).
//
// Distributions (chosen so activations stay O(1) through the layers; a forward of the model on
// them is a meaningful test, unlike all-ones norms or N(0, 0.02) weights):
//   embed_tokens [V, H]                 N(0, 1) / sqrt(H)   (the model multiplies by sqrt(H))
//   embed_tokens_per_layer [V, L*P]     N(0, 1) / sqrt(P)   (the model multiplies by sqrt(P))
//   every other tensor of rank >= 2     N(0, 1) / sqrt(fan_in), fan_in = last dimension
//   rank-1 tensors (norm weights, router.scale, router.per_expert_scale)
//                                       1 +- U[0.1, 0.5]: in [0.5, 1.5] but never near 1, so a
//                                       w vs 1 + w mix-up shows
//   layer_scalar [1]                    U[0.5, 1]
// and in the towers (tower_init_rule; fan_in = numel / rows, so a conv kernel [out, in, kh, kw]
// has fan_in in * kh * kw):
//   matrices and conv kernels           N(0, 1) / sqrt(fan_in)
//   position_embedding_table [2, P, Dv] N(0, 0.5^2)   (about the patch projection's scale)
//   norm weights, per_dim_scale, std_scale    1 +- U[0.1, 0.5]
//   output_proj.bias, std_bias          U[-0.5, 0.5]
//   clip bounds [] (use_clipped_linears) input_min, output_min -U[14, 22]; input_max,
//                                       output_max U[14, 22]: finite and asymmetric, like the
//                                       released (learned) bounds. Measured on the 16-layer E2B
//                                       tower (a 432x336 image, budget 70): all bounds at +-8
//                                       change the image features by 74 % (rms), at +-16 by
//                                       4e-4, at +-32 not at all; so these clip rarely but
//                                       measurably, and a runtime that ignores them shows it.
//
// Portability: every value is a function of (seed, tensor name, element index) only, computed
// with integer arithmetic and exactly rounded double operations, so the bytes are identical
// across compilers, platforms, thread counts and chunk sizes:
//   stream     = splitmix64 of seed ^ fnv1a64(name) ^ block index, seeding xoshiro256** for each
//                block of 4096 elements
//   uniform    = (xoshiro() >> 11) * 2^-53                                       in [0, 1)
//   normal     = (sum of 12 uniform 16-bit integers - 12 * 32767.5) / 65536      Irwin-Hall:
//                mean 0, variance 1 - 2^-32, support +-6. Chosen over Box-Muller because log/cos
//                differ in the last bit between C libraries; a sum of integers does not.
// then rounded once to the output dtype (F32: round to nearest; BF16/F16: through F32).
//
//   gemma4::HubConfig h = gemma4::hub_config_of<gemma4::E2B>();   // text + vision + audio
//   h.text = gemma4::with_layers(h.text, 2);
//   h.vision->num_hidden_layers = 1;
//   gemma4::write_random_checkpoint("e2b-mm", h, {.seed = 1, .dtype = gemma4::DType::BF16});
//   gemma4::write_random_checkpoint("e2b-2l", h.text, {.seed = 1});  // text only, towers null
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "gemma4/audio/weights.hpp"
#include "gemma4/core/error.hpp"
#include "gemma4/core/random.hpp"
#include "gemma4/io/checkpoint_writer.hpp"
#include "gemma4/io/config_json.hpp"
#include "gemma4/io/hub_config.hpp"
#include "gemma4/io/safetensors.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/weights.hpp"
#include "gemma4/vision/weights.hpp"

namespace gemma4 {

/// FNV-1a 64-bit hash of a string (the per-tensor stream key).
constexpr std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001B3ull;
  }
  return h;
}

/// How the elements of one tensor are drawn (see the table at the top of the file).
struct InitRule {
  enum Kind : std::uint8_t { Normal, NearOne, Uniform } kind = Normal;
  double a = 0, b = 0;  // Normal: std = a. NearOne: 1 +- U[a, b]. Uniform: U[a, b].
};

/// The rule of the tensor `name` (relative to the text prefix) of shape `shape` in config c.
inline InitRule init_rule(const TextConfig& c, std::string_view name,
                          const std::vector<std::int64_t>& shape) {
  if (name.ends_with("layer_scalar")) return {InitRule::Uniform, 0.5, 1.0};
  if (shape.size() <= 1) return {InitRule::NearOne, 0.1, 0.5};
  if (name == "embed_tokens.weight")
    return {InitRule::Normal, 1.0 / std::sqrt(double(c.hidden_size))};
  if (name == "embed_tokens_per_layer.weight")
    return {InitRule::Normal, 1.0 / std::sqrt(double(c.hidden_size_per_layer_input))};
  return {InitRule::Normal, 1.0 / std::sqrt(static_cast<double>(shape.back()))};
}

/// The rule of a tower tensor (full name: model.vision_tower.*, model.embed_vision.*,
/// model.audio_tower.*, model.embed_audio.*) of shape `shape`.
inline InitRule tower_init_rule(std::string_view name, const std::vector<std::int64_t>& shape) {
  if (shape.empty()) {  // the scalar clip bounds of a ClippableLinear
    if (name.ends_with("_min")) return {InitRule::Uniform, -22.0, -14.0};
    if (name.ends_with("_max")) return {InitRule::Uniform, 14.0, 22.0};
    detail::fail("random init: scalar tower tensor '", name, "' is not a clip bound");
  }
  if (name.ends_with(".bias") || name.ends_with("std_bias")) return {InitRule::Uniform, -0.5, 0.5};
  if (shape.size() == 1) return {InitRule::NearOne, 0.1, 0.5};
  if (name.ends_with("position_embedding_table")) return {InitRule::Normal, 0.5};
  std::int64_t fan_in = 1;
  for (std::size_t k = 1; k < shape.size(); ++k) fan_in *= shape[k];
  return {InitRule::Normal, 1.0 / std::sqrt(static_cast<double>(fan_in))};
}

namespace detail {

inline constexpr std::size_t init_block = 4096;  // elements per independent random stream

/// The generator of block `block` of the tensor with key `key` (= fnv1a64(full name)).
constexpr Xoshiro256 init_stream(std::uint64_t seed, std::uint64_t key, std::uint64_t block) {
  std::uint64_t s = seed;
  std::uint64_t mixed = splitmix64(s) ^ key;
  mixed = splitmix64(mixed) ^ block;
  return Xoshiro256(splitmix64(mixed));
}

constexpr double draw(Xoshiro256& g, const InitRule& r) {
  switch (r.kind) {
    case InitRule::Normal:
      return g.normal() * r.a;
    case InitRule::NearOne: {
      const double u = r.a + (r.b - r.a) * g.uniform();
      return (g() >> 63) ? 1.0 + u : 1.0 - u;
    }
    case InitRule::Uniform:
      return r.a + (r.b - r.a) * g.uniform();
  }
  return 0;
}

/// Elements [first, first + n) of a tensor, as doubles.
inline void random_values(std::uint64_t seed, std::uint64_t key, const InitRule& rule,
                          std::size_t first, std::size_t n, double* out) {
  std::size_t i = first;
  const std::size_t end = first + n;
  while (i < end) {
    const std::size_t block = i / init_block;
    Xoshiro256 g = init_stream(seed, key, block);
    const std::size_t block_end = std::min(end, (block + 1) * init_block);
    for (std::size_t k = block * init_block; k < i; ++k) draw(g, rule);  // skip to i
    for (; i < block_end; ++i) out[i - first] = draw(g, rule);
  }
}

/// Writes doubles as dtype (little-endian bytes).
inline void store_as(DType dtype, const double* v, std::size_t n, std::byte* out) {
  auto put = [&](auto convert) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = convert(v[i]);
      std::memcpy(out + i * sizeof(x), &x, sizeof(x));
    }
  };
  switch (dtype) {
    case DType::F64:
      return put([](double x) { return x; });
    case DType::F32:
      return put([](double x) { return static_cast<float>(x); });
    case DType::F16:
      return put([](double x) { return Eigen::half(static_cast<float>(x)); });
    case DType::BF16:
      return put([](double x) { return Eigen::bfloat16(static_cast<float>(x)); });
    default:
      fail("random init: dtype ", dtype_name(dtype), " is not a floating type");
  }
}

}  // namespace detail

/// The values of a random tensor (tests and small tensors; large ones stream through
/// random_text_tensors). `full_name` keys the stream, `name` (without prefix) picks the rule.
inline std::vector<double> random_tensor_values(const TextConfig& c, std::uint64_t seed,
                                                const std::string& prefix, const TensorSpec& t) {
  std::size_t n = 1;
  for (auto d : t.shape) n *= static_cast<std::size_t>(d);
  std::vector<double> v(n);
  detail::random_values(seed, fnv1a64(prefix + t.name), init_rule(c, t.name, t.shape), 0, n,
                        v.data());
  return v;
}

struct RandomInitOptions {
  std::uint64_t seed = 0;
  DType dtype = DType::BF16;                     // the releases are bf16
  std::string prefix = "model.language_model.";  // Gemma4ForConditionalGeneration names
  unsigned threads = 0;                          // 0: hardware concurrency
};

namespace detail {

/// A streaming TensorWrite of random values for tensor `name` (the stream key) under `rule`.
inline TensorWrite random_tensor_write(std::string name, std::vector<std::int64_t> shape,
                                       const InitRule& rule, const RandomInitOptions& o) {
  if (!dtype_is_floating(o.dtype))
    detail::fail("random init: dtype must be floating, got ", dtype_name(o.dtype));
  const unsigned threads =
      o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  TensorWrite w{std::move(name), o.dtype, std::move(shape), {}};
  {
    const std::uint64_t key = fnv1a64(w.name);
    const std::uint64_t seed = o.seed;
    const DType dtype = o.dtype;
    w.fill = [seed, key, rule, dtype, threads](std::size_t first, std::span<std::byte> bytes) {
      const std::size_t esize = dtype_size(dtype);
      const std::size_t n = bytes.size() / esize;
      // Split at block boundaries so no thread regenerates another's prefix.
      const std::size_t blocks = (n + detail::init_block - 1) / detail::init_block;
      const std::size_t per = (blocks + threads - 1) / threads * detail::init_block;
      auto work = [&](std::size_t b, std::size_t e) {
        std::vector<double> buf(std::min<std::size_t>(e - b, 1u << 16));
        for (std::size_t i = b; i < e; i += buf.size()) {
          const std::size_t m = std::min(buf.size(), e - i);
          detail::random_values(seed, key, rule, first + i, m, buf.data());
          detail::store_as(dtype, buf.data(), m, bytes.data() + i * esize);
        }
      };
      if (threads <= 1 || n < 4 * detail::init_block) return work(0, n);
      std::vector<std::thread> pool;
      for (std::size_t b = 0; b < n; b += per) pool.emplace_back(work, b, std::min(n, b + per));
      for (auto& th : pool) th.join();
    };
  }
  return w;
}

}  // namespace detail

/// Every tensor of expected_text_tensors(c) as a streaming TensorWrite of random values.
inline std::vector<TensorWrite> random_text_tensors(const TextConfig& c,
                                                    const RandomInitOptions& o = {}) {
  std::vector<TensorWrite> out;
  for (const TensorSpec& t : expected_text_tensors(c))
    out.push_back(
        detail::random_tensor_write(o.prefix + t.name, t.shape, init_rule(c, t.name, t.shape), o));
  return out;
}

/// Every tensor of the vision tower v and of embed_vision into text width text_hidden
/// (expected_vision_tensors), as streaming TensorWrites.
inline std::vector<TensorWrite> random_vision_tensors(const VisionConfig& v, int text_hidden,
                                                      const RandomInitOptions& o = {}) {
  std::vector<TensorWrite> out;
  for (const TensorSpec& t : expected_vision_tensors(v, text_hidden))
    out.push_back(
        detail::random_tensor_write(t.name, t.shape, tower_init_rule(t.name, t.shape), o));
  return out;
}

/// Every tensor of the audio tower a and of embed_audio into text width text_hidden
/// (expected_audio_tower_tensors + expected_embed_audio_tensors), as streaming TensorWrites.
inline std::vector<TensorWrite> random_audio_tensors(const AudioConfig& a, int text_hidden,
                                                     const RandomInitOptions& o = {}) {
  std::vector<TensorWrite> out;
  auto add = [&](const std::vector<AudioTensorSpec>& table) {
    for (const AudioTensorSpec& t : table)
      out.push_back(
          detail::random_tensor_write(t.name, t.shape, tower_init_rule(t.name, t.shape), o));
  };
  add(expected_audio_tower_tensors(a));
  add(expected_embed_audio_tensors(a, text_hidden));
  return out;
}

/// Every tensor of a whole checkpoint: the text decoder and the towers h has.
inline std::vector<TensorWrite> random_tensors(const HubConfig& h,
                                               const RandomInitOptions& o = {}) {
  std::vector<TensorWrite> out = random_text_tensors(h.text, o);
  auto append = [&](std::vector<TensorWrite> more) {
    for (auto& t : more) out.push_back(std::move(t));
  };
  if (h.vision) append(random_vision_tensors(*h.vision, h.text.hidden_size, o));
  if (h.audio) append(random_audio_tensors(*h.audio, h.text.hidden_size, o));
  return out;
}

/// The values of a tower tensor (full name), as random_vision_tensors / random_audio_tensors
/// write them before rounding to the dtype.
inline std::vector<double> random_tower_tensor_values(std::uint64_t seed, const std::string& name,
                                                      const std::vector<std::int64_t>& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  std::vector<double> v(n);
  detail::random_values(seed, fnv1a64(name), tower_init_rule(name, shape), 0, n, v.data());
  return v;
}

/// c with its first k layers: layer types kept (the last forced to full attention, as HF
/// requires), num_kv_shared_layers scaled by k / L and lowered until every shared layer has a
/// non-shared source of its type. k >= L returns c.
inline TextConfig with_layers(TextConfig c, int k) {
  if (k <= 0) detail::fail("--layers must be positive, got ", k);
  if (k >= c.num_hidden_layers) return c;
  const int L = c.num_hidden_layers;
  c.num_hidden_layers = k;
  c.layer_types[static_cast<std::size_t>(k - 1)] = LayerType::Full;
  int shared = static_cast<int>(std::lround(double(c.num_kv_shared_layers) * k / L));
  for (c.num_kv_shared_layers = std::min(shared, k - 1); c.num_kv_shared_layers > 0;
       --c.num_kv_shared_layers)
    if (config_errors(c).empty()) break;
  return c;
}

/// c with its first k layers (k >= layers returns c): the towers have no layer patterns, so
/// this is only num_hidden_layers.
inline VisionConfig with_layers(VisionConfig c, int k) {
  if (k <= 0) detail::fail("--vision-layers must be positive, got ", k);
  c.num_hidden_layers = std::min(c.num_hidden_layers, k);
  return c;
}
inline AudioConfig with_layers(AudioConfig c, int k) {
  if (k <= 0) detail::fail("--audio-layers must be positive, got ", k);
  c.num_hidden_layers = std::min(c.num_hidden_layers, k);
  return c;
}

/// Writes config.json (hub form, with vision_config / audio_config for the towers h has, null
/// for the others) and random weights for h into dir. Returns the files written.
inline std::vector<std::filesystem::path> write_random_checkpoint(const std::filesystem::path& dir,
                                                                  const HubConfig& h,
                                                                  const RandomInitOptions& o = {},
                                                                  WriteOptions w = {}) {
  validate(h.text, "random init config");
  if (h.vision) validate(*h.vision, "random init vision config");
  if (h.audio) validate(*h.audio, "random init audio config");
  auto files = write_checkpoint(dir, random_tensors(h, o), w);
  const char* dtype = o.dtype == DType::BF16  ? "bfloat16"
                      : o.dtype == DType::F16 ? "float16"
                      : o.dtype == DType::F64 ? "float64"
                                              : "float32";
  const std::filesystem::path config = dir / "config.json";
  std::ofstream out(config, std::ios::binary);
  out << hub_config_to_json(h, dtype).dump(2) << "\n";
  if (!out) detail::fail(config.string(), ": cannot write");
  files.push_back(config);
  return files;
}

/// A text-only checkpoint of c (vision_config and audio_config null).
inline std::vector<std::filesystem::path> write_random_checkpoint(const std::filesystem::path& dir,
                                                                  const TextConfig& c,
                                                                  const RandomInitOptions& o = {},
                                                                  WriteOptions w = {}) {
  return write_random_checkpoint(dir, HubConfig{c, std::nullopt, std::nullopt, {}}, o,
                                 std::move(w));
}

}  // namespace gemma4
