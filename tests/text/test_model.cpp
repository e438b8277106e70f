// Tests of gemma4/text/model.hpp and gemma4/reference/golden.hpp: the whole text decoder against
// every golden text fixture (repository copies and ../shared/golden), in every number type;
// incremental decoding against the full forward for several chunkings; the errors of bad input.
#include <gemma4/reference/golden.hpp>
#include <gemma4/text/model.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace gemma4::test {
/// The fixtures whose every checked key is a text-decoder stage (whatever their folder name).
/// Tower-only and whole-model fixtures are tested in tests/vision, tests/audio and
/// tests/multimodal; a fixture with keys nobody produces is reported, not skipped silently.
std::vector<std::filesystem::path> text_fixtures() {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : fixture_dirs()) {
    const SafetensorsFile golden(dir / "golden.safetensors");
    if (!golden.find("input_ids")) continue;      // no text decoder (vision-tiny: tests/vision/)
    if (is_multimodal_fixture(golden)) continue;  // the whole model: tests/multimodal/
    std::string unsupported;
    for (const TensorInfo& t : golden.tensors())
      if (golden_key_kind(t.name) == GoldenKeyKind::Unsupported) unsupported += " " + t.name;
    if (unsupported.empty())
      out.push_back(dir);
    else
      MESSAGE("fixture " << dir.string() << " needs stages not supported yet:" << unsupported);
  }
  return out;
}
}  // namespace gemma4::test

TEST_CASE("the fixture folders are found") {
  CHECK(test::text_fixtures().size() >= 3);
  // CI lays ../shared beside the clone; its fixtures must then be run too.
  if (std::getenv("CI")) CHECK(std::filesystem::is_directory(GEMMA4_SHARED_GOLDEN_DIR));
}

TEST_CASE_TEMPLATE("every golden text fixture matches", T, double, float, Eigen::bfloat16,
                   Eigen::half) {
  for (const auto& dir : test::text_fixtures()) {
    const VerifyReport r = verify_fixture<T>(dir);
    INFO("fixture " << dir.string() << " as " << NumberTraits<T>::name);
    CHECK(r.unsupported.empty());
    CHECK(r.checks.size() >= 10);  // hidden_states.0..L, last_layer_output, logits at least
    for (const TensorCheck& c : r.checks) {
      INFO(c.key << ": relative error " << c.error << ", bound " << c.bound << " " << c.note);
      CHECK(c.pass);
    }
  }
}

namespace {

template <class T>
std::vector<TokenId> fixture_ids(const std::filesystem::path& dir) {
  const SafetensorsFile golden(dir / "golden.safetensors");
  std::vector<TokenId> ids;
  for (auto v : golden.read<std::int64_t>("input_ids")) ids.push_back(static_cast<TokenId>(v));
  return ids;
}

/// Logits of ids fed in chunks of the given sizes (the last repeats until the end).
template <class Model>
RowMatrix<typename Model::Compute> chunked_logits(const Model& model,
                                                  const std::vector<TokenId>& ids,
                                                  std::vector<std::size_t> chunks) {
  auto cache = model.make_cache();
  RowMatrix<typename Model::Compute> out(static_cast<Eigen::Index>(ids.size()),
                                         model.config().vocab_size);
  std::size_t pos = 0, k = 0;
  while (pos < ids.size()) {
    const std::size_t n = std::min(chunks[std::min(k++, chunks.size() - 1)], ids.size() - pos);
    const auto logits = model.forward(std::span(ids).subspan(pos, n), cache, LogitsFor::All);
    out.middleRows(static_cast<Eigen::Index>(pos), static_cast<Eigen::Index>(n)) = logits;
    pos += n;
    CHECK(cache.size() == static_cast<Eigen::Index>(pos));
  }
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("incremental decoding equals the full forward for any chunking", T, double,
                   float) {
  for (const auto& dir : test::text_fixtures()) {
    INFO("fixture " << dir.string());
    const auto model = TextModel<Dynamic, T>::load(dir);
    const auto ids = fixture_ids<T>(dir);
    const auto W = static_cast<std::size_t>(model.config().sliding_window);
    REQUIRE(ids.size() > W);  // the window is exercised
    const auto full = model.forward(ids);
    // Floating-point sums over a different number of keys may round differently; the fixtures
    // report 0 for their own implementation. Bound: far below a structural error (>= 1e-2).
    const double bound = std::is_same_v<T, double> ? 1e-12 : 1e-5;
    for (const auto& chunks : std::vector<std::vector<std::size_t>>{
             {1}, {ids.size()}, {W + 1, 3}, {4}, {7, 1}, {2, 5, 1, 3}}) {
      INFO("chunks starting " << chunks[0]);
      test::check_tensor("logits", chunked_logits(model, ids, chunks), full, bound);
    }
    // LogitsFor::Last is the last row (a GEMV instead of a GEMM: rounding may differ).
    auto cache = model.make_cache();
    const auto last = model.forward(ids, cache, LogitsFor::Last);
    test::check_tensor("last logits", last, full.bottomRows(1), bound);
  }
}

TEST_CASE("a sliding layer's cache keeps W-1 positions, a full layer's all") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";
  const auto model = TextModel<Dynamic, double>::load(dir);
  const auto ids = fixture_ids<double>(dir);
  auto cache = model.make_cache();
  model.forward(ids, cache, LogitsFor::None);
  const int W = model.config().sliding_window;
  // text-e2b-tiny: 7 layers SSFSSSF, 3 KV-shared -> cache slots for layers 0..3 only.
  REQUIRE(cache.num_layers() == 4);
  CHECK(cache.layer(0).size() == W - 1);
  CHECK(cache.layer(0).first_position() == static_cast<Eigen::Index>(ids.size()) - (W - 1));
  CHECK(cache.layer(2).size() == static_cast<Eigen::Index>(ids.size()));
}

TEST_CASE("taps name every stage with the fixture keys, in order") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-moe-tiny";
  const auto model = TextModel<Dynamic, double>::load(dir);
  std::vector<std::string> names;
  model.forward(std::vector<TokenId>{2, 5, 7}, LogitsFor::All,
                [&](const Tap<double>& t) { names.emplace_back(t.name); });
  const std::vector<std::string> expected_start = {"hidden_states.0", "hidden_states.1",
                                                   "moe_top_k_index.0", "moe_top_k_weights.0"};
  REQUIRE(names.size() == 1 + 7 * 3 + 2);  // h0, 7 x (h, index, weights), h7, logits
  CHECK(std::vector<std::string>(names.begin(), names.begin() + 4) == expected_start);
  CHECK(names[names.size() - 3] == "moe_top_k_weights.6");
  CHECK(names[names.size() - 4] == "moe_top_k_index.6");
  CHECK(names[names.size() - 5] == "last_layer_output");
  CHECK(names[names.size() - 2] == "hidden_states.7");
  CHECK(names.back() == "logits");
}

TEST_CASE("bad input is a gemma4::Error naming the value") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";
  const auto model = TextModel<Dynamic, float>::load(dir);
  CHECK_THROWS_WITH_AS(model.forward(std::vector<TokenId>{2, 300}),
                       doctest::Contains("token id 300 at position 1"), Error);
  CHECK_THROWS_WITH_AS(model.forward(std::vector<TokenId>{-1}), doctest::Contains("token id -1"),
                       Error);
  // A checkpoint that does not match the compiled variant: every mismatching field is listed.
  using E2BFloat = TextModel<E2B, float>;
  CHECK_THROWS_WITH_AS(E2BFloat::load(dir), doctest::Contains("hidden_size: expected 1536, got 64"),
                       Error);
  try {
    (void)TextModel<E2B, float>::load(dir);
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("config.json") != std::string::npos);
    CHECK(what.find("num_hidden_layers: expected 35, got 7") != std::string::npos);
    CHECK(what.find("vocab_size: expected 262144, got 300") != std::string::npos);
  }
  using DynamicFloat = TextModel<Dynamic, float>;
  CHECK_THROWS_WITH_AS(
      DynamicFloat::load(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "no-such-model"),
      doctest::Contains("no-such-model"), Error);
}

TEST_CASE("a missing or misshapen tensor names the tensor and both shapes") {
  namespace fs = std::filesystem;
  const auto src = fs::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-dense-tiny";
  const test::TempDir scratch;
  const auto& tmp = scratch.path;
  fs::copy_file(src / "config.json", tmp / "config.json");
  // Rewrite the config with a wider MLP than the weights have.
  auto j = read_json_file(src / "config.json");
  j["text_config"]["intermediate_size"] = 130;
  std::ofstream(tmp / "config.json", std::ios::trunc) << j.dump();
  fs::copy_file(src / "model.safetensors", tmp / "model.safetensors");
  using DynamicFloat = TextModel<Dynamic, float>;
  CHECK_THROWS_WITH_AS(DynamicFloat::load(tmp),
                       doctest::Contains("'model.language_model.layers.0.mlp.gate_proj.weight' has "
                                         "shape [128, 64], expected [130, 64]"),
                       Error);
}

TEST_CASE("dump_taps writes what the fixtures hold, under the same keys") {
  for (const auto& dir : test::text_fixtures()) {
    INFO("fixture " << dir.string());
    const auto model = TextModel<Dynamic, double>::load(dir);
    const SafetensorsFile golden(dir / "golden.safetensors");
    const auto ids = fixture_ids<double>(dir);
    const test::TempDir tmp;
    const auto out = tmp / "dump.safetensors";
    dump_taps(model, ids, out);
    const SafetensorsFile dumped(out);
    for (const TensorInfo& g : golden.tensors()) {
      if (golden_key_kind(g.name) != GoldenKeyKind::Text || g.name.starts_with("mask_") ||
          g.name.starts_with("moe_"))  // routing order within a token may differ; verify sorts
        continue;
      const TensorInfo* d = dumped.find(g.name);
      REQUIRE_MESSAGE(d, "dump lacks " << g.name);
      CHECK(d->shape == g.shape);
      const auto ref = golden.read<double>(g.name), ours = dumped.read<double>(g.name);
      const Eigen::Map<const RowMatrix<double>> a(ours.data(), 1,
                                                  static_cast<Eigen::Index>(ours.size())),
          b(ref.data(), 1, static_cast<Eigen::Index>(ref.size()));
      test::check_tensor(g.name, a, b, 1e-9);
    }
    CHECK(dumped.read<std::int64_t>("input_ids") == golden.read<std::int64_t>("input_ids"));
  }
}

TEST_CASE("a NaN in our output fails the comparison instead of vanishing in max()") {
  const std::vector<double> ref = {1.0, 2.0}, ours = {1.0, std::nan("")};
  const TensorCheck c = compare_tensor("x", {2}, ref, {2}, ours, 1e-9);
  CHECK_FALSE(c.pass);
  CHECK(std::isinf(c.error));
}
