// The live llama.cpp check: our GGUF export of every golden text fixture (tests/data/golden and
// ../shared/golden, whatever folders they hold), of a full-vocabulary E2B-shaped random
// checkpoint (2 layers) and of a KV-sharing model llama.cpp can run, executed by llama.cpp
// (release v0.5.0, the prebuilt of @node-llama-cpp/linux-x64@3.22.1; see prepare.sh) through
// the driver in batch and token-by-token mode, and compared tap by tap with our double model.
//
// Tolerance: llama.cpp computes in F32 here (F32 weights, F32 KV cache, no flash attention), but
// its CPU GELU (ggml_vec_gelu_f32 / ggml_vec_geglu_f32 in ggml-cpu/vec.h, GGML_GELU_FP16) rounds
// the input to fp16 and returns an fp16 table entry: up to 2^-11 relative on the input and again
// on the output, ~1e-3 per element, in every MLP, expert and PLE gate. Measured: ~3e-4 added per
// layer; at the logits 1.1e-4 (text-dense-tiny), 6e-4 (text-moe-tiny, its routing weights
// amplify it), 3.9e-3 (the 7-layer random model below, the worst), with the same experts chosen
// for every token. Replacing our GELU by an emulation of that table (an experiment, see the
// README) brings text-dense-tiny to 1e-5: the rest is fp16 rounding flips. We hold
// kTolerance = 5e-3 on every key: above the worst measured, below the 1e-2 .. 1 that structural
// errors produce (a window off by one, a wrong RoPE pair, a missing scale; see the planted bugs of
// tests/reference/test_tap_diff.cpp).
//
// The known disagreement: llama.cpp maps KV-shared layer i to layer
// n_layer_kv_from_start - (is_swa(i) ? 2 : 1) (llama-model.cpp, the `reuse` callback), assuming
// the last two non-shared layers are sliding then full; HF reads the last non-shared layer of the
// same type (Gemma4TextModel, kv_shared_layer_index). Where the two differ, the source is of the
// other attention type, which lives in the other KV cache: llama.cpp aborts while creating the
// context (GGML_ASSERT(map_layer_ids.find(il_reuse) != map_layer_ids.end())). The test predicts
// that from the config and checks that llama.cpp does exactly that (text-e2b-tiny: layers
// S,S,F,S | S,S,F, its sliding shared layers read layer 3 in HF, layer 2 in llama.cpp).
#include <gemma4/io/gguf_writer.hpp>
#include <gemma4/reference/golden.hpp>
#include <gemma4/reference/random_init.hpp>
#include <gemma4/reference/tap_diff.hpp>
#include <gemma4/variants.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "test_support.hpp"

namespace {

constexpr double kTolerance = 5e-3;

/// The layer llama.cpp v0.5.0 reads for KV-shared layer i (llama-model.cpp, `reuse`).
int llama_cpp_kv_source(const gemma4::TextConfig& c, int i) {
  return c.first_kv_shared_layer() - (c.layer_type(i) == gemma4::LayerType::Sliding ? 2 : 1);
}

/// The first KV-shared layer whose source llama.cpp takes differently from HF, if any.
std::optional<int> sharing_disagreement(const gemma4::TextConfig& c) {
  for (int i = c.first_kv_shared_layer(); c.num_kv_shared_layers > 0 && i < c.num_hidden_layers;
       ++i)
    if (llama_cpp_kv_source(c, i) != gemma4::layer_spec(c, i).kv_source) return i;
  return std::nullopt;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  int status = -1;
  std::string stderr_text;
};

Run run_driver(const std::filesystem::path& gguf, const std::vector<gemma4::TokenId>& ids,
               const std::string& mode, const std::filesystem::path& out) {
  const char* driver = std::getenv("GEMMA4_LLAMA_DRIVER");
  REQUIRE_MESSAGE(driver != nullptr, "GEMMA4_LLAMA_DRIVER is not set (tests/llama/prepare.sh)");
  std::string list;
  for (auto id : ids) {
    if (!list.empty()) list += ',';
    list += std::to_string(id);
  }
  const auto err = out.string() + ".stderr";
  // GGML_NO_BACKTRACE: an abort of llama.cpp (expected for text-e2b-tiny) prints its message
  // without attaching gdb for a backtrace.
  const std::string cmd = std::string("GGML_NO_BACKTRACE=1 '") + driver + "' '" + gguf.string() +
                          "' --ids " + list + " --mode " + mode + " --out '" + out.string() +
                          "' 2> '" + err + "'";
  Run r;
  r.status = std::system(cmd.c_str());
  r.stderr_text = read_text(err);
  return r;
}

/// Exports dir, runs it in llama.cpp in both modes and compares with our model (number type T:
/// double for the tiny ones, bf16 storage with float compute for the full vocabulary) on ids.
template <class T>
void check_live(const std::filesystem::path& dir, const std::vector<gemma4::TokenId>& ids,
                const std::string& label) {
  INFO("model " << label);
  gemma4::test::TempDir tmp;
  const auto gguf = tmp / "model.gguf";
  gemma4::export_gguf(dir, gguf);
  const gemma4::TextConfig c = gemma4::read_text_config(dir);
  const auto ours_path = tmp / "ours.safetensors";
  gemma4::dump_taps(gemma4::TextModel<gemma4::Dynamic, T>::load(dir), ids, ours_path);
  const gemma4::SafetensorsFile ours(ours_path);
  const auto known = sharing_disagreement(c);
  for (const std::string mode : {"batch", "token"}) {
    INFO("mode " << mode);
    const auto out = tmp / ("llama-" + mode + ".safetensors");
    const Run r = run_driver(gguf, ids, mode, out);
    if (known) {
      // llama.cpp takes layer llama_cpp_kv_source(c, i), of the other attention type: it stops
      // before computing anything, in the KV cache it cannot map.
      INFO("llama.cpp stderr: " << r.stderr_text);
      CHECK(r.status != 0);
      CHECK(
          r.stderr_text.find("GGML_ASSERT(map_layer_ids.find(il_reuse) != map_layer_ids.end())") !=
          std::string::npos);
      MESSAGE(label << " [" << mode << "]: llama.cpp cannot run it (KV-shared layer " << *known
                    << " reads layer " << llama_cpp_kv_source(c, *known) << " in llama.cpp, layer "
                    << gemma4::layer_spec(c, *known).kv_source << " in HF): aborts as predicted");
      continue;
    }
    INFO("llama.cpp stderr: " << r.stderr_text);
    REQUIRE(r.status == 0);
    const gemma4::SafetensorsFile theirs(out);
    if (std::filesystem::exists(dir / "tokenizer.json")) {  // llama.cpp read the real vocabulary
      const auto vocab = gemma4::read_json_file(dir / "tokenizer.json").at("model").at("vocab");
      std::map<std::int64_t, std::string> text_of;
      for (const auto& [text, id] : vocab.items()) text_of[static_cast<std::int64_t>(id)] = text;
      const auto texts = nlohmann::json::parse(theirs.metadata().at("token_texts"));
      REQUIRE(texts.size() == ids.size());
      for (std::size_t t = 0; t < ids.size(); ++t) CHECK(texts[t] == text_of.at(ids[t]));
    }
    const gemma4::TapDiff d = gemma4::diff_taps(ours, theirs, kTolerance, &c);
    INFO(gemma4::format_tap_diff(d));
    CHECK(d.only_in_a.empty());
    CHECK(d.only_in_b.empty());
    CHECK(d.keys.size() >= static_cast<std::size_t>(c.num_hidden_layers + 3));
    CHECK(d.agree());
    double worst = 0;
    std::string worst_key;
    for (const auto& k : d.keys)
      if (k.error >= worst) worst = k.error, worst_key = k.key;
    MESSAGE(label << " [" << mode << "]: llama.cpp agrees with us on " << d.keys.size()
                  << " keys, worst " << worst << " (" << worst_key << "), logits "
                  << d.keys.back().error);
  }
}

std::vector<gemma4::TokenId> golden_ids(const std::filesystem::path& dir) {
  const gemma4::SafetensorsFile g(dir / "golden.safetensors");
  std::vector<gemma4::TokenId> ids;
  for (auto v : g.read<std::int64_t>("input_ids")) ids.push_back(static_cast<gemma4::TokenId>(v));
  return ids;
}

}  // namespace

TEST_CASE("llama.cpp's KV-sharing rule, predicted from the config") {
  // The released E2B and E4B end their non-shared layers with sliding, full: both rules agree.
  CHECK(!sharing_disagreement(gemma4::E2B::text));
  CHECK(!sharing_disagreement(gemma4::E4B::text));
  const auto e2b_tiny = gemma4::read_text_config(std::filesystem::path(GEMMA4_TEST_DATA_DIR) /
                                                 "golden" / "text-e2b-tiny");
  REQUIRE(sharing_disagreement(e2b_tiny) == 4);  // S,S,F,S | S,S,F
  CHECK(llama_cpp_kv_source(e2b_tiny, 4) == 2);
  CHECK(gemma4::layer_spec(e2b_tiny, 4).kv_source == 3);
}

TEST_CASE("llama.cpp runs every golden text fixture as we do") {
  int n = 0;
  for (const auto& dir : gemma4::test::fixture_dirs()) {
    // Every fixture with a text decoder and a prompt (vision- or audio-only ones have neither).
    const gemma4::SafetensorsFile golden(dir / "golden.safetensors");
    const gemma4::Checkpoint ckpt(dir);
    if (!golden.find("input_ids") || !(ckpt.contains("model.language_model.embed_tokens.weight") ||
                                       ckpt.contains("model.embed_tokens.weight")))
      continue;
    if (gemma4::is_multimodal_fixture(golden)) continue;  // soft tokens: not a text prompt
    check_live<double>(dir, golden_ids(dir), dir.filename().string());
    ++n;
  }
  CHECK(n >= 3);
}

TEST_CASE("llama.cpp runs KV sharing, PLE and the double-wide MLP where its rule holds") {
  // text-e2b-tiny's shape with layers S,S,S,F | S,S,F: shared sliding layers read 2, the shared
  // full layer reads 3 under both rules. Random weights (random_init.hpp), T = 20 > window 6.
  auto c = gemma4::read_text_config(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" /
                                    "text-e2b-tiny");
  c.layer_types[2] = gemma4::LayerType::Sliding;
  c.layer_types[3] = gemma4::LayerType::Full;
  REQUIRE(!sharing_disagreement(c));
  REQUIRE(gemma4::layer_spec(c, 4).kv_source == 2);
  gemma4::test::TempDir tmp;
  gemma4::write_random_checkpoint(tmp.path, c, {.seed = 7, .dtype = gemma4::DType::F32});
  std::vector<gemma4::TokenId> ids;
  for (int t = 0; t < 20; ++t) ids.push_back(static_cast<gemma4::TokenId>((t * 37 + 2) % 300));
  check_live<double>(tmp.path, ids, "e2b-tiny-shape SSSF|SSF (random)");
}

TEST_CASE("llama.cpp runs a full-vocabulary E2B-shaped checkpoint (2 layers), real vocabulary") {
  const gemma4::TextConfig c = gemma4::with_layers(gemma4::E2B::text, 2);
  gemma4::test::TempDir tmp;
  gemma4::write_random_checkpoint(tmp.path, c, {.seed = 1, .dtype = gemma4::DType::BF16});
  // With the real Gemma 4 tokenizer.json beside it, the export carries its 262 144 tokens and
  // 514 906 merges: llama.cpp must accept that vocabulary (its BPE loader reads every merge).
  const char* tokenizer = std::getenv("GEMMA4_TOKENIZER_JSON");
  REQUIRE_MESSAGE(tokenizer != nullptr, "GEMMA4_TOKENIZER_JSON is not set (tokenizer fixture)");
  std::filesystem::copy_file(tokenizer, tmp / "tokenizer.json");
  const std::vector<gemma4::TokenId> ids{2, 818, 5279, 262143, 106, 1, 150000, 42, 9, 77777};
  check_live<Eigen::bfloat16>(tmp.path, ids, "E2B 2 layers (random, full vocabulary)");
}
