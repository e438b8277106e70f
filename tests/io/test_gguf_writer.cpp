// Tests of gguf_writer.hpp: every golden text fixture exported to GGUF and read back by the
// independent reader of gguf_reader.hpp: every tensor under llama.cpp's name with the reversed
// (ggml) shape, the right type and the checkpoint's values; the hyperparameters llama.cpp reads;
// the rope_freqs of proportional RoPE; both vocabularies.
#include <gemma4/io/gguf_writer.hpp>

#include <cmath>
#include <cstring>

#include "gguf_reader.hpp"
#include "test_support.hpp"

namespace {

using gemma4::test::GgufFile;

/// The values of a GGUF tensor, decoded here (F32 memcpy, BF16 bits << 16, F16 via Eigen).
std::vector<double> decode(const GgufFile::Tensor& t) {
  std::vector<double> v;
  const std::size_t esize = gemma4::test::gguf_type_size(t.type);
  for (std::size_t i = 0; i < t.bytes.size() / esize; ++i) {
    const char* p = t.bytes.data() + i * esize;
    if (t.type == 0) {
      float f;
      std::memcpy(&f, p, 4);
      v.push_back(f);
    } else {
      std::uint16_t b;
      std::memcpy(&b, p, 2);
      if (t.type == 30) {
        const std::uint32_t bits = std::uint32_t{b} << 16;
        float f;
        std::memcpy(&f, &bits, 4);
        v.push_back(f);
      } else {
        v.push_back(static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(b)));
      }
    }
  }
  return v;
}

std::vector<std::int64_t> reversed(std::vector<std::int64_t> s) {
  std::reverse(s.begin(), s.end());
  return s;
}

std::string text_prefix(const gemma4::Checkpoint& ckpt) {
  return ckpt.contains("model.language_model.embed_tokens.weight") ? "model.language_model."
                                                                   : "model.";
}

/// Checks the export of fixture `dir` in `dtype` against its checkpoint and config.
void check_export(const std::filesystem::path& dir, gemma4::DType dtype) {
  INFO("fixture " << dir.string() << " dtype " << gemma4::dtype_name(dtype));
  gemma4::test::TempDir tmp;
  const auto out = tmp / "model.gguf";
  gemma4::export_gguf(dir, out, {dtype});
  const GgufFile g = gemma4::test::read_gguf(out);
  const gemma4::TextConfig c = gemma4::read_text_config(dir);
  const gemma4::Checkpoint ckpt(dir);
  const std::string prefix = text_prefix(ckpt);

  CHECK(g.version == 3);
  CHECK(g.str("general.architecture") == "gemma4");
  CHECK(g.integer("gemma4.block_count") == c.num_hidden_layers);
  CHECK(g.integer("gemma4.embedding_length") == c.hidden_size);
  CHECK(g.integer("gemma4.attention.head_count") == c.num_attention_heads);
  CHECK(g.integer("gemma4.attention.shared_kv_layers") == c.num_kv_shared_layers);
  CHECK(g.integer("gemma4.attention.sliding_window") == c.sliding_window);
  CHECK(g.integer("gemma4.embedding_length_per_layer_input") == c.hidden_size_per_layer_input);
  CHECK(g.integer("gemma4.attention.key_length_swa") == c.head_dim);
  CHECK(g.integer("gemma4.attention.key_length") ==
        (c.global_head_dim > 0 ? c.global_head_dim : c.head_dim));
  CHECK(g.real("gemma4.rope.freq_base") == doctest::Approx(c.rope_full.rope_theta));
  CHECK(g.real("gemma4.rope.freq_base_swa") == doctest::Approx(c.rope_sliding.rope_theta));
  CHECK(g.real("gemma4.attention.layer_norm_rms_epsilon") ==
        doctest::Approx(c.rms_norm_eps).epsilon(1e-6));
  if (c.final_logit_softcapping > 0)
    CHECK(g.real("gemma4.final_logit_softcapping") == doctest::Approx(c.final_logit_softcapping));
  const auto& swa = g.kv.at("gemma4.attention.sliding_window_pattern");
  CHECK(swa.elem_type == 7);
  REQUIRE(swa.ints.size() == static_cast<std::size_t>(c.num_hidden_layers));
  const auto& ff = g.kv.at("gemma4.feed_forward_length");
  const auto& kvh = g.kv.at("gemma4.attention.head_count_kv");
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const gemma4::LayerSpec s = gemma4::layer_spec(c, i);
    CHECK(swa.ints[static_cast<std::size_t>(i)] == (s.type == gemma4::LayerType::Sliding));
    CHECK(ff.ints.at(ff.type == 9 ? static_cast<std::size_t>(i) : 0) == s.intermediate_size);
    CHECK(kvh.ints.at(kvh.type == 9 ? static_cast<std::size_t>(i) : 0) == s.num_kv_heads);
  }
  if (c.enable_moe_block) {
    CHECK(g.integer("gemma4.expert_count") == c.num_experts);
    CHECK(g.integer("gemma4.expert_used_count") == c.top_k_experts);
    CHECK(g.integer("gemma4.expert_feed_forward_length") == c.moe_intermediate_size);
  }
  // Vocabulary: vocab_size tokens (llama.cpp's n_vocab), merges present.
  CHECK(g.str("tokenizer.ggml.model") == "gemma4");
  CHECK(g.kv.at("tokenizer.ggml.tokens").strings.size() == static_cast<std::size_t>(c.vocab_size));
  CHECK(g.kv.at("tokenizer.ggml.token_type").ints.size() == static_cast<std::size_t>(c.vocab_size));
  CHECK(g.kv.count("tokenizer.ggml.merges") == 1);
  CHECK(g.integer("tokenizer.ggml.bos_token_id") == c.bos_token_id);

  // Every tensor: name, ggml shape, type, values.
  const auto expected = gemma4::expected_text_tensors(c);
  CHECK(g.tensors.size() == expected.size() + 1);  // + rope_freqs
  for (const auto& spec : expected) {
    const std::string name = gemma4::gguf_tensor_name(spec.name);
    INFO("tensor " << spec.name << " -> " << name);
    REQUIRE(!name.empty());
    const GgufFile::Tensor* t = g.find(name);
    REQUIRE(t != nullptr);
    CHECK(t->ne == reversed(spec.shape));
    const bool f32 = spec.shape.size() == 1 || name.ends_with("_norm.weight") ||
                     name.ends_with("ffn_gate_inp.weight") || !name.ends_with(".weight");
    const std::uint32_t want = f32 || dtype == gemma4::DType::F32 ? 0u
                               : dtype == gemma4::DType::BF16     ? 30u
                                                                  : 1u;
    CHECK(t->type == want);
    const std::vector<double> ours = decode(*t);
    const std::vector<double> src = ckpt.read<double>(prefix + spec.name);
    REQUIRE(ours.size() == src.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < src.size(); ++i) {
      // F32 is exact; narrowing rounds once: half an ulp, and F16 subnormals half of 2^-24.
      const double bound = t->type == 0    ? 0.0
                           : t->type == 30 ? std::abs(src[i]) * 0x1p-8
                                           : std::max(std::abs(src[i]) * 0x1p-11, 0x1p-25);
      if (!(std::abs(ours[i] - src[i]) <= bound)) ++bad;
    }
    CHECK(bad == 0);
  }
  // rope_freqs: [d/2] F32, 1 for the rotated pairs of proportional RoPE, 1e30 for the rest.
  const GgufFile::Tensor* rf = g.find("rope_freqs.weight");
  REQUIRE(rf != nullptr);
  const int d = c.global_head_dim > 0 ? c.global_head_dim : c.head_dim;
  CHECK(rf->ne == std::vector<std::int64_t>{d / 2});
  const std::vector<double> f = decode(*rf);
  const int rotated = static_cast<int>(d * c.rope_full.partial_rotary_factor / 2);
  for (int i = 0; i < d / 2; ++i)
    CHECK(f[static_cast<std::size_t>(i)] == (i < rotated ? 1.0 : static_cast<double>(1e30f)));
}

}  // namespace

TEST_CASE("export_gguf: every golden text fixture round-trips through an independent reader") {
  int n = 0;
  for (const auto& dir : gemma4::test::fixture_dirs()) {
    const gemma4::Checkpoint ckpt(dir);  // fixtures without a text decoder have nothing to export
    if (!ckpt.contains("model.language_model.embed_tokens.weight") &&
        !ckpt.contains("model.embed_tokens.weight"))
      continue;
    if (!gemma4::SafetensorsFile(dir / "golden.safetensors").find("input_ids"))
      continue;  // a tower-only fixture (vision-tiny) has no text decoder to export
    check_export(dir, gemma4::DType::F32);
    ++n;
  }
  CHECK(n >= 3);  // the three fixtures of tests/data/golden at least
}

TEST_CASE("export_gguf: bf16 and f16 matrices, F32 norms and router") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-moe-tiny";
  check_export(dir, gemma4::DType::BF16);
  check_export(dir, gemma4::DType::F16);
}

TEST_CASE("gguf_tensor_name: llama.cpp's names (llama-arch.cpp)") {
  CHECK(gemma4::gguf_tensor_name("embed_tokens.weight") == "token_embd.weight");
  CHECK(gemma4::gguf_tensor_name("layers.12.self_attn.o_proj.weight") ==
        "blk.12.attn_output.weight");
  CHECK(gemma4::gguf_tensor_name("layers.3.pre_feedforward_layernorm.weight") ==
        "blk.3.ffn_norm.weight");
  CHECK(gemma4::gguf_tensor_name("layers.3.pre_feedforward_layernorm_2.weight") ==
        "blk.3.pre_ffw_norm_2.weight");
  CHECK(gemma4::gguf_tensor_name("layers.0.router.per_expert_scale") ==
        "blk.0.ffn_down_exps.scale");
  CHECK(gemma4::gguf_tensor_name("layers.0.layer_scalar") == "blk.0.layer_output_scale.weight");
  CHECK(gemma4::gguf_tensor_name("layers.0.self_attn.rotary_emb.inv_freq").empty());
  CHECK(gemma4::gguf_tensor_name("vision_tower.x").empty());
}

TEST_CASE("gguf_rope_freqs: E2B's full layers rotate 64 of 256 pairs") {
  gemma4::TextConfig c;
  c.head_dim = 256;
  c.global_head_dim = 512;
  c.rope_full = {gemma4::RopeType::Proportional, 1e6, 0.25};
  const auto f = gemma4::gguf_rope_freqs(c);
  REQUIRE(f.size() == 256);
  CHECK(f[63] == 1.0f);
  CHECK(f[64] == 1e30f);
  CHECK(std::count(f.begin(), f.end(), 1.0f) == 64);
}

TEST_CASE("export_gguf: tokenizer.json gives the real tokens, types and merges") {
  gemma4::test::TempDir tmp;
  const auto src = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-dense-tiny";
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(src / f, tmp / f);
  std::filesystem::copy_file(
      std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "tokenizer" / "tiny-tokenizer.json",
      tmp / "tokenizer.json");
  gemma4::export_gguf(tmp.path, tmp / "m.gguf");
  const GgufFile g = gemma4::test::read_gguf(tmp / "m.gguf");
  const auto& tokens = g.kv.at("tokenizer.ggml.tokens").strings;
  const auto& types = g.kv.at("tokenizer.ggml.token_type").ints;
  REQUIRE(tokens.size() == 300);
  CHECK(tokens[2] == "<bos>");
  CHECK(types[2] == 3);  // CONTROL: a special added token
  CHECK(tokens[4] == "<|turn>");
  CHECK(tokens[26] == "xy");
  CHECK(types[26] == 1);             // a non-special added token: NORMAL
  CHECK(tokens[299] == "[PAD299]");  // beyond the tokenizer: padding, as the converter pads
  CHECK(g.kv.at("tokenizer.ggml.merges").strings.size() == 5);
  CHECK(g.integer("tokenizer.ggml.unknown_token_id") == 3);
}

TEST_CASE("export_gguf: errors name the file") {
  gemma4::test::TempDir tmp;
  CHECK_THROWS_WITH_AS(gemma4::export_gguf(tmp.path, tmp / "m.gguf"),
                       doctest::Contains("config.json"), gemma4::Error);
  const auto src = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-dense-tiny";
  CHECK_THROWS_WITH_AS(gemma4::export_gguf(src, tmp / "m.gguf", {gemma4::DType::F64}),
                       doctest::Contains("f32, bf16 or f16"), gemma4::Error);
}
