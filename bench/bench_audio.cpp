// bench/bench_audio.cpp: the whole audio path of E2B (log-mel features + audio tower + embed_audio)
// on 1, 10 and 30 s clips.
//
// The full E2B audio config (1024 wide, 12 conformer blocks, 304.8 M parameters) with random bf16
// weights (audio/random_weights.hpp; the released tower is bf16 too), float compute. The clip is
// a synthetic 16 kHz signal (a few gliding harmonics plus noise). Counters: real-time factor
// (processing time / clip duration; < 1 is faster than real time), soft tokens, and the peak
// resident memory of the process so far (getrusage; the weights alone are 0.61 GB).
// Run each size in its own process for its own peak, e.g.
//   build/bench/bench_audio --benchmark_filter='/10$' --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cmath>
#include <numbers>
#include <vector>

#include <gemma4/audio/model.hpp>
#include <gemma4/audio/random_weights.hpp>

namespace {

using namespace gemma4;

template <class T>
const AudioModel<E2B, T>& model() {
  static const AudioModel<E2B, T> m = [] {
    auto [tower, embed] = random_audio_weights<T>(E2B::audio, E2B::text.hidden_size, 11);
    return AudioModel<E2B, T>(E2B::audio, E2B::text.hidden_size, std::move(tower),
                              std::move(embed));
  }();
  return m;
}

std::vector<double> clip(int seconds) {
  std::vector<double> x(static_cast<std::size_t>(seconds) * 16000);
  Xoshiro256 rng(3);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / 16000;
    const double f0 = 140 + 60 * std::sin(2 * std::numbers::pi * 0.3 * t);  // a gliding voice
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(2 * std::numbers::pi * h * f0 * t) / h;
    x[i] = 0.1 * v + 0.01 * rng.normal();
  }
  return x;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

template <class T>
void BM_AudioPath(benchmark::State& state) {
  const auto& m = model<T>();
  const auto x = clip(static_cast<int>(state.range(0)));
  std::int64_t tokens = 0;
  for (auto _ : state) {
    const auto s = m.soft_tokens(x);
    tokens = s.num_soft_tokens();
    benchmark::DoNotOptimize(s.features.data());
  }
  // rtf = processing seconds per clip / clip seconds: elapsed / (iterations x clip seconds).
  state.counters["rtf"] =
      benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["peak_MB"] = peak_rss_mb();
}

BENCHMARK(BM_AudioPath<Eigen::bfloat16>)
    ->Arg(1)
    ->Arg(10)
    ->Arg(30)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
