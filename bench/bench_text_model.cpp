// bench/bench_text_model.cpp: prefill and decode speed of the text decoder.
//
// The model is E2B-shaped (H 1536, 8 heads, head dims 256 / 512, MLP 6144, PLE 256, KV sharing
// and the double-wide MLP) with 5 layers and a reduced 16 384-token vocabulary, so it builds in
// seconds; random weights from random_init.hpp, written once to a temporary folder. Counters:
// tokens per second. Run: build/bench/bench_text_model --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <filesystem>

#include <gemma4/reference/random_init.hpp>
#include <gemma4/text/model.hpp>

namespace {

using namespace gemma4;

const std::filesystem::path& model_dir() {
  static const std::filesystem::path dir = [] {
    TextConfig c = with_layers(E2B::text, 5);
    c.vocab_size = c.vocab_size_per_layer_input = 16384;
    const auto d = std::filesystem::temp_directory_path() / "gemma4_bench_text_model";
    if (!std::filesystem::exists(d / "config.json"))
      write_random_checkpoint(d, c, {.seed = 7, .dtype = DType::F32});
    return d;
  }();
  return dir;
}

template <class T>
const TextModel<Dynamic, T>& model() {
  static const auto m = TextModel<Dynamic, T>::load(model_dir());
  return m;
}

std::vector<TokenId> prompt(std::size_t n) {
  std::vector<TokenId> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<TokenId>((i * 7919) % 16384);
  return ids;
}

template <class T>
void BM_Prefill(benchmark::State& state) {
  const auto& m = model<T>();
  const auto ids = prompt(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto cache = m.make_cache();
    benchmark::DoNotOptimize(m.forward(ids, cache, LogitsFor::Last));
  }
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}

template <class T>
void BM_Decode(benchmark::State& state) {
  const auto& m = model<T>();
  const auto ids = prompt(static_cast<std::size_t>(state.range(0)));
  auto cache = m.make_cache();
  m.forward(ids, cache, LogitsFor::None);
  const std::vector<TokenId> next = {42};
  for (auto _ : state) {
    state.PauseTiming();
    auto step_cache = cache;  // decode at the same position every iteration
    state.ResumeTiming();
    benchmark::DoNotOptimize(m.forward(next, step_cache, LogitsFor::Last));
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Prefill<float>)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Prefill<Eigen::bfloat16>)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode<float>)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode<Eigen::bfloat16>)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
