// Tests of tap_diff.hpp: identical dumps agree everywhere; each hint is checked by planting its
// bug in a copy of text-e2b-tiny (PLE, KV sharing, window 6 with T = 20, proportional RoPE on the
// full layers 2 and 6), running our double model on it and diffing against the fixture's golden
// taps. Bugs are planted in the copy's weights or config.json only, never in the library:
//
//   embedding     embed_tokens scaled by 1.02                      -> hidden_states.0
//   PLE           per_layer_projection_norm scaled by 1.1          -> per_layer_inputs
//   window        sliding_window 6 -> 7                            -> layer 0, positions >= 6
//   RoPE          full layers' partial_rotary_factor 0.25 -> 0.5   -> layer 2 (full), not pos. 0
//   KV source     layer 3's V channels permuted and its o_proj     -> layer 4 (KV-shared): layer 3
//                 columns permuted back, so layer 3's output is       is unchanged, but layers 4
//                 unchanged but the K/V it shares are not             and 5 read other V values
#include <gemma4/reference/golden.hpp>
#include <gemma4/reference/tap_diff.hpp>

#include <fstream>
#include <functional>
#include <map>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";
constexpr double kThreshold = 1e-6;  // double against the float64 golden: 1e-9 when right

using Edit = std::function<void(const std::string& name, std::vector<std::int64_t> shape,
                                std::vector<float>& values)>;

/// A copy of the fixture in `dir` with weights passed through `edit` and config.json through
/// `edit_config`, run by our double model on the fixture's input_ids; returns the dump's path.
fs::path planted(const fs::path& dir, const Edit& edit,
                 const std::function<void(nlohmann::json&)>& edit_config = {}) {
  nlohmann::json cfg = gemma4::read_json_file(kFixture / "config.json");
  if (edit_config) edit_config(cfg["text_config"]);
  std::ofstream(dir / "config.json") << cfg.dump(2);
  const gemma4::Checkpoint ckpt(kFixture);
  std::vector<gemma4::TensorWrite> tensors;
  for (const auto& name : ckpt.names()) {
    const auto ref = ckpt.at(name);
    std::vector<float> v = ckpt.read<float>(name);
    if (edit) edit(name, ref.info->shape, v);
    tensors.push_back(gemma4::tensor_from<float>(name, ref.info->shape, std::move(v)));
  }
  gemma4::write_safetensors(dir / "model.safetensors", std::move(tensors));
  const gemma4::SafetensorsFile golden(kFixture / "golden.safetensors");
  std::vector<gemma4::TokenId> ids;
  for (auto v : golden.read<std::int64_t>("input_ids"))
    ids.push_back(static_cast<gemma4::TokenId>(v));
  const auto out = dir / "taps.safetensors";
  gemma4::dump_taps(gemma4::TextModel<gemma4::Dynamic, double>::load(dir), ids, out);
  return out;
}

gemma4::TapDiff diff_against_golden(const fs::path& taps) {
  const gemma4::SafetensorsFile a(kFixture / "golden.safetensors"), b(taps);
  const gemma4::TextConfig c = gemma4::read_text_config(kFixture);
  const gemma4::TapDiff d = gemma4::diff_taps(a, b, kThreshold, &c);
  MESSAGE(gemma4::format_tap_diff(d));
  return d;
}

const gemma4::TapKeyDiff& first_bad(const gemma4::TapDiff& d) {
  REQUIRE(!d.agree());
  return d.keys[static_cast<std::size_t>(d.first_bad)];
}

void scale(std::vector<float>& v, float s) {
  for (auto& x : v) x *= s;
}

}  // namespace

TEST_CASE("diff_taps: identical dumps agree on every key, with zero error") {
  const gemma4::SafetensorsFile a(kFixture / "golden.safetensors"),
      b(kFixture / "golden.safetensors");
  const gemma4::TextConfig c = gemma4::read_text_config(kFixture);
  const gemma4::TapDiff d = gemma4::diff_taps(a, b, 0.0, &c);
  CHECK(d.agree());
  CHECK(d.hint.empty());
  // hidden_states.0, per_layer_inputs, 6 layer outputs, last_layer_output, final norm, logits
  REQUIRE(d.keys.size() == 11);
  for (const auto& k : d.keys) CHECK(k.error == 0.0);
  CHECK(d.keys.front().key == "hidden_states.0");
  CHECK(d.keys[1].key == "per_layer_inputs");
  CHECK(d.keys[2].key == "hidden_states.1");
  CHECK(d.keys[8].key == "last_layer_output");
  CHECK(d.keys[9].key == "hidden_states.7");
  CHECK(d.keys.back().key == "logits");
}

TEST_CASE("diff_taps: our unmodified copy agrees with the golden taps (the planted runs' base)") {
  gemma4::test::TempDir tmp;
  const gemma4::TapDiff d = diff_against_golden(planted(tmp.path, {}));
  CHECK(d.agree());
}

TEST_CASE("diff_taps: a wrong embedding scale starts at hidden_states.0") {
  gemma4::test::TempDir tmp;
  const auto d = diff_against_golden(planted(tmp.path, [](const std::string& n, auto, auto& v) {
    if (n.ends_with("embed_tokens.weight")) scale(v, 1.02f);
  }));
  CHECK(first_bad(d).key == "hidden_states.0");
  CHECK(d.hint.find("embedding") != std::string::npos);
}

TEST_CASE("diff_taps: a Per-Layer Embedding bug starts at per_layer_inputs") {
  gemma4::test::TempDir tmp;
  const auto d = diff_against_golden(planted(tmp.path, [](const std::string& n, auto, auto& v) {
    if (n.ends_with("per_layer_projection_norm.weight")) scale(v, 1.1f);
  }));
  CHECK(first_bad(d).key == "per_layer_inputs");
  CHECK(d.keys[0].error <= kThreshold);  // hidden_states.0 is untouched
  CHECK(d.hint.find("Per-Layer Embeddings") != std::string::npos);
}

TEST_CASE("diff_taps: a sliding window off by one shows only at positions >= W") {
  gemma4::test::TempDir tmp;
  const auto d = diff_against_golden(
      planted(tmp.path, {}, [](nlohmann::json& t) { t["sliding_window"] = 7; }));
  CHECK(first_bad(d).key == "hidden_states.1");  // layer 0 is sliding
  REQUIRE(!d.bad_positions.empty());
  CHECK(d.bad_positions.front() == 6);  // position 6 now also sees position 0
  CHECK(d.hint.find("sliding window or cache eviction") != std::string::npos);
}

TEST_CASE("diff_taps: a proportional-RoPE bug starts at the first full-attention layer") {
  gemma4::test::TempDir tmp;
  const auto d = diff_against_golden(planted(tmp.path, {}, [](nlohmann::json& t) {
    t["rope_parameters"]["full_attention"]["partial_rotary_factor"] = 0.5;
  }));
  CHECK(first_bad(d).key == "hidden_states.3");  // output of layer 2, the first full layer
  CHECK(first_bad(d).layer == 2);
  REQUIRE(!d.bad_positions.empty());
  CHECK(d.bad_positions.front() == 1);  // at position 0 RoPE is the identity
  CHECK(d.hint.find("full attention") != std::string::npos);
  CHECK(d.hint.find("proportional RoPE") != std::string::npos);
}

TEST_CASE("diff_taps: a shared layer reading other K/V starts at the first KV-shared layer") {
  // Layer 3 (the last non-shared sliding layer) shares its K/V with layers 4 and 5. Reverse the
  // channels of its (single) V head and the matching o_proj columns of each of its 4 query
  // heads: v_norm is a per-head RMS, so layer 3 computes exactly what it did, but its shared V
  // is now what a runtime reading the wrong source would see.
  const gemma4::TextConfig c = gemma4::read_text_config(kFixture);
  REQUIRE(gemma4::layer_spec(c, 4).kv_shared);
  REQUIRE(gemma4::layer_spec(c, 4).kv_source == 3);
  const int d_head = gemma4::layer_spec(c, 3).head_dim, heads = c.num_attention_heads;
  REQUIRE(gemma4::layer_spec(c, 3).num_kv_heads == 1);
  gemma4::test::TempDir tmp;
  const auto d = diff_against_golden(
      planted(tmp.path, [&](const std::string& n, std::vector<std::int64_t> shape, auto& v) {
        const auto rows = shape[0], cols = shape.size() > 1 ? shape[1] : 1;
        const std::vector<float> w = v;
        if (n.ends_with("layers.3.self_attn.v_proj.weight"))  // [d, H]: reverse the rows
          for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t j = 0; j < cols; ++j)
              v[static_cast<std::size_t>(r * cols + j)] =
                  w[static_cast<std::size_t>((d_head - 1 - r) * cols + j)];
        if (n.ends_with("layers.3.self_attn.o_proj.weight"))  // [H, heads * d]: within each head
          for (std::int64_t r = 0; r < rows; ++r)
            for (int h = 0; h < heads; ++h)
              for (int j = 0; j < d_head; ++j)
                v[static_cast<std::size_t>(r * cols + h * d_head + j)] =
                    w[static_cast<std::size_t>(r * cols + h * d_head + (d_head - 1 - j))];
      }));
  CHECK(d.keys[5].key == "hidden_states.4");  // layer 3's output: still agrees
  CHECK(d.keys[5].error <= kThreshold);
  CHECK(first_bad(d).key == "hidden_states.5");  // layer 4, the first KV-shared layer
  CHECK(d.hint.find("KV sharing") != std::string::npos);
  CHECK(d.hint.find("layer 3") != std::string::npos);
}

TEST_CASE("diff_taps: dumps of different prompts are refused") {
  gemma4::test::TempDir tmp;
  gemma4::write_safetensors(tmp / "a.safetensors", [] {
    std::vector<gemma4::TensorWrite> t;
    t.push_back(gemma4::tensor_from<std::int64_t>("input_ids", {2}, {2, 3}));
    return t;
  }());
  const gemma4::SafetensorsFile a(tmp / "a.safetensors"), b(kFixture / "golden.safetensors");
  CHECK_THROWS_WITH_AS(gemma4::diff_taps(a, b, 1e-4), doctest::Contains("input_ids differ"),
                       gemma4::Error);
}

TEST_CASE("diff_taps: an error that creeps up key by key is called gradual, not a mechanism") {
  // B = the golden taps plus noise of relative size 1e-6 * 3^k at the k-th key in data-flow order.
  const gemma4::SafetensorsFile golden(kFixture / "golden.safetensors");
  const gemma4::TextConfig c = gemma4::read_text_config(kFixture);
  const gemma4::TapDiff base = gemma4::diff_taps(golden, golden, 0.0, &c);
  std::map<std::string, double> noise;
  double n = 1e-6;
  for (const auto& k : base.keys) noise[k.key] = n, n *= 3;
  std::vector<gemma4::TensorWrite> tensors;
  for (const auto& t : golden.tensors()) {
    std::vector<double> v = golden.read<double>(t.name);
    if (auto it = noise.find(t.name); it != noise.end()) {
      double scale = 1;  // the measure's max(1, max|A|)
      for (double x : v) scale = std::max(scale, std::abs(x));
      for (std::size_t i = 0; i < v.size(); ++i) v[i] += it->second * scale * (i % 2 ? 1 : -1);
    }
    if (t.dtype == gemma4::DType::I64)
      tensors.push_back(
          gemma4::tensor_from<std::int64_t>(t.name, t.shape, golden.read<std::int64_t>(t.name)));
    else
      tensors.push_back(gemma4::tensor_from<double>(t.name, t.shape, std::move(v)));
  }
  gemma4::test::TempDir tmp;
  gemma4::write_safetensors(tmp / "b.safetensors", std::move(tensors));
  const gemma4::SafetensorsFile b(tmp / "b.safetensors");
  const gemma4::TapDiff d = gemma4::diff_taps(golden, b, 1e-3, &c);
  MESSAGE(gemma4::format_tap_diff(d));
  REQUIRE(!d.agree());
  CHECK(first_bad(d).key == base.keys[7].key);  // 1e-6 * 3^7 = 2.2e-3, the first past 1e-3
  CHECK(d.hint.starts_with("gradual:"));
}
