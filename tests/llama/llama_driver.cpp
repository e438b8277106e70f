// tests/llama/llama_driver.cpp: runs a GGUF in llama.cpp (its public API, llama.h) and writes
// what it computed in gemma4's tap-dump format, under our key names, so that `gemma4 diff` and
// the live test compare llama.cpp with us directly.
//
//   gemma4_llama_driver MODEL.gguf --ids 2,10,11 --mode batch|token --out taps.safetensors
//
// The context: CPU only, one thread, F32 K and V cache, flash attention off, one sequence, n_ctx =
// n_batch = n_ubatch >= T (batch mode: the prompt is one ubatch; token mode: one llama_decode per
// token, so the sliding layers read their cache, evicted past the window as llama.cpp does with
// swa_full = false). Logits are requested for every position.
//
// The evaluation callback (cb_eval) collects graph nodes by the names llama.cpp's Gemma 4 graph
// gives them (src/models/gemma4.cpp, llama-graph.cpp build_moe_ffn) and converts its view to ours:
//
//   inp_scaled                 [H, T]        -> hidden_states.0           [T, H]
//   inp_per_layer              [P, L, T]     -> per_layer_inputs          [T, L, P]
//   l_out-i                    [H, T]        -> hidden_states.(i+1), the last: last_layer_output
//   result_norm                [H, T]        -> hidden_states.L
//   result_output              [V, T]        -> logits
//   ffn_moe_topk-i             [K, T] I32    -> moe_top_k_index.i
//   ffn_moe_weights_norm-i     [K, T]        -> moe_top_k_weights.i, times per_expert_scale of
//                                               the chosen expert (llama.cpp applies that scale
//                                               to the expert's output, ffn_down_exps.scale;
//                                               HF and we fold it into the routing weight)
//
// ggml's ne[0] is the fastest axis, so [H, T] in ggml is [T, H] row-major: no transposition.
// Token mode concatenates the per-token rows. Writes F64 (I64 for the expert indices) plus
// input_ids, as `gemma4 dump` does; metadata "token_texts" is a JSON array of llama.cpp's text of
// each prompt token (the vocabulary as it loaded it). Exit status: 0 on success, 1 on any failure
// (named on stderr).
#include <gemma4/io/checkpoint_writer.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf.h"
#include "llama.h"

namespace {

struct Collected {
  std::vector<std::int64_t> ne;  // of one call (ggml order), ne[last] = tokens of that call
  std::vector<double> values;    // all calls, concatenated
  bool integer = false;
  int calls = 0;
};

struct Collector {
  std::map<std::string, Collected> taps;
  std::vector<char> scratch;
};

bool wanted(const std::string& n) {
  return n == "inp_scaled" || n == "inp_per_layer" || n == "result_norm" || n == "result_output" ||
         n.starts_with("l_out-") || n.starts_with("ffn_moe_topk-") ||
         n.starts_with("ffn_moe_weights_norm-");
}

bool eval_callback(ggml_tensor* t, bool ask, void* user) {
  const std::string name = t->name;
  if (ask) return wanted(name);
  if (!wanted(name)) return true;
  auto& c = static_cast<Collector*>(user)->taps[name];
  const std::size_t esize = ggml_type_size(t->type);
  if ((t->type != GGML_TYPE_F32 && t->type != GGML_TYPE_I32) ||
      t->nb[0] != static_cast<std::size_t>(esize)) {
    std::fprintf(stderr, "llama_driver: tensor %s is not an F32/I32 tensor with packed rows\n",
                 name.c_str());
    return false;
  }
  // Row by row through the strides: some nodes (ffn_moe_topk) are views of a larger tensor.
  auto& buf = static_cast<Collector*>(user)->scratch;
  const auto row_bytes = static_cast<std::size_t>(t->ne[0]) * esize;
  buf.resize(row_bytes);
  c.ne.assign(t->ne, t->ne + ggml_n_dims(t));
  c.integer = t->type == GGML_TYPE_I32;
  for (std::int64_t i3 = 0; i3 < t->ne[3]; ++i3)
    for (std::int64_t i2 = 0; i2 < t->ne[2]; ++i2)
      for (std::int64_t i1 = 0; i1 < t->ne[1]; ++i1) {
        const std::size_t offset = static_cast<std::size_t>(i1) * t->nb[1] +
                                   static_cast<std::size_t>(i2) * t->nb[2] +
                                   static_cast<std::size_t>(i3) * t->nb[3];
        ggml_backend_tensor_get(t, buf.data(), offset, row_bytes);
        for (std::int64_t i = 0; i < t->ne[0]; ++i) {
          if (c.integer) {
            std::int32_t v;
            std::memcpy(&v, buf.data() + 4 * i, 4);
            c.values.push_back(v);
          } else {
            float v;
            std::memcpy(&v, buf.data() + 4 * i, 4);
            c.values.push_back(v);
          }
        }
      }
  ++c.calls;
  return true;
}

std::vector<llama_token> parse_ids(const std::string& s) {
  std::vector<llama_token> ids;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) ids.push_back(static_cast<llama_token>(std::stol(item)));
  return ids;
}

/// per_expert_scale of every layer (blk.i.ffn_down_exps.scale), read from the GGUF file itself.
std::map<int, std::vector<float>> expert_scales(const std::string& path, int n_layer) {
  std::map<int, std::vector<float>> out;
  gguf_init_params params{true, nullptr};
  gguf_context* g = gguf_init_from_file(path.c_str(), params);
  if (!g) throw std::runtime_error(path + ": gguf_init_from_file failed");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  for (int il = 0; il < n_layer; ++il) {
    const std::string name = "blk." + std::to_string(il) + ".ffn_down_exps.scale";
    const std::int64_t id = gguf_find_tensor(g, name.c_str());
    if (id < 0) continue;
    const std::size_t bytes = gguf_get_tensor_size(g, id);
    std::vector<float> v(bytes / 4);
    const long offset = static_cast<long>(gguf_get_data_offset(g) + gguf_get_tensor_offset(g, id));
    if (!f || std::fseek(f, offset, SEEK_SET) != 0 || std::fread(v.data(), 1, bytes, f) != bytes)
      throw std::runtime_error(path + ": cannot read " + name);
    out[il] = std::move(v);
  }
  if (f) std::fclose(f);
  gguf_free(g);
  return out;
}

int run(int argc, char** argv) {
  std::string model_path, ids_arg, mode = "batch", out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--ids")
      ids_arg = next();
    else if (a == "--mode")
      mode = next();
    else if (a == "--out")
      out = next();
    else if (model_path.empty())
      model_path = a;
    else
      throw std::runtime_error("unexpected argument " + a);
  }
  if (model_path.empty() || ids_arg.empty() || out.empty() || (mode != "batch" && mode != "token"))
    throw std::runtime_error(
        "usage: gemma4_llama_driver MODEL.gguf --ids 2,10,11 --mode batch|token --out "
        "taps.safetensors");
  const std::vector<llama_token> ids = parse_ids(ids_arg);
  const auto T = static_cast<std::uint32_t>(ids.size());

  const char* quiet = std::getenv("GEMMA4_LLAMA_VERBOSE");
  if (!quiet)
    llama_log_set(
        [](ggml_log_level level, const char* text, void*) {
          if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
        },
        nullptr);
  ggml_backend_load_all_from_path(GEMMA4_LLAMA_LIBDIR);
  llama_backend_init();

  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(model_path.c_str(), mp);
  if (!model) throw std::runtime_error(model_path + ": llama.cpp could not load the model");
  const int n_layer = llama_model_n_layer(model);
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

  Collector collector;
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = std::max<std::uint32_t>(T, 16);
  cp.n_batch = cp.n_ubatch = cp.n_ctx;
  cp.n_seq_max = 1;
  // One thread: ggml's threads meet at spinning barriers after every node, which on a loaded
  // 2-core machine costs ~0.3 s per token (measured); one thread runs these models in ms.
  cp.n_threads = cp.n_threads_batch = 1;
  cp.type_k = cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.swa_full = false;
  cp.cb_eval = eval_callback;
  cp.cb_eval_user_data = &collector;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) throw std::runtime_error(model_path + ": llama_init_from_model failed");

  std::vector<double> logits;
  auto decode = [&](std::uint32_t first, std::uint32_t count) {
    llama_batch b = llama_batch_init(static_cast<std::int32_t>(count), 0, 1);
    for (std::uint32_t i = 0; i < count; ++i) {
      b.token[i] = ids[first + i];
      b.pos[i] = static_cast<llama_pos>(first + i);
      b.n_seq_id[i] = 1;
      b.seq_id[i][0] = 0;
      b.logits[i] = 1;
    }
    b.n_tokens = static_cast<std::int32_t>(count);
    const int rc = llama_decode(ctx, b);
    llama_batch_free(b);
    if (rc != 0) throw std::runtime_error("llama_decode failed with " + std::to_string(rc));
    for (std::uint32_t i = 0; i < count; ++i) {
      const float* row = llama_get_logits_ith(ctx, static_cast<std::int32_t>(i));
      logits.insert(logits.end(), row, row + n_vocab);
    }
  };
  if (mode == "batch")
    decode(0, T);
  else
    for (std::uint32_t t = 0; t < T; ++t) decode(t, 1);

  // llama.cpp's view -> our keys.
  const auto scales = expert_scales(model_path, n_layer);
  std::vector<gemma4::TensorWrite> tensors;
  const auto nT = static_cast<std::int64_t>(T);
  tensors.push_back(gemma4::tensor_from<std::int64_t>(
      "input_ids", {nT}, std::vector<std::int64_t>(ids.begin(), ids.end())));
  auto take = [&](const std::string& from, const std::string& to, bool three_d = false) {
    auto it = collector.taps.find(from);
    if (it == collector.taps.end()) throw std::runtime_error("llama.cpp computed no " + from);
    Collected& c = it->second;
    const auto inner = static_cast<std::int64_t>(c.values.size()) / nT;
    std::vector<std::int64_t> shape{nT, inner};
    if (three_d) shape = {nT, c.ne.at(1), c.ne.at(0)};
    if (c.integer) {
      std::vector<std::int64_t> v(c.values.begin(), c.values.end());
      tensors.push_back(gemma4::tensor_from<std::int64_t>(to, shape, std::move(v)));
    } else {
      tensors.push_back(gemma4::tensor_from<double>(to, shape, c.values));
    }
    return &c;
  };
  take("inp_scaled", "hidden_states.0");
  if (collector.taps.count("inp_per_layer")) take("inp_per_layer", "per_layer_inputs", true);
  for (int il = 0; il < n_layer; ++il) {
    take("l_out-" + std::to_string(il),
         il + 1 < n_layer ? "hidden_states." + std::to_string(il + 1) : "last_layer_output");
    const std::string topk = "ffn_moe_topk-" + std::to_string(il);
    if (!collector.taps.count(topk)) continue;
    const Collected* idx = take(topk, "moe_top_k_index." + std::to_string(il));
    Collected& w = collector.taps.at("ffn_moe_weights_norm-" + std::to_string(il));
    if (auto s = scales.find(il); s != scales.end())
      for (std::size_t j = 0; j < w.values.size(); ++j)
        w.values[j] *= s->second.at(static_cast<std::size_t>(idx->values.at(j)));
    take("ffn_moe_weights_norm-" + std::to_string(il), "moe_top_k_weights." + std::to_string(il));
  }
  take("result_norm", "hidden_states." + std::to_string(n_layer));
  tensors.push_back(gemma4::tensor_from<double>("logits", {nT, n_vocab}, std::move(logits)));
  // The vocabulary as llama.cpp loaded it: the text of every prompt token.
  nlohmann::json texts = nlohmann::json::array();
  for (llama_token id : ids)
    texts.push_back(llama_vocab_get_text(llama_model_get_vocab(model), id));
  gemma4::write_safetensors(
      out, std::move(tensors),
      {{"format", "pt"},
       {"producer", "llama.cpp " GEMMA4_LLAMA_RELEASE " (gemma4_llama_driver)"},
       {"mode", mode},
       {"token_texts", texts.dump()}});

  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "gemma4_llama_driver: " << e.what() << "\n";
    return 1;
  }
}
