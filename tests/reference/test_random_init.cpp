// Tests of gemma4/reference/random_init.hpp: the generators against their reference outputs, the
// value distributions, determinism across chunking and threads, pinned bytes (the same on every
// compiler), and a full-vocabulary E2B-shaped checkpoint with 2 layers that loads, runs a forward
// and has exactly the spec's tensor table. The towers: their rules, their tables against the
// binders (every tensor is read, none is missing), and whole multimodal checkpoints (E2B with
// vision + audio, 26B-A4B-shaped with vision only) that Model loads and runs on an image and a
// clip.
#include "gemma4/reference/random_init.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "gemma4/audio/model.hpp"
#include "gemma4/io/checkpoint.hpp"
#include "gemma4/multimodal/model.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/variants.hpp"
#include "gemma4/vision/model.hpp"

#include "test_support.hpp"

namespace fs = std::filesystem;
using gemma4::DType;

using gemma4::test::TempDir;

namespace {

std::uint64_t hash_bytes(std::span<const std::byte> b) {
  return gemma4::fnv1a64(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

}  // namespace

TEST_CASE("fnv1a64 reproduces its reference outputs") {
  CHECK(gemma4::fnv1a64("") == 0xCBF29CE484222325ull);
  CHECK(gemma4::fnv1a64("a") == 0xAF63DC4C8601EC8Cull);
}

TEST_CASE("rules: scales by fan-in, norms away from 1, layer_scalar in [0.5, 1]") {
  const gemma4::TextConfig c = gemma4::E2B::text;
  using V = std::vector<std::int64_t>;
  CHECK(gemma4::init_rule(c, "embed_tokens.weight", V{262144, 1536}).a ==
        doctest::Approx(1 / std::sqrt(1536.0)));
  CHECK(gemma4::init_rule(c, "embed_tokens_per_layer.weight", V{262144, 8960}).a ==
        doctest::Approx(1 / 16.0));
  CHECK(gemma4::init_rule(c, "layers.0.mlp.down_proj.weight", V{1536, 6144}).a ==
        doctest::Approx(1 / std::sqrt(6144.0)));
  CHECK(gemma4::init_rule(c, "layers.0.layer_scalar", V{1}).kind == gemma4::InitRule::Uniform);
  CHECK(gemma4::init_rule(c, "norm.weight", V{1536}).kind == gemma4::InitRule::NearOne);

  const auto norm = gemma4::random_tensor_values(c, 7, "p.", {"norm.weight", V{1536}});
  int above = 0;
  for (double w : norm) {
    CHECK(std::abs(w - 1.0) >= 0.1);
    CHECK(std::abs(w - 1.0) <= 0.5);
    above += w > 1;
  }
  CHECK(above > 600);  // both sides of 1
  CHECK(above < 936);
  for (int i = 0; i < 20; ++i) {
    const auto s = gemma4::random_tensor_values(
        c, 7, "p.", {"layers." + std::to_string(i) + ".layer_scalar", V{1}});
    CHECK(s[0] >= 0.5);
    CHECK(s[0] <= 1.0);
  }
  const auto w =
      gemma4::random_tensor_values(c, 7, "p.", {"layers.0.mlp.down_proj.weight", V{64, 6144}});
  double sq = 0;
  for (double x : w) sq += x * x;
  CHECK(sq / double(w.size()) == doctest::Approx(1.0 / 6144).epsilon(0.02));
}

TEST_CASE("values depend only on (seed, name, index): chunks, threads, other tensors") {
  gemma4::TextConfig c = gemma4::with_layers(gemma4::E2B::text, 2);
  c.vocab_size = c.vocab_size_per_layer_input = 512;
  gemma4::RandomInitOptions one{.seed = 3, .dtype = DType::F32, .threads = 1};
  gemma4::RandomInitOptions three = one;
  three.threads = 3;
  auto a = gemma4::random_text_tensors(c, one);
  auto b = gemma4::random_text_tensors(c, three);
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CAPTURE(a[k].name);
    const std::size_t n = a[k].nbytes();
    std::vector<std::byte> whole(n), pieces(n), threaded(n);
    a[k].fill(0, whole);
    b[k].fill(0, threaded);
    CHECK(whole == threaded);
    // Odd-sized pieces that straddle the 4096-element blocks.
    const std::size_t step = 4 * 1237;
    for (std::size_t pos = 0; pos < n; pos += step)
      a[k].fill(pos / 4, std::span(pieces).subspan(pos, std::min(step, n - pos)));
    CHECK(whole == pieces);
  }
  // A different seed changes everything; the same name keys the same stream.
  auto d = gemma4::random_text_tensors(c, {.seed = 4, .dtype = DType::F32});
  std::vector<std::byte> x(a[0].nbytes()), y(x.size());
  a[0].fill(0, x);
  d[0].fill(0, y);
  CHECK(x != y);
}

TEST_CASE("pinned output: identical bytes on every compiler and platform") {
  // If this fails, random checkpoints no longer match the ones other runtimes were tested with.
  const gemma4::TextConfig c = gemma4::with_layers(gemma4::E2B::text, 2);
  using V = std::vector<std::int64_t>;
  const auto v = gemma4::random_tensor_values(c, 1, "model.language_model.",
                                              {"layers.0.self_attn.q_proj.weight", V{2, 4}});
  std::map<std::string, std::uint64_t> hashes;
  for (DType dt : {DType::F32, DType::BF16}) {
    auto ts = gemma4::random_text_tensors(c, {.seed = 1, .dtype = dt});
    for (auto& t : ts) {
      if (t.name != "model.language_model.layers.1.self_attn.k_norm.weight" &&
          t.name != "model.language_model.layers.0.mlp.gate_proj.weight")
        continue;
      std::vector<std::byte> bytes(t.nbytes());
      t.fill(0, bytes);
      hashes[t.name + "/" + std::string(gemma4::dtype_name(dt))] = hash_bytes(bytes);
    }
  }
  CHECK(v[0] == -0x1.9ffcp-2);  // N(0,1) * 1/sqrt(4): a multiple of 2^-18
  CHECK(v[1] == -0x1.2ae2p-1);
  CHECK(hashes.at("model.language_model.layers.0.mlp.gate_proj.weight/F32") ==
        11851121018861820433ull);
  CHECK(hashes.at("model.language_model.layers.0.mlp.gate_proj.weight/BF16") ==
        2467913995500103828ull);
  CHECK(hashes.at("model.language_model.layers.1.self_attn.k_norm.weight/F32") ==
        91879268806830179ull);
}

TEST_CASE("with_layers keeps a valid config and lowers KV sharing as needed") {
  const auto e2b = gemma4::with_layers(gemma4::E2B::text, 2);
  CHECK(e2b.num_hidden_layers == 2);
  CHECK(e2b.layer_type(0) == gemma4::LayerType::Sliding);
  CHECK(e2b.layer_type(1) == gemma4::LayerType::Full);
  CHECK(e2b.num_kv_shared_layers == 0);  // no earlier full layer to share from
  CHECK(gemma4::config_errors(e2b).empty());
  const auto e2b10 = gemma4::with_layers(gemma4::E2B::text, 10);  // [s,s,s,s,f] x 2
  CHECK(e2b10.num_kv_shared_layers == 5);                         // round(20 * 10 / 35) = 6 -> 5
  CHECK(gemma4::config_errors(e2b10).empty());
  CHECK(gemma4::with_layers(gemma4::E2B::text, 35).num_kv_shared_layers == 20);
  CHECK_THROWS_AS(gemma4::with_layers(gemma4::E2B::text, 0), gemma4::Error);
}

TEST_CASE("full-vocabulary E2B with 2 layers: spec table, config.json, loads and runs") {
  TempDir tmp;
  const gemma4::TextConfig c = gemma4::with_layers(gemma4::E2B::text, 2);
  gemma4::write_random_checkpoint(tmp.path, c, {.seed = 5, .dtype = DType::BF16});

  // The spec's table (text-decoder §11) for E2B, written out by hand for layers [sliding, full].
  using V = std::vector<std::int64_t>;
  const std::string p = "model.language_model.";
  std::map<std::string, V> want = {
      {p + "embed_tokens.weight", {262144, 1536}},
      {p + "embed_tokens_per_layer.weight", {262144, 2 * 256}},
      {p + "per_layer_model_projection.weight", {2 * 256, 1536}},
      {p + "per_layer_projection_norm.weight", {256}},
      {p + "norm.weight", {1536}},
  };
  for (int i = 0; i < 2; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    const std::int64_t d = i == 0 ? 256 : 512;  // head_dim, global_head_dim
    for (const char* n :
         {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
          "post_feedforward_layernorm", "post_per_layer_input_norm"})
      want[l + n + ".weight"] = {1536};
    want[l + "layer_scalar"] = {1};
    want[l + "self_attn.q_proj.weight"] = {8 * d, 1536};
    want[l + "self_attn.q_norm.weight"] = {d};
    want[l + "self_attn.k_proj.weight"] = {1 * d, 1536};
    want[l + "self_attn.k_norm.weight"] = {d};
    want[l + "self_attn.v_proj.weight"] = {1 * d, 1536};
    want[l + "self_attn.o_proj.weight"] = {1536, 8 * d};
    want[l + "mlp.gate_proj.weight"] = {6144, 1536};
    want[l + "mlp.up_proj.weight"] = {6144, 1536};
    want[l + "mlp.down_proj.weight"] = {1536, 6144};
    want[l + "per_layer_input_gate.weight"] = {256, 1536};
    want[l + "per_layer_projection.weight"] = {1536, 256};
  }
  const gemma4::Checkpoint ckpt(tmp.path);
  std::map<std::string, V> got;
  for (const auto& name : ckpt.names()) {
    const auto r = ckpt.at(name);
    CHECK(r.info->dtype == DType::BF16);
    got[name] = r.info->shape;
  }
  CHECK(got == want);
  CHECK(fs::exists(tmp.path / "model.safetensors"));  // 1.1 GB < 5 GB: one file

  // config.json reads back as the same config.
  const gemma4::TextConfig back = gemma4::read_text_config(tmp.path);
  CHECK(gemma4::config_mismatches(c, back).empty());

  // Loads (embeddings mapped) and runs; activations stay O(1).
  const auto model = gemma4::TextModel<gemma4::Dynamic, float>::load(tmp.path);
  const std::vector<gemma4::TokenId> ids = {2, 818, 5279, 262143, 100000};
  double h_max = 0, h_rms = 0;
  const auto logits =
      model.forward(ids, gemma4::LogitsFor::All, [&](const gemma4::Tap<float>& tap) {
        if (tap.name == "last_layer_output") {
          h_max = tap.values.cwiseAbs().maxCoeff();
          h_rms = std::sqrt(tap.values.squaredNorm() / double(tap.values.size()));
        }
      });
  REQUIRE(logits.rows() == 5);
  REQUIRE(logits.cols() == 262144);
  CHECK(logits.allFinite());
  MESSAGE("last layer output: rms " << h_rms << ", max " << h_max << "; logits max |.| "
                                    << logits.cwiseAbs().maxCoeff());
  CHECK(h_rms > 0.1);
  CHECK(h_rms < 10);
  CHECK(logits.cwiseAbs().maxCoeff() > 0.1);  // not collapsed to 0
}

TEST_CASE("init's tensor table for each full variant matches the spec (names, shapes, count)") {
  using V = std::vector<std::int64_t>;
  auto table = [](const gemma4::TextConfig& c) {
    std::map<std::string, V> t;
    for (const auto& w : gemma4::random_text_tensors(c, {.seed = 0, .dtype = DType::BF16})) {
      CHECK(w.dtype == DType::BF16);
      CHECK(w.name.starts_with("model.language_model."));
      t[w.name.substr(21)] = w.shape;
    }
    return t;
  };
  SUBCASE("E2B: 35 layers, 15..34 KV-shared, double-wide MLP there, PLE") {
    const auto t = table(gemma4::E2B::text);
    // Per layer: 4 norms, layer_scalar, q_proj, q_norm, o_proj, 3 MLP = 11; + k_proj, k_norm,
    // v_proj unless KV-shared; + 3 PLE. Model level: embed, PLE table, PLE projection + norm, final
    // norm.
    CHECK(t.size() == 5 + 15 * 17 + 20 * 14);
    CHECK(t.at("embed_tokens_per_layer.weight") == V{262144, 35 * 256});
    CHECK(t.at("layers.4.self_attn.q_proj.weight") == V{8 * 512, 1536});  // full
    CHECK(t.at("layers.3.self_attn.k_proj.weight") == V{256, 1536});
    CHECK(t.count("layers.15.self_attn.k_proj.weight") == 0);
    CHECK(t.at("layers.14.mlp.gate_proj.weight") == V{6144, 1536});
    CHECK(t.at("layers.15.mlp.gate_proj.weight") == V{12288, 1536});
    CHECK(t.count("lm_head.weight") == 0);
  }
  SUBCASE("E4B: 42 layers, 24..41 KV-shared, 2 KV heads") {
    const auto t = table(gemma4::E4B::text);
    CHECK(t.size() == 5 + 24 * 17 + 18 * 14);
    CHECK(t.at("embed_tokens.weight") == V{262144, 2560});
    CHECK(t.at("layers.0.self_attn.v_proj.weight") == V{2 * 256, 2560});
    CHECK(t.at("layers.5.self_attn.k_proj.weight") == V{2 * 512, 2560});
    CHECK(t.count("layers.24.self_attn.v_proj.weight") == 0);
    CHECK(t.at("layers.30.mlp.down_proj.weight") == V{2560, 10240});
  }
  SUBCASE("26B-A4B: 30 layers, experts beside the MLP, k_eq_v on full layers") {
    const auto t = table(gemma4::MoE26B_A4B::text);
    CHECK(t.size() == 2 + 25 * (11 + 3 + 8) + 5 * (11 + 2 + 8));  // 8 MoE tensors
    CHECK(t.at("layers.0.experts.gate_up_proj") == V{128, 2 * 704, 2816});
    CHECK(t.at("layers.0.experts.down_proj") == V{128, 2816, 704});
    CHECK(t.at("layers.0.router.proj.weight") == V{128, 2816});
    CHECK(t.at("layers.0.router.per_expert_scale") == V{128});
    CHECK(t.at("layers.5.self_attn.k_proj.weight") == V{2 * 512, 2816});
    CHECK(t.count("layers.5.self_attn.v_proj.weight") == 0);
    CHECK(t.at("layers.0.self_attn.v_proj.weight") == V{8 * 256, 2816});
    CHECK(t.count("embed_tokens_per_layer.weight") == 0);
  }
  SUBCASE("31B: 60 dense layers, k_eq_v full layers with 4 KV heads") {
    const auto t = table(gemma4::Dense31B::text);
    CHECK(t.size() == 2 + 50 * 14 + 10 * 13);
    CHECK(t.at("layers.5.self_attn.k_proj.weight") == V{4 * 512, 5376});
    CHECK(t.at("layers.0.self_attn.k_proj.weight") == V{16 * 256, 5376});
    CHECK(t.at("layers.59.self_attn.o_proj.weight") == V{5376, 32 * 512});
    CHECK(t.at("layers.0.mlp.up_proj.weight") == V{21504, 5376});
  }
}

namespace {

using V = std::vector<std::int64_t>;
using E2BModel = gemma4::Model<gemma4::E2B, float>;
using MoEModel = gemma4::Model<gemma4::MoE26B_A4B, float>;
using E2BVision = gemma4::VisionModel<gemma4::E2B, float>;

/// A test image with structure (gradients and a checkerboard), width x height.
gemma4::Image test_image(int width, int height) {
  gemma4::Image img{height, width, std::vector<std::uint8_t>(std::size_t(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      img.at(y, x, 0) = static_cast<std::uint8_t>(255 * x / width);
      img.at(y, x, 1) = static_cast<std::uint8_t>(255 * y / height);
      img.at(y, x, 2) = ((x / 24 + y / 24) % 2) ? 230 : 20;
    }
  return img;
}

/// A 16 kHz clip: a chirp with a little deterministic noise.
std::vector<double> test_clip(std::size_t n) {
  std::vector<double> x(n);
  gemma4::Xoshiro256 g(9);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = double(i) / 16000;
    x[i] = 0.5 * std::sin(2 * std::numbers::pi * (300 + 800 * t) * t) + 0.05 * (g.uniform() - 0.5);
  }
  return x;
}

/// <|image> n x <|image|> <image|>, and the same for audio, between a few text ids.
std::vector<gemma4::TokenId> prompt(const gemma4::MergeIds& m, Eigen::Index n_image,
                                    Eigen::Index n_audio) {
  const auto& s = m.special;
  std::vector<gemma4::TokenId> ids = {2, 18, 279};  // inside every test vocabulary
  if (n_image > 0) {
    ids.push_back(s.boi_token_id);
    ids.insert(ids.end(), static_cast<std::size_t>(n_image), s.image_token_id);
    ids.push_back(s.eoi_token_id);
  }
  ids.push_back(234);
  if (n_audio > 0) {
    ids.push_back(s.boa_token_id);
    ids.insert(ids.end(), static_cast<std::size_t>(n_audio), s.audio_token_id);
    ids.push_back(s.eoa_token_id);
  }
  ids.push_back(100);
  return ids;
}

double rms(const gemma4::RowMatrix<float>& m) {
  return std::sqrt(m.cast<double>().squaredNorm() / double(m.size()));
}

/// The tensors of `all` but the one at `skip`.
std::vector<gemma4::TensorWrite> without(const std::vector<gemma4::TensorWrite>& all,
                                         std::size_t skip) {
  std::vector<gemma4::TensorWrite> out;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (k != skip) out.push_back(all[k]);
  return out;
}

}  // namespace

TEST_CASE("tower rules: fan-in over all input dims, signed clip bounds, biases around 0") {
  using gemma4::InitRule;
  const auto conv = gemma4::tower_init_rule(
      "model.audio_tower.subsample_conv_projection.layer1.conv.weight", V{32, 128, 3, 3});
  CHECK(conv.kind == InitRule::Normal);
  CHECK(conv.a == doctest::Approx(1 / std::sqrt(128.0 * 9)));
  CHECK(gemma4::tower_init_rule("model.embed_vision.embedding_projection.weight", V{1536, 768}).a ==
        doctest::Approx(1 / std::sqrt(768.0)));
  CHECK(gemma4::tower_init_rule("model.vision_tower.patch_embedder.position_embedding_table",
                                V{2, 10240, 768})
            .a == 0.5);
  CHECK(
      gemma4::tower_init_rule("model.audio_tower.layers.0.self_attn.per_dim_scale", V{128}).kind ==
      InitRule::NearOne);
  CHECK(gemma4::tower_init_rule("model.audio_tower.output_proj.bias", V{1536}).kind ==
        InitRule::Uniform);
  CHECK_THROWS_AS(gemma4::tower_init_rule("model.vision_tower.odd", V{}), gemma4::Error);
  const std::string m = "model.vision_tower.encoder.layers.0.mlp.down_proj.";
  for (int l = 0; l < 8; ++l) {
    const std::string q = "model.audio_tower.layers." + std::to_string(l) + ".self_attn.q_proj.";
    const double in_min = gemma4::random_tower_tensor_values(1, q + "input_min", V{})[0];
    const double in_max = gemma4::random_tower_tensor_values(1, q + "input_max", V{})[0];
    const double out_min = gemma4::random_tower_tensor_values(1, q + "output_min", V{})[0];
    const double out_max = gemma4::random_tower_tensor_values(1, q + "output_max", V{})[0];
    CHECK(in_min <= -14);
    CHECK(in_min >= -22);
    CHECK(in_max >= 14);
    CHECK(in_max <= 22);
    CHECK(out_min < 0);
    CHECK(out_max > 0);
    CHECK(in_min != -in_max);  // asymmetric: a min/max mix-up shows
  }
  // Different tensors of the same shape draw different values.
  CHECK(gemma4::random_tower_tensor_values(1, m + "input_min", V{}) !=
        gemma4::random_tower_tensor_values(1, m + "output_min", V{}));
}

TEST_CASE("the tower tables are what the binders read: every tensor, and nothing else") {
  gemma4::VisionConfig v = gemma4::kVisionSmall;  // clipped
  v.hidden_size = 32, v.intermediate_size = 48, v.num_hidden_layers = 2;
  v.num_attention_heads = v.num_key_value_heads = 2, v.head_dim = 16;
  v.position_embedding_size = 20;
  gemma4::VisionConfig big = v;  // the large tower's switches: no clipping, standardize
  big.use_clipped_linears = false, big.standardize = true;
  gemma4::AudioConfig a;
  a.hidden_size = 32, a.num_hidden_layers = 2, a.num_attention_heads = 2;
  a.subsampling_conv_channels = {128, 8};
  a.output_proj_dims = 24;
  const int Dt = 40;
  const gemma4::RandomInitOptions o{.seed = 2, .dtype = DType::F32, .threads = 1};

  SUBCASE("vision, clipped and standardize") {
    for (const gemma4::VisionConfig& c : {v, big}) {
      const auto all = gemma4::random_vision_tensors(c, Dt, o);
      CHECK(all.size() ==
            2 + 2 * (4 + 2 + 7 * (c.use_clipped_linears ? 5 : 1)) + (c.standardize ? 2 : 0) + 1);
      TempDir tmp;
      gemma4::write_checkpoint(tmp.path, all);
      auto ckpt = std::make_shared<const gemma4::Checkpoint>(tmp.path);
      const auto w = gemma4::bind_vision_weights<float>(ckpt, c, Dt);
      if (c.use_clipped_linears) {  // the bounds written are the bounds bound
        const std::string q = "model.vision_tower.encoder.layers.1.self_attn.k_proj.";
        CHECK(w.layers[1].self_attn.k_proj.input_min ==
              float(gemma4::random_tower_tensor_values(2, q + "input_min", V{})[0]));
        CHECK(w.layers[1].self_attn.k_proj.output_max ==
              float(gemma4::random_tower_tensor_values(2, q + "output_max", V{})[0]));
      }
      for (std::size_t k = 0; k < all.size(); ++k) {
        const std::string& name = all[k].name;
        if (name.ends_with("_min") || name.ends_with("_max")) continue;  // optional (+-inf)
        CAPTURE(name);
        TempDir part;
        gemma4::write_checkpoint(part.path, without(all, k));
        auto p = std::make_shared<const gemma4::Checkpoint>(part.path);
        CHECK_THROWS_WITH_AS(gemma4::bind_vision_weights<float>(p, c, Dt),
                             doctest::Contains(name.c_str()), gemma4::Error);
      }
    }
  }
  SUBCASE("audio tower and embed_audio") {
    const auto all = gemma4::random_audio_tensors(a, Dt, o);
    TempDir tmp;
    gemma4::write_checkpoint(tmp.path, all);
    auto ckpt = std::make_shared<const gemma4::Checkpoint>(tmp.path);
    const auto tower = gemma4::bind_audio_tower_weights<float>(ckpt, a);
    const auto embed = gemma4::bind_embed_audio_weights<float>(ckpt, a, Dt);
    CHECK(tower.layers.size() == 2);
    CHECK(embed.embedding_projection.rows() == Dt);
    const std::string q = "model.audio_tower.layers.0.lconv1d.linear_end.";
    CHECK(tower.layers[0].lconv1d.linear_end.input_max ==
          float(gemma4::random_tower_tensor_values(2, q + "input_max", V{})[0]));
    for (std::size_t k = 0; k < all.size(); ++k) {
      const std::string& name = all[k].name;
      CAPTURE(name);
      TempDir part;
      gemma4::write_checkpoint(part.path, without(all, k));
      auto p = std::make_shared<const gemma4::Checkpoint>(part.path);
      CHECK_THROWS_WITH_AS((gemma4::bind_audio_tower_weights<float>(p, a),
                            gemma4::bind_embed_audio_weights<float>(p, a, Dt)),
                           doctest::Contains(name.c_str()), gemma4::Error);
    }
  }
}

TEST_CASE("E2B multimodal checkpoint (full vocabulary, 2 text layers, 1 + 1 tower layers) runs") {
  TempDir tmp;
  gemma4::HubConfig h = gemma4::hub_config_of<gemma4::E2B>();
  h.text = gemma4::with_layers(h.text, 2);
  h.vision = gemma4::with_layers(*h.vision, 1);
  h.audio = gemma4::with_layers(*h.audio, 1);
  gemma4::write_random_checkpoint(tmp.path, h, {.seed = 11, .dtype = DType::BF16});

  // Names and shapes: the text table plus the towers' (released widths), clip bounds as [].
  const gemma4::Checkpoint ckpt(tmp.path);
  std::size_t text = 0, vision = 0, audio = 0, bounds = 0;
  for (const auto& name : ckpt.names()) {
    const auto r = ckpt.at(name);
    CHECK(r.info->dtype == DType::BF16);
    text += name.starts_with("model.language_model.");
    vision += name.starts_with("model.vision_tower.") || name.starts_with("model.embed_vision.");
    audio += name.starts_with("model.audio_tower.") || name.starts_with("model.embed_audio.");
    if (name.ends_with("input_min")) {
      bounds += 1;
      CHECK(r.info->shape.empty());
    }
  }
  CHECK(text == gemma4::expected_text_tensors(h.text).size());
  CHECK(vision == gemma4::expected_vision_tensors(*h.vision, 1536).size());
  CHECK(audio == gemma4::expected_audio_tower_tensors(*h.audio).size() + 1);
  CHECK(text + vision + audio == ckpt.names().size());
  CHECK(bounds == 7 + 10);  // 7 clippable linears per vision layer, 10 per conformer block
  CHECK(ckpt.at("model.embed_vision.embedding_projection.weight").info->shape == V{1536, 768});
  CHECK(ckpt.at("model.embed_audio.embedding_projection.weight").info->shape == V{1536, 1536});
  CHECK(ckpt.at("model.vision_tower.patch_embedder.position_embedding_table").info->shape ==
        V{2, 10240, 768});

  // config.json reads back as h.
  const gemma4::HubConfig back = gemma4::read_hub_config(tmp.path);
  CHECK(gemma4::config_mismatches(h.text, back.text).empty());
  CHECK(back.vision == h.vision);
  CHECK(back.audio == h.audio);
  CHECK(back.special.image_token_id == 258880);

  const auto model = gemma4::Model<gemma4::Dynamic, float>::load(tmp.path);
  CHECK(model.modalities().image);
  CHECK(model.modalities().audio);
  const auto image = model.encode_image(test_image(200, 150), 70);
  const auto clip = test_clip(16000);  // 1 s: 25 soft tokens
  const auto audio_tokens = model.encode_audio(clip);
  REQUIRE(image.cols() == 1536);
  REQUIRE(audio_tokens.cols() == 1536);
  CHECK(image.rows() > 40);  // 200x150 at budget 70: 432x336 -> 9 x 7 = 63
  CHECK(image.rows() <= 70);
  CHECK(audio_tokens.rows() == gemma4::audio_num_soft_tokens(16000));
  CHECK(image.allFinite());
  CHECK(audio_tokens.allFinite());
  // Soft tokens at the scale of the text embeddings (rms 1): RMSNorm then a 1/sqrt(fan_in) map.
  MESSAGE("image soft tokens rms " << rms(image) << ", audio " << rms(audio_tokens));
  CHECK(rms(image) > 0.3);
  CHECK(rms(image) < 3);
  CHECK(rms(audio_tokens) > 0.3);
  CHECK(rms(audio_tokens) < 3);

  gemma4::Media<float> media;
  media.images.push_back(image);
  media.audio.push_back(audio_tokens);
  const auto ids = prompt(model.merge_ids(), image.rows(), audio_tokens.rows());
  const auto logits = model.forward(ids, media, gemma4::LogitsFor::Last);
  REQUIRE(logits.rows() == 1);
  REQUIRE(logits.cols() == 262144);
  CHECK(logits.allFinite());
  CHECK(logits.cwiseAbs().maxCoeff() > 0.1);
  // The media matter: other soft tokens give other logits.
  gemma4::Media<float> other = media;
  other.images[0] = model.encode_image(test_image(150, 200), 70);
  const auto ids2 = prompt(model.merge_ids(), other.images[0].rows(), audio_tokens.rows());
  CHECK((model.forward(ids2, other, gemma4::LogitsFor::Last) - logits).cwiseAbs().maxCoeff() >
        1e-3);

  // The compiled E2B checks every config against the released one: here the towers' depth.
  CHECK_THROWS_WITH_AS(E2BModel::load(tmp.path),
                       doctest::Contains("vision_config.num_hidden_layers: expected 16, got 1"),
                       gemma4::Error);
}

TEST_CASE("E2B with the released towers: the compiled variant accepts them, rejects text depth") {
  // Full towers (16 vision layers, 12 conformer blocks) in f16 next to a 1-layer, 512-token text
  // decoder: Model<E2B> binds both towers (they match kVisionSmall / kAudioTower) and then fails
  // only on the text config, which is not the released one.
  TempDir tmp;
  gemma4::HubConfig h = gemma4::hub_config_of<gemma4::E2B>();
  h.text = gemma4::with_layers(h.text, 1);
  h.text.vocab_size = h.text.vocab_size_per_layer_input = 512;
  h.special = {.boi_token_id = 500,
               .eoi_token_id = 501,
               .image_token_id = 502,
               .video_token_id = 503,
               .boa_token_id = 504,
               .eoa_token_id = 505,
               .audio_token_id = 506};
  gemma4::write_random_checkpoint(tmp.path, h, {.seed = 3, .dtype = DType::F16});
  const gemma4::Checkpoint ckpt(tmp.path);
  CHECK(ckpt.contains("model.vision_tower.encoder.layers.15.mlp.down_proj.output_max"));
  CHECK(ckpt.contains("model.audio_tower.layers.11.lconv1d.linear_end.linear.weight"));
  // Vision and audio pass the variant check; the text decoder is the first mismatch.
  std::string what;
  try {
    E2BModel::load(tmp.path);
  } catch (const gemma4::Error& e) {
    what = e.what();
  }
  CHECK(what.find("num_hidden_layers: expected 35, got 1") != std::string::npos);
  CHECK(what.find("vision") == std::string::npos);
  CHECK(what.find("audio") == std::string::npos);
  // Broken towers are refused by the same check: a config.json whose vision tower is one layer
  // short (the weights of layer 15 are then simply not read).
  auto j = gemma4::read_json_file(tmp / "config.json");
  j["vision_config"]["num_hidden_layers"] = 15;
  std::ofstream(tmp / "config.json") << j.dump(2);
  CHECK_THROWS_WITH_AS(E2BVision::load(tmp.path),
                       doctest::Contains("vision_config.num_hidden_layers: expected 16, got 15"),
                       gemma4::Error);
}

TEST_CASE("26B-A4B-shaped checkpoint: large vision tower, no audio, vision overlay") {
  // The 26B-A4B towers and text widths with 1 text layer, 1 vision layer, a 1024-token vocabulary
  // and 16 experts (top 4) instead of 128 (top 8), to stay small.
  TempDir tmp;
  gemma4::HubConfig h = gemma4::hub_config_of<gemma4::MoE26B_A4B>();
  REQUIRE_FALSE(h.audio.has_value());
  h.text = gemma4::with_layers(h.text, 1);
  h.text.vocab_size = h.text.vocab_size_per_layer_input = 1024;
  h.text.num_experts = 16, h.text.top_k_experts = 4;
  h.vision = gemma4::with_layers(*h.vision, 1);
  h.special = {.boi_token_id = 1000,
               .eoi_token_id = 1001,
               .image_token_id = 1002,
               .video_token_id = 1003,
               .boa_token_id = 1004,
               .eoa_token_id = 1005,
               .audio_token_id = 1006};
  gemma4::write_random_checkpoint(tmp.path, h, {.seed = 4, .dtype = DType::BF16});

  const gemma4::Checkpoint ckpt(tmp.path);
  CHECK(ckpt.contains("model.vision_tower.std_bias"));
  CHECK(ckpt.contains("model.vision_tower.std_scale"));
  CHECK_FALSE(ckpt.contains("model.vision_tower.encoder.layers.0.self_attn.q_proj.input_min"));
  CHECK(ckpt.at("model.embed_vision.embedding_projection.weight").info->shape == V{2816, 1152});
  for (const auto& name : ckpt.names()) CHECK_FALSE(name.find("audio") != std::string::npos);
  CHECK(gemma4::read_json_file(tmp / "config.json")["audio_config"].is_null());

  const auto model = gemma4::Model<gemma4::Dynamic, float>::load(tmp.path);
  CHECK(model.modalities().image);
  CHECK_FALSE(model.modalities().audio);
  CHECK(model.vision_overlay());
  CHECK_THROWS_AS(model.encode_audio(test_clip(1600)), gemma4::Error);
  gemma4::Media<float> media;
  media.images.push_back(model.encode_image(test_image(120, 90), 70));
  REQUIRE(media.images[0].cols() == 2816);
  CHECK(rms(media.images[0]) > 0.3);
  CHECK(rms(media.images[0]) < 3);
  const std::vector<gemma4::TokenId> ids = prompt(model.merge_ids(), media.images[0].rows(), 0);
  const auto logits = model.forward(ids, media, gemma4::LogitsFor::Last);
  CHECK(logits.cols() == 1024);
  CHECK(logits.allFinite());
  // No audio tower: a clip's soft tokens are refused.
  gemma4::Media<float> with_audio = media;
  with_audio.audio.push_back(gemma4::RowMatrix<float>::Zero(3, 2816));
  CHECK_THROWS_WITH_AS(model.forward(ids, with_audio, gemma4::LogitsFor::Last),
                       doctest::Contains("without an audio tower"), gemma4::Error);
  // Model<MoE26B_A4B> checks the vision tower against the released one.
  CHECK_THROWS_WITH_AS(MoEModel::load(tmp.path),
                       doctest::Contains("vision_config.num_hidden_layers: expected 27, got 1"),
                       gemma4::Error);
}

TEST_CASE("text-only checkpoints keep null towers") {
  TempDir tmp;
  gemma4::TextConfig c = gemma4::with_layers(gemma4::E2B::text, 1);
  c.vocab_size = c.vocab_size_per_layer_input = 300;
  gemma4::HubConfig h{c,
                      std::nullopt,
                      std::nullopt,
                      {.boi_token_id = 290,
                       .eoi_token_id = 291,
                       .image_token_id = 292,
                       .video_token_id = 293,
                       .boa_token_id = 294,
                       .eoa_token_id = 295,
                       .audio_token_id = 296}};
  gemma4::write_random_checkpoint(tmp.path, h, {.seed = 1, .dtype = DType::F32});
  const auto j = gemma4::read_json_file(tmp / "config.json");
  CHECK(j["vision_config"].is_null());
  CHECK(j["audio_config"].is_null());
  CHECK(j["image_token_id"] == 292);
  for (const auto& name : gemma4::Checkpoint(tmp.path).names())
    CHECK(name.starts_with("model.language_model."));
  const auto model = gemma4::Model<gemma4::Dynamic, float>::load(tmp.path);
  CHECK_FALSE(model.modalities().image);
  CHECK_FALSE(model.modalities().audio);
}
