// gemma4/io/gguf_writer.hpp: writes a text checkpoint as a GGUF file, the way llama.cpp's own
// converter (convert_hf_to_gguf.py, class Gemma4Model) writes it, so llama.cpp runs our weights.
//
// The file (gguf-py/gguf/gguf_writer.py, ggml/src/gguf.cpp), all little-endian:
//   "GGUF"  u32 version = 3   i64 n_tensors   i64 n_kv
//   n_kv x   { string key, u32 value type, value }        string = u64 length + UTF-8 bytes
//                                                         array  = u32 type + u64 n + n values
//   n_tensors x { string name, u32 n_dims, i64 ne[n_dims], u32 ggml type, u64 offset }
//   zero padding to general.alignment (32), then the data: each tensor at its offset (a multiple
//   of 32 from the start of the data section), zero-padded to the next multiple of 32.
//
// Layout: ggml's ne[0] is the fastest-varying axis, so a row-major HF tensor [a, b, c] is
// ne = {c, b, a} with the very same bytes. Only the names change (llama-arch.cpp):
//
//   embed_tokens.weight [V, H]                 token_embd.weight            (LM head: tied)
//   embed_tokens_per_layer.weight [V, L*P]     per_layer_token_embd.weight
//   per_layer_model_projection.weight          per_layer_model_proj.weight
//   per_layer_projection_norm.weight           per_layer_proj_norm.weight
//   norm.weight                                output_norm.weight
//   layers.i.input_layernorm                   blk.i.attn_norm
//   layers.i.self_attn.{q,k,v,o}_proj          blk.i.attn_{q,k,v,output}
//   layers.i.self_attn.{q,k}_norm              blk.i.attn_{q,k}_norm
//   layers.i.post_attention_layernorm          blk.i.post_attention_norm
//   layers.i.pre_feedforward_layernorm         blk.i.ffn_norm
//   layers.i.mlp.{gate,up,down}_proj           blk.i.ffn_{gate,up,down}
//   layers.i.post_feedforward_layernorm        blk.i.post_ffw_norm
//   layers.i.layer_scalar [1]                  blk.i.layer_output_scale.weight
//   layers.i.per_layer_input_gate              blk.i.inp_gate
//   layers.i.per_layer_projection              blk.i.proj
//   layers.i.post_per_layer_input_norm         blk.i.post_norm
//   layers.i.router.proj / router.scale        blk.i.ffn_gate_inp.weight / ffn_gate_inp.scale
//   layers.i.router.per_expert_scale [E]       blk.i.ffn_down_exps.scale  (scales expert outputs)
//   layers.i.experts.gate_up_proj [E, 2I, H]   blk.i.ffn_gate_up_exps.weight  ne {H, 2I, E}
//   layers.i.experts.down_proj [E, H, I]       blk.i.ffn_down_exps.weight     ne {I, H, E}
//   layers.i.pre_feedforward_layernorm_2       blk.i.pre_ffw_norm_2
//   layers.i.post_feedforward_layernorm_{1,2}  blk.i.post_ffw_norm_{1,2}
//
// plus rope_freqs.weight [global_head_dim / 2] F32: proportional RoPE rotates only the first
// n = partial_rotary_factor * d / 2 frequency pairs of a full layer; ggml's NeoX rope rotates
// all of them, so the converter divides the others' angle by 1e30 (freq factor 1.0 x n, then
// 1e30): cos = 1, sin = 0, i.e. unrotated. Norms and every 1-D tensor stay F32, as does the
// router matrix (ffn_gate_inp); other matrices take the --dtype (f32, bf16 or f16).
//
// Hyperparameters (gemma4.*): block_count, context_length, embedding_length, feed_forward_length
// (an i32 array when use_double_wide_mlp doubles the KV-shared layers), attention.head_count,
// attention.head_count_kv (an i32 array per layer when num_global_key_value_heads is set),
// attention.key_length / value_length (full layers' head dim) and *_swa (sliding layers'),
// rope.dimension_count (= full head dim) / dimension_count_swa, rope.freq_base (full theta) /
// freq_base_swa, attention.layer_norm_rms_epsilon, final_logit_softcapping, attention
// .sliding_window, attention.sliding_window_pattern (bool per layer, true = sliding),
// attention.shared_kv_layers, embedding_length_per_layer_input, expert_count,
// expert_used_count, expert_feed_forward_length.
//
// Vocabulary: with tokenizer.json in the folder, its tokens (scores -1000, types BYTE for <0xXX>,
// CONTROL for added special tokens, USER_DEFINED for the seven tokens the converter keeps
// visible, NORMAL otherwise), its merges, and chat_template.jinja when present; otherwise a
// minimal valid one: <pad>/<eos>/<bos> at the config's ids, <unk> at 3, "<unused{i}>" elsewhere,
// no merges. Either way tokenizer.ggml.model = "gemma4" and vocab_size tokens (llama.cpp takes
// n_vocab from the token list).
//
//   gemma4::export_gguf("tests/data/golden/text-e2b-tiny", "/tmp/e2b.gguf");   // F32
//   gemma4::export_gguf(dir, "model.gguf", {gemma4::DType::BF16});
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemma4/core/error.hpp"
#include "gemma4/core/progress.hpp"
#include "gemma4/io/checkpoint.hpp"
#include "gemma4/io/checkpoint_writer.hpp"
#include "gemma4/io/config_json.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/weights.hpp"

namespace gemma4 {

/// GGUF metadata value types (gguf.h `enum gguf_type`).
enum class GgufType : std::uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// The ggml tensor type of a storage dtype: F32 = 0, F16 = 1, BF16 = 30 (ggml.h).
inline std::uint32_t ggml_type_of(DType d) {
  switch (d) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::BF16:
      return 30;
    default:
      detail::fail("GGUF export: dtype ", dtype_name(d), " has no ggml type here (f32, f16, bf16)");
  }
}

/// One metadata entry, its value already serialised (without the leading type).
struct GgufKV {
  std::string key;
  GgufType type;
  std::string payload;
};

namespace detail {

template <class V>
void gguf_put(std::string& out, V v) {
  char b[sizeof(V)];
  std::memcpy(b, &v, sizeof(V));
  out.append(b, sizeof(V));
}
inline void gguf_put_string(std::string& out, std::string_view s) {
  gguf_put<std::uint64_t>(out, s.size());
  out.append(s);
}

}  // namespace detail

/// The metadata of a GGUF file, in insertion order (a key set twice keeps its first place and
/// its last value, as gguf-py does).
class GgufMetadata {
 public:
  void u32(std::string key, std::uint32_t v) { set(std::move(key), GgufType::UInt32, raw(v)); }
  void f32(std::string key, float v) { set(std::move(key), GgufType::Float32, raw(v)); }
  void boolean(std::string key, bool v) {
    set(std::move(key), GgufType::Bool, raw<std::uint8_t>(v ? 1 : 0));
  }
  void string(std::string key, std::string_view v) {
    std::string p;
    detail::gguf_put_string(p, v);
    set(std::move(key), GgufType::String, std::move(p));
  }
  void i32_array(std::string key, const std::vector<std::int32_t>& v) {
    array(std::move(key), GgufType::Int32, v.size(), [&](std::string& p) {
      for (auto x : v) detail::gguf_put(p, x);
    });
  }
  void f32_array(std::string key, const std::vector<float>& v) {
    array(std::move(key), GgufType::Float32, v.size(), [&](std::string& p) {
      for (auto x : v) detail::gguf_put(p, x);
    });
  }
  void bool_array(std::string key, const std::vector<bool>& v) {
    array(std::move(key), GgufType::Bool, v.size(), [&](std::string& p) {
      for (bool x : v) detail::gguf_put<std::uint8_t>(p, x ? 1 : 0);
    });
  }
  void string_array(std::string key, const std::vector<std::string>& v) {
    array(std::move(key), GgufType::String, v.size(), [&](std::string& p) {
      for (const auto& x : v) detail::gguf_put_string(p, x);
    });
  }
  const std::vector<GgufKV>& entries() const { return kvs_; }

 private:
  template <class V>
  static std::string raw(V v) {
    std::string p;
    detail::gguf_put(p, v);
    return p;
  }
  template <class F>
  void array(std::string key, GgufType elem, std::size_t n, F&& put) {
    std::string p;
    detail::gguf_put(p, static_cast<std::uint32_t>(elem));
    detail::gguf_put<std::uint64_t>(p, n);
    put(p);
    set(std::move(key), GgufType::Array, std::move(p));
  }
  void set(std::string key, GgufType t, std::string payload) {
    for (auto& kv : kvs_)
      if (kv.key == key) {
        kv.type = t;
        kv.payload = std::move(payload);
        return;
      }
    kvs_.push_back({std::move(key), t, std::move(payload)});
  }
  std::vector<GgufKV> kvs_;
};

/// Writes a GGUF v3 file: metadata, then `tensors` (shape in row-major HF order; written as ggml
/// ne = reversed shape, dtype F32/F16/BF16) in the given order, each aligned to `alignment`.
/// Written to "<out>.tmp" and renamed when complete. Reports progress("write", bytes, total).
inline void write_gguf(const std::filesystem::path& out, const GgufMetadata& meta,
                       const std::vector<TensorWrite>& tensors, std::uint32_t alignment = 32,
                       const ProgressFn& progress = {}) {
  std::string head = "GGUF";
  detail::gguf_put<std::uint32_t>(head, 3);
  detail::gguf_put<std::int64_t>(head, static_cast<std::int64_t>(tensors.size()));
  detail::gguf_put<std::int64_t>(head, static_cast<std::int64_t>(meta.entries().size()));
  for (const auto& kv : meta.entries()) {
    detail::gguf_put_string(head, kv.key);
    detail::gguf_put(head, static_cast<std::uint32_t>(kv.type));
    head += kv.payload;
  }
  auto pad = [alignment](std::uint64_t n) { return (n + alignment - 1) / alignment * alignment; };
  std::uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& t : tensors) {
    if (!names.insert(t.name).second) detail::fail(out.string(), ": tensor '", t.name, "' twice");
    detail::gguf_put_string(head, t.name);
    detail::gguf_put<std::uint32_t>(head, static_cast<std::uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it)
      detail::gguf_put<std::int64_t>(head, *it);
    detail::gguf_put<std::uint32_t>(head, ggml_type_of(t.dtype));
    detail::gguf_put<std::uint64_t>(head, offset);
    offset = pad(offset + t.nbytes());
  }
  const std::uint64_t total = offset;
  head.resize(pad(head.size()), '\0');

  const auto tmp = std::filesystem::path(out.string() + ".tmp");
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (!f) detail::fail(tmp.string(), ": cannot open for writing");
  f.write(head.data(), static_cast<std::streamsize>(head.size()));
  std::vector<std::byte> buf;
  std::uint64_t written = 0;
  constexpr std::size_t chunk = std::size_t{1} << 24;  // 16 MiB of data per fill call
  for (const auto& t : tensors) {
    const std::size_t esize = dtype_size(t.dtype), n = static_cast<std::size_t>(t.numel());
    for (std::size_t first = 0; first < n;) {
      const std::size_t count = std::min(n - first, chunk / esize);
      buf.resize(count * esize);
      t.fill(first, std::span<std::byte>(buf));
      f.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
      first += count;
      written += buf.size();
      if (progress) progress("write", written, total);
    }
    const std::uint64_t padding = pad(t.nbytes()) - t.nbytes();
    static const char zeros[64] = {};
    f.write(zeros, static_cast<std::streamsize>(padding));
    written += padding;
  }
  f.close();
  if (!f) detail::fail(tmp.string(), ": write failed (disk full?)");
  std::filesystem::rename(tmp, out);
}

/// Options of export_gguf.
struct GgufExportOptions {
  DType dtype = DType::F32;  // matrices: F32, BF16 or F16 (norms, 1-D tensors, router: F32)
  ProgressFn progress = {};
};

/// The GGUF name of a text-decoder tensor (named relative to the text prefix, as in
/// expected_text_tensors); empty for a name the llama.cpp layout has no place for.
inline std::string gguf_tensor_name(std::string_view hf) {
  static const std::map<std::string, std::string, std::less<>> global = {
      {"embed_tokens.weight", "token_embd.weight"},
      {"embed_tokens_per_layer.weight", "per_layer_token_embd.weight"},
      {"per_layer_model_projection.weight", "per_layer_model_proj.weight"},
      {"per_layer_projection_norm.weight", "per_layer_proj_norm.weight"},
      {"norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"},
  };
  if (auto it = global.find(hf); it != global.end()) return it->second;
  if (!hf.starts_with("layers.")) return {};
  const auto dot = hf.find('.', 7);
  if (dot == std::string_view::npos) return {};
  const std::string_view index = hf.substr(7, dot - 7), rest = hf.substr(dot + 1);
  static const std::map<std::string, std::string, std::less<>> layer = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.k_proj.weight", "attn_k.weight"},
      {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"self_attn.q_norm.weight", "attn_q_norm.weight"},
      {"self_attn.k_norm.weight", "attn_k_norm.weight"},
      {"post_attention_layernorm.weight", "post_attention_norm.weight"},
      {"pre_feedforward_layernorm.weight", "ffn_norm.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"},
      {"post_feedforward_layernorm.weight", "post_ffw_norm.weight"},
      {"layer_scalar", "layer_output_scale.weight"},
      {"per_layer_input_gate.weight", "inp_gate.weight"},
      {"per_layer_projection.weight", "proj.weight"},
      {"post_per_layer_input_norm.weight", "post_norm.weight"},
      {"router.proj.weight", "ffn_gate_inp.weight"},
      {"router.scale", "ffn_gate_inp.scale"},
      {"router.per_expert_scale", "ffn_down_exps.scale"},
      {"experts.gate_up_proj", "ffn_gate_up_exps.weight"},
      {"experts.down_proj", "ffn_down_exps.weight"},
      {"pre_feedforward_layernorm_2.weight", "pre_ffw_norm_2.weight"},
      {"post_feedforward_layernorm_1.weight", "post_ffw_norm_1.weight"},
      {"post_feedforward_layernorm_2.weight", "post_ffw_norm_2.weight"},
  };
  if (auto it = layer.find(rest); it != layer.end())
    return detail::concat("blk.", index, ".", it->second);
  return {};
}

/// The rope_freqs values of proportional RoPE on a full layer of head dim d: 1.0 for the
/// int(partial_rotary_factor * d / 2) rotated frequency pairs, 1e30 for the rest (d / 2 in all).
inline std::vector<float> gguf_rope_freqs(const TextConfig& c) {
  const int d = c.global_head_dim > 0 ? c.global_head_dim : c.head_dim;
  const double factor =
      c.rope_full.rope_type == RopeType::Proportional ? c.rope_full.partial_rotary_factor : 1.0;
  const int rotated = static_cast<int>(d * factor / 2);
  std::vector<float> v(static_cast<std::size_t>(d / 2), 1e30f);
  for (int i = 0; i < rotated; ++i) v[static_cast<std::size_t>(i)] = 1.0f;
  return v;
}

namespace detail {

/// tokenizer.ggml.* of `dir`: the real vocabulary from tokenizer.json, else a minimal one.
inline void gguf_vocabulary(GgufMetadata& m, const std::filesystem::path& dir,
                            const TextConfig& c) {
  enum : std::int32_t { Normal = 1, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
  const auto V = static_cast<std::size_t>(c.vocab_size);
  std::vector<std::string> tokens(V);
  std::vector<std::int32_t> types(V, Unused);
  std::vector<std::string> merges;
  std::int64_t unk = -1;
  const auto tj = dir / "tokenizer.json";
  if (std::filesystem::exists(tj)) {
    const nlohmann::json j = read_json_file(tj);
    const auto& model = j.at("model");
    std::vector<bool> have(V, false);
    auto put = [&](std::int64_t id, const std::string& text, std::int32_t type) {
      if (id < 0 || static_cast<std::size_t>(id) >= V)
        fail(tj.string(), ": token id ", id, " ('", text, "') outside vocab_size ", V);
      tokens[static_cast<std::size_t>(id)] = text;
      types[static_cast<std::size_t>(id)] = type;
      have[static_cast<std::size_t>(id)] = true;
    };
    for (const auto& [text, id] : model.at("vocab").items()) {
      const bool byte = text.size() == 6 && text.starts_with("<0x") && text.back() == '>';
      put(id.get<std::int64_t>(), text, byte ? Byte : Normal);
    }
    if (const auto* added = json_field(j, "added_tokens"); added && added->is_array())
      for (const auto& a : *added)
        put(a.at("id").get<std::int64_t>(), a.at("content").get<std::string>(),
            a.value("special", false) ? Control : Normal);
    static const std::set<std::string, std::less<>> visible = {
        "<|channel>",       "<channel|>",       "<|tool_call>", "<tool_call|>",
        "<|tool_response>", "<tool_response|>", "<|\"|>"};
    for (std::size_t i = 0; i < V; ++i) {
      if (!have[i]) tokens[i] = concat("[PAD", i, "]");  // ids the tokenizer does not define
      if (visible.count(tokens[i])) types[i] = UserDefined;
    }
    if (const auto* mj = json_field(model, "merges"); mj && mj->is_array())
      for (const auto& e : *mj)
        merges.push_back(e.is_string()
                             ? e.get<std::string>()
                             : e.at(0).get<std::string>() + " " + e.at(1).get<std::string>());
    if (const auto* u = json_field(model, "unk_token"); u && u->is_string())
      if (auto it = model.at("vocab").find(u->get<std::string>()); it != model.at("vocab").end())
        unk = it->get<std::int64_t>();
  } else {
    for (std::size_t i = 0; i < V; ++i) tokens[i] = concat("<unused", i, ">");
    auto special = [&](int id, const char* text) {
      if (id >= 0 && static_cast<std::size_t>(id) < V) {
        tokens[static_cast<std::size_t>(id)] = text;
        types[static_cast<std::size_t>(id)] = Control;
      }
    };
    special(c.pad_token_id, "<pad>");
    special(c.eos_token_id, "<eos>");
    special(c.bos_token_id, "<bos>");
    if (V > 3 && types[3] == Unused) {
      special(3, "<unk>");
      unk = 3;
    }
  }
  m.string("tokenizer.ggml.model", "gemma4");
  m.string_array("tokenizer.ggml.tokens", tokens);
  m.f32_array("tokenizer.ggml.scores", std::vector<float>(V, -1000.0f));
  m.i32_array("tokenizer.ggml.token_type", types);
  m.string_array("tokenizer.ggml.merges", merges);  // llama.cpp requires the key, even empty
  m.u32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(c.bos_token_id));
  m.u32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(c.eos_token_id));
  if (unk >= 0) m.u32("tokenizer.ggml.unknown_token_id", static_cast<std::uint32_t>(unk));
  m.u32("tokenizer.ggml.padding_token_id", static_cast<std::uint32_t>(c.pad_token_id));
  m.boolean("tokenizer.ggml.add_bos_token", true);
  m.boolean("tokenizer.ggml.add_space_prefix", false);
  if (const auto tpl = dir / "chat_template.jinja"; std::filesystem::exists(tpl)) {
    std::ifstream in(tpl, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    m.string("tokenizer.chat_template", s.str());
  }
}

}  // namespace detail

/// The metadata of the GGUF export of config c (architecture and hyperparameters only; the
/// vocabulary is added by export_gguf). `context_length` is config.json's
/// max_position_embeddings.
inline GgufMetadata gguf_hparams(const TextConfig& c, std::uint32_t context_length,
                                 std::string_view name, DType dtype) {
  GgufMetadata m;
  const std::string a = "gemma4.";
  const int L = c.num_hidden_layers;
  const auto u = [](int v) { return static_cast<std::uint32_t>(v); };
  m.string("general.architecture", "gemma4");
  m.string("general.type", "model");
  m.string("general.name", name);
  m.u32("general.file_type", dtype == DType::F32 ? 0u : dtype == DType::F16 ? 1u : 32u);
  m.u32("general.quantization_version", 2);
  m.u32(a + "block_count", u(L));
  m.u32(a + "context_length", context_length);
  m.u32(a + "embedding_length", u(c.hidden_size));
  std::vector<std::int32_t> ff, kv;
  std::vector<bool> swa;
  for (int i = 0; i < L; ++i) {
    const LayerSpec s = layer_spec(c, i);
    ff.push_back(s.intermediate_size);
    kv.push_back(s.num_kv_heads);
    swa.push_back(s.type == LayerType::Sliding);
  }
  if (c.use_double_wide_mlp)
    m.i32_array(a + "feed_forward_length", ff);
  else
    m.u32(a + "feed_forward_length", u(c.intermediate_size));
  m.u32(a + "attention.head_count", u(c.num_attention_heads));
  if (c.num_global_key_value_heads > 0)
    m.i32_array(a + "attention.head_count_kv", kv);
  else
    m.u32(a + "attention.head_count_kv", u(c.num_key_value_heads));
  m.f32(a + "rope.freq_base", static_cast<float>(c.rope_full.rope_theta));
  m.f32(a + "rope.freq_base_swa", static_cast<float>(c.rope_sliding.rope_theta));
  m.f32(a + "attention.layer_norm_rms_epsilon", static_cast<float>(c.rms_norm_eps));
  if (c.enable_moe_block) {
    m.u32(a + "expert_count", u(c.num_experts));
    m.u32(a + "expert_used_count", u(c.top_k_experts));
  }
  const int d_full = c.global_head_dim > 0 ? c.global_head_dim : c.head_dim;
  m.u32(a + "attention.key_length", u(d_full));
  m.u32(a + "attention.value_length", u(d_full));
  if (c.final_logit_softcapping > 0)
    m.f32(a + "final_logit_softcapping", static_cast<float>(c.final_logit_softcapping));
  m.u32(a + "attention.sliding_window", u(c.sliding_window));
  m.u32(a + "attention.shared_kv_layers", u(c.num_kv_shared_layers));
  m.u32(a + "embedding_length_per_layer_input", u(c.hidden_size_per_layer_input));
  m.bool_array(a + "attention.sliding_window_pattern", swa);
  m.u32(a + "attention.key_length_swa", u(c.head_dim));
  m.u32(a + "attention.value_length_swa", u(c.head_dim));
  if (c.enable_moe_block) m.u32(a + "expert_feed_forward_length", u(c.moe_intermediate_size));
  m.u32(a + "rope.dimension_count", u(d_full));
  // The converter reads partial_rotary_factor of the top level of rope_parameters, which Gemma 4
  // nests per layer type: the sliding layers always get their full head dim.
  m.u32(a + "rope.dimension_count_swa", u(c.head_dim));
  return m;
}

/// Writes the text decoder of the checkpoint folder `dir` (config.json + safetensors, any of
/// our layouts) to the GGUF file `out` as llama.cpp's converter would (see the top of this file).
inline void export_gguf(const std::filesystem::path& dir, const std::filesystem::path& out,
                        const GgufExportOptions& options = {}) {
  if (options.dtype != DType::F32 && options.dtype != DType::BF16 && options.dtype != DType::F16)
    detail::fail("export-gguf: --dtype must be f32, bf16 or f16, not ", dtype_name(options.dtype));
  const auto config_path = dir / "config.json";
  const nlohmann::json root = read_json_file(config_path);
  const TextConfig c = text_config_from_json(root, config_path.string());
  validate(c, config_path.string());
  if (c.has_ple() && c.vocab_size_per_layer_input != c.vocab_size)
    detail::fail(config_path.string(), ": vocab_size_per_layer_input ",
                 c.vocab_size_per_layer_input, " != vocab_size ", c.vocab_size,
                 ": llama.cpp reads both tables with one vocabulary");
  const nlohmann::json& tc =
      root.contains("text_config") && root["text_config"].is_object() ? root["text_config"] : root;
  const auto* ctx_json = detail::json_field(tc, "max_position_embeddings");
  const std::int64_t context =
      ctx_json && ctx_json->is_number_integer() ? ctx_json->get<std::int64_t>() : 131072;

  const Checkpoint ckpt(dir, options.progress);
  std::string prefix;
  for (const char* p : {"model.language_model.", "model."})
    if (ckpt.contains(std::string(p) + "embed_tokens.weight")) {
      prefix = p;
      break;
    }
  if (prefix.empty())
    detail::fail(dir.string(), ": no text decoder (no model.language_model.embed_tokens.weight)");

  std::vector<TensorWrite> tensors;
  tensors.push_back(tensor_from<float>("rope_freqs.weight",
                                       {static_cast<std::int64_t>(gguf_rope_freqs(c).size())},
                                       gguf_rope_freqs(c)));
  auto add = [&](const std::string& hf_name, const std::vector<std::int64_t>& shape) {
    const auto ref = ckpt.at(prefix + hf_name);
    if (ref.info->shape != shape)
      detail::fail(ref.file->path().string(), ": tensor '", prefix + hf_name, "' has shape ",
                   detail::shape_string(ref.info->shape), ", expected ",
                   detail::shape_string(shape));
    const std::string name = gguf_tensor_name(hf_name);
    // As the converter: 1-D tensors, norms, the router and non-".weight" tensors stay F32.
    const bool keep_f32 = shape.size() <= 1 || name.ends_with("_norm.weight") ||
                          name.ends_with("ffn_gate_inp.weight") || !name.ends_with(".weight");
    tensors.push_back(
        tensor_copy(*ref.file, *ref.info, keep_f32 ? DType::F32 : options.dtype, name));
  };
  for (const TensorSpec& t : expected_text_tensors(c)) add(t.name, t.shape);
  // Unused K/V tensors some released files carry on KV-shared layers: the converter writes
  // whatever the checkpoint has, and llama.cpp loads them as optional.
  for (int i = c.first_kv_shared_layer(); i < c.num_hidden_layers; ++i) {
    const LayerSpec s = layer_spec(c, i);
    const std::string p = "layers." + std::to_string(i) + ".self_attn.";
    if (ckpt.contains(prefix + p + "k_proj.weight"))
      add(p + "k_proj.weight", {s.kv_width(), c.hidden_size});
    if (ckpt.contains(prefix + p + "v_proj.weight"))
      add(p + "v_proj.weight", {s.kv_width(), c.hidden_size});
    if (ckpt.contains(prefix + p + "k_norm.weight")) add(p + "k_norm.weight", {s.head_dim});
  }
  if (!c.tie_word_embeddings) {
    const auto ref = ckpt.at("lm_head.weight");
    tensors.push_back(tensor_copy(*ref.file, *ref.info, options.dtype, "output.weight"));
  }

  auto folder = std::filesystem::absolute(dir).lexically_normal();
  if (folder.filename().empty()) folder = folder.parent_path();  // "dir/"
  GgufMetadata m = gguf_hparams(c, static_cast<std::uint32_t>(context), folder.filename().string(),
                                options.dtype);
  detail::gguf_vocabulary(m, dir, c);
  write_gguf(out, m, tensors, 32, options.progress);
}

}  // namespace gemma4
