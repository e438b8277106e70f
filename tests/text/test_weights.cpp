// Tests of gemma4/text/weights.hpp: the checkpoint names of every variant (spec text-decoder §11,
// variants.md §2.4) and how a checkpoint is bound: both prefixes, the optional tied lm_head, the
// unused K/V tensors some released files carry on KV-shared layers, bf16 files, and the errors.
#include <gemma4/io/checkpoint_writer.hpp>
#include <gemma4/text/model.hpp>

#include "test_support.hpp"

using namespace gemma4;
namespace fs = std::filesystem;
using FloatModel = TextModel<Dynamic, float>;  // one template argument list inside CHECK macros

namespace {

const fs::path kE2bTiny = fs::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";

std::vector<std::int64_t> shape_of(const TextConfig& c, const std::string& name) {
  for (const TensorSpec& t : expected_text_tensors(c))
    if (t.name == name) return t.shape;
  return {};
}

/// Copies the fixture's checkpoint into `dir`, renaming with `rename`, converting to `dtype`,
/// and adding `extra` tensors.
template <class Rename>
void rewrite_fixture(const fs::path& dir, Rename rename, DType dtype,
                     std::vector<TensorWrite> extra = {}) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kE2bTiny / "config.json", dir / "config.json");
  const SafetensorsFile src(kE2bTiny / "model.safetensors");
  std::vector<TensorWrite> tensors = std::move(extra);
  for (const TensorInfo& t : src.tensors())
    tensors.push_back(tensor_copy(src, t, dtype, rename(t.name)));
  write_checkpoint(dir, std::move(tensors));
}

}  // namespace

TEST_CASE("E2B tensor table: the shapes of variants.md §2.4") {
  const TextConfig& c = E2B::text;
  CHECK(shape_of(c, "embed_tokens_per_layer.weight") == std::vector<std::int64_t>{262144, 8960});
  CHECK(shape_of(c, "per_layer_model_projection.weight") == std::vector<std::int64_t>{8960, 1536});
  CHECK(shape_of(c, "layers.0.self_attn.q_proj.weight") == std::vector<std::int64_t>{2048, 1536});
  CHECK(shape_of(c, "layers.4.self_attn.k_proj.weight") == std::vector<std::int64_t>{512, 1536});
  CHECK(shape_of(c, "layers.4.self_attn.o_proj.weight") == std::vector<std::int64_t>{1536, 4096});
  CHECK(shape_of(c, "layers.15.mlp.gate_proj.weight") == std::vector<std::int64_t>{12288, 1536});
  CHECK(shape_of(c, "layers.14.mlp.down_proj.weight") == std::vector<std::int64_t>{1536, 6144});
  CHECK(shape_of(c, "layers.15.self_attn.k_proj.weight").empty());  // shared: no K/V
  CHECK(shape_of(c, "layers.3.per_layer_input_gate.weight") ==
        std::vector<std::int64_t>{256, 1536});
}

TEST_CASE("26B-A4B and 31B tensor tables: experts, router, k_eq_v full layers without v_proj") {
  const TextConfig& m = MoE26B_A4B::text;
  CHECK(shape_of(m, "layers.0.experts.gate_up_proj") == std::vector<std::int64_t>{128, 1408, 2816});
  CHECK(shape_of(m, "layers.0.experts.down_proj") == std::vector<std::int64_t>{128, 2816, 704});
  CHECK(shape_of(m, "layers.0.router.proj.weight") == std::vector<std::int64_t>{128, 2816});
  CHECK(shape_of(m, "layers.5.self_attn.k_proj.weight") == std::vector<std::int64_t>{1024, 2816});
  CHECK(shape_of(m, "layers.5.self_attn.v_proj.weight").empty());
  CHECK(shape_of(m, "layers.0.self_attn.v_proj.weight") == std::vector<std::int64_t>{2048, 2816});
  const TextConfig& d = Dense31B::text;
  CHECK(shape_of(d, "layers.59.self_attn.q_proj.weight") == std::vector<std::int64_t>{16384, 5376});
  CHECK(shape_of(d, "layers.59.self_attn.k_proj.weight") == std::vector<std::int64_t>{2048, 5376});
  CHECK(shape_of(d, "layers.0.mlp.up_proj.weight") == std::vector<std::int64_t>{21504, 5376});
  CHECK(shape_of(d, "embed_tokens_per_layer.weight").empty());
}

TEST_CASE("a text-only save (prefix model.) with lm_head and unused shared K/V loads the same") {
  const auto ref = TextModel<Dynamic, double>::load(kE2bTiny);
  const std::vector<TokenId> ids = {2, 17, 299, 0, 5, 5, 8, 100};
  const auto expected = ref.forward(ids);

  const test::TempDir tmp;
  const auto& dir = tmp.path;
  const TextConfig& c = ref.config();
  std::vector<TensorWrite> extra;
  const auto H = c.hidden_size;
  extra.push_back(
      tensor_from<float>("lm_head.weight", {c.vocab_size, H},
                         std::vector<float>(static_cast<std::size_t>(c.vocab_size * H))));
  // Layer 4 is KV-shared in text-e2b-tiny: a released file may still carry its K/V projections.
  extra.push_back(tensor_from<float>("model.layers.4.self_attn.k_proj.weight", {16, H},
                                     std::vector<float>(static_cast<std::size_t>(16 * H), 1e3f)));
  extra.push_back(tensor_from<float>("model.layers.4.self_attn.k_norm.weight", {16},
                                     std::vector<float>(16, 1e3f)));
  rewrite_fixture(
      dir,
      [](const std::string& n) {
        return "model." + n.substr(std::string("model.language_model.").size());
      },
      DType::F32, std::move(extra));
  const auto model = TextModel<Dynamic, double>::load(dir);
  test::check_tensor("logits", model.forward(ids), expected, 0.0);
}

TEST_CASE("a bf16 checkpoint loads into float and bfloat16 models") {
  const test::TempDir tmp;
  const auto& dir = tmp.path;
  rewrite_fixture(
      dir, [](const std::string& n) { return n; }, DType::BF16);
  const std::vector<TokenId> ids = {2, 3, 4, 5};
  const auto as_float = TextModel<Dynamic, float>::load(dir).forward(ids);
  const auto as_bf16 = TextModel<Dynamic, Eigen::bfloat16>::load(dir).forward(ids);
  // Both read the same bf16 values (exactly representable in float); only the widening path
  // differs, so they agree to float rounding.
  test::check_tensor("logits", as_bf16, as_float, 1e-5);
  // And they are the fixture's model up to bf16 rounding of the weights.
  const auto exact = TextModel<Dynamic, double>::load(kE2bTiny).forward(ids);
  test::check_tensor("logits vs f32 weights", as_float.cast<double>(), exact,
                     NumberTraits<Eigen::bfloat16>::tolerance);
}

TEST_CASE("binding errors name the file, the tensor and both shapes") {
  const test::TempDir tmp;
  const auto& dir = tmp.path;
  // lm_head of the wrong shape.
  rewrite_fixture(dir, [](const std::string& n) { return n; }, DType::F32,
                  {tensor_from<float>("lm_head.weight", {3, 64}, std::vector<float>(192))});
  CHECK_THROWS_WITH_AS(FloatModel::load(dir),
                       doctest::Contains("'lm_head.weight' has shape [3, 64], expected [300, 64]"),
                       Error);
  // A missing tensor.
  rewrite_fixture(
      dir,
      [](const std::string& n) {
        return n.ends_with("layers.2.self_attn.q_norm.weight") ? std::string("unrelated.weight")
                                                               : n;
      },
      DType::F32);
  CHECK_THROWS_WITH_AS(
      FloatModel::load(dir),
      doctest::Contains("missing tensor 'model.language_model.layers.2.self_attn.q_norm.weight' "
                        "(expected shape [32])"),
      Error);
  // No text decoder at all.
  rewrite_fixture(
      dir, [](const std::string& n) { return "vision." + n; }, DType::F32);
  CHECK_THROWS_WITH_AS(FloatModel::load(dir), doctest::Contains("no text decoder found"), Error);
}

TEST_CASE("embedding tables stay memory-mapped; other float32 weights are views too") {
  const auto model = TextModel<Dynamic, float>::load(kE2bTiny);
  CHECK(model.weights().embed_tokens.holds_t());
  const auto copied =
      TextModel<Dynamic, float>::load(kE2bTiny, {.map_embeddings = false, .progress = {}});
  test::check_tensor("logits", copied.forward(std::vector<TokenId>{2, 9}),
                     model.forward(std::vector<TokenId>{2, 9}), 0.0);
  // A double model cannot view float32 bytes: the embedding stays raw (F32), read through T.
  const auto as_double = TextModel<Dynamic, double>::load(kE2bTiny);
  CHECK(as_double.weights().embed_tokens.dtype() == DType::F32);
}

TEST_CASE("tie_word_embeddings = false reads lm_head.weight, and requires it") {
  const test::TempDir tmp;
  const auto& dir = tmp.path;
  const SafetensorsFile src(kE2bTiny / "model.safetensors");
  // lm_head = the embedding matrix: the logits must equal the tied model's.
  rewrite_fixture(dir, [](const std::string& n) { return n; }, DType::F32,
                  {tensor_copy(src, src.at("model.language_model.embed_tokens.weight"), DType::F32,
                               "lm_head.weight")});
  auto j = read_json_file(dir / "config.json");
  j["tie_word_embeddings"] = false;
  j["text_config"]["tie_word_embeddings"] = false;
  std::ofstream(dir / "config.json", std::ios::trunc) << j.dump();
  const std::vector<TokenId> ids = {2, 40, 41};
  test::check_tensor("logits", TextModel<Dynamic, double>::load(dir).forward(ids),
                     TextModel<Dynamic, double>::load(kE2bTiny).forward(ids), 0.0);
  fs::remove(dir / "model.safetensors");
  rewrite_fixture(
      dir, [](const std::string& n) { return n; }, DType::F32);
  std::ofstream(dir / "config.json", std::ios::trunc) << j.dump();
  CHECK_THROWS_WITH_AS(FloatModel::load(dir), doctest::Contains("missing tensor 'lm_head.weight'"),
                       Error);
}
