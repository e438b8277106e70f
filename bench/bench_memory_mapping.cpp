// Peak resident memory of a full-vocabulary, full-width E2B-shaped model (2 layers) with the token
// embedding and the PLE table memory-mapped versus copied into RAM.
//
// The checkpoint is made once by gemma4::write_random_checkpoint (bf16, as the releases:
// embed_tokens [262144, 1536] = 805 MB, embed_tokens_per_layer [262144, 2 x 256] = 268 MB) in
// $GEMMA4_BENCH_DIR or the temp dir, and reused. Each benchmark resets the peak (VmHWM, through
// /proc/self/clear_refs), loads a TextModel<Dynamic, float>, runs one forward over 8 tokens and
// reports, in MB:
//   rss_load / rss_forward   VmRSS after load and after the forward (anon + file: heap vs
//                            mapped file pages, which are clean and reclaimable)
//   peak                     VmHWM over load + forward
//   tables                   what the two tables would cost copied as float (2.15 GB)
// The same for the bare Checkpoint API: touch the rows of 8 tokens in the mapped tables versus
// read<float>() the whole tensors. Expected: with mapping, the tables' bytes do not appear in
// the resident set (a few pages per token row); copied, they all do. Note that logits read all
// of embed_tokens (the LM head is tied to it), so after a forward that computes logits its
// pages are resident too, as file pages; the PLE table stays out (only the rows looked up).
//
// Measured (x86-64 Linux, g++ 12 -O2, MB; tables as float = 2048):
//   Checkpoint, rows of 8 tokens from the mapped tables   peak     15
//   Checkpoint, read<float> of both tables                peak   2308
//   model, mapped, forward without logits                 rss 494 (anon 325, file 168) peak 497
//   model, mapped, forward with logits                    rss 1255 (anon 325, file 930)
//   model, copied                                         rss 2378 (anon 2373), peak 3536
// anon 325 MB is the two layers converted to float; file 168 MB their bf16 pages read while
// converting. The 1.07 GB of bf16 tables never enter the resident set until logits read
// embed_tokens (then 805 MB of clean file pages); the PLE table never does.
//
//   build/bench/bench_memory_mapping            (Linux: reads /proc/self/status)
#include <benchmark/benchmark.h>

#include <gemma4/io/checkpoint.hpp>
#include <gemma4/reference/random_init.hpp>
#include <gemma4/text/model.hpp>
#include <gemma4/variants.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

/// A field of /proc/self/status in MB ("VmRSS", "VmHWM"); -1 when unavailable.
double status_mb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return -1;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0); false when not possible.
bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

const std::vector<gemma4::TokenId> kIds = {2, 818, 5279, 1000, 262143, 77777, 131072, 9};

/// The E2B-shaped checkpoint with 2 layers, written on first use.
const fs::path& checkpoint_dir() {
  static const fs::path dir = [] {
    const char* env = std::getenv("GEMMA4_BENCH_DIR");
    fs::path d = (env && *env ? fs::path(env) : fs::temp_directory_path()) /
                 "gemma4_bench_e2b_2layers_bf16_seed1";
    if (!fs::exists(d / "config.json")) {  // config.json is written last
      gemma4::write_random_checkpoint(d, gemma4::with_layers(gemma4::E2B::text, 2),
                                      {.seed = 1, .dtype = gemma4::DType::BF16});
    }
    return d;
  }();
  return dir;
}

void model_rss(benchmark::State& state, bool map_embeddings, gemma4::LogitsFor logits_for) {
  const fs::path& dir = checkpoint_dir();
  const bool reset = reset_peak();
  double rss_load = 0, rss_forward = 0, anon = 0, file = 0, peak = 0;
  const double base = status_mb("VmRSS");
  for (auto _ : state) {
    gemma4::LoadOptions options;
    options.map_embeddings = map_embeddings;
    auto model = gemma4::TextModel<gemma4::Dynamic, float>::load(dir, options);
    rss_load = status_mb("VmRSS");
    auto logits = model.forward(kIds, logits_for);
    benchmark::DoNotOptimize(logits.data());
    rss_forward = status_mb("VmRSS");
    anon = status_mb("RssAnon");
    file = status_mb("RssFile");
    peak = status_mb("VmHWM");
  }
  const auto& c = gemma4::with_layers(gemma4::E2B::text, 2);
  const double tables =
      (double(c.vocab_size) * c.hidden_size +
       double(c.vocab_size_per_layer_input) * c.num_hidden_layers * c.hidden_size_per_layer_input) *
      4 / 1e6 / 1.048576;
  state.counters["rss_before"] = base;
  state.counters["rss_load"] = rss_load;
  state.counters["rss_forward"] = rss_forward;
  state.counters["anon"] = anon;  // of rss_forward: heap (copies, activations)
  state.counters["file"] = file;  // of rss_forward: mapped file pages (clean, reclaimable)
  state.counters["peak"] = reset ? peak : -1;
  state.counters["tables"] = tables;
}

void checkpoint_rss(benchmark::State& state, bool mapped) {
  const fs::path& dir = checkpoint_dir();
  const bool reset = reset_peak();
  const double base = status_mb("VmRSS");
  double rss = 0, peak = 0;
  for (auto _ : state) {
    gemma4::Checkpoint ckpt(dir);
    float sum = 0;
    for (const char* name : {"model.language_model.embed_tokens.weight",
                             "model.language_model.embed_tokens_per_layer.weight"}) {
      const auto r = ckpt.at(name);
      const auto cols = static_cast<std::size_t>(r.info->shape[1]);
      if (mapped) {  // convert only the rows of the tokens seen
        r.file->advise_random(*r.info);
        std::vector<float> row(cols);
        for (gemma4::TokenId id : kIds) {
          const auto bytes = r.data().subspan(static_cast<std::size_t>(id) * cols * 2, cols * 2);
          gemma4::convert<float>(r.info->dtype, bytes, row.data());
          sum += row[0];
        }
      } else {
        const auto all = ckpt.read<float>(name);
        for (gemma4::TokenId id : kIds) sum += all[static_cast<std::size_t>(id) * cols];
        rss = std::max(rss, status_mb("VmRSS"));
      }
    }
    benchmark::DoNotOptimize(sum);
    rss = std::max(rss, status_mb("VmRSS"));
    peak = status_mb("VmHWM");
  }
  state.counters["rss_before"] = base;
  state.counters["rss"] = rss;
  state.counters["peak"] = reset ? peak : -1;
}

// Mapped first: a reader that cannot reset VmHWM still measures the mapped peak correctly.
BENCHMARK_CAPTURE(checkpoint_rss, rows_of_mapped_tables, true)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(checkpoint_rss, tables_copied_as_float, false)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(model_rss, map_embeddings_no_logits, true, gemma4::LogitsFor::None)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(model_rss, map_embeddings, true, gemma4::LogitsFor::Last)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(model_rss, copy_embeddings, false, gemma4::LogitsFor::Last)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
