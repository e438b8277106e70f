// Tests of gemma4/reference/random_init.hpp: the generators against their reference outputs, the
// value distributions, determinism across chunking and threads, pinned bytes (the same on every
// compiler), and a full-vocabulary E2B-shaped checkpoint with 2 layers that loads, runs a forward
// and has exactly the spec's tensor table.
#include "gemma4/reference/random_init.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gemma4/io/checkpoint.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/variants.hpp"

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
