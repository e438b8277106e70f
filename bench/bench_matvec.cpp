// bench/bench_matvec.cpp: the float products of nn/matvec.hpp against linear.hpp's plain form,
// on E2B's widest matrix (the double-wide MLP's gate_proj, [12288, 1536]) in bf16.
//
// Decode (1 token) is bound by reading the weights: counter "GB/s" (weight bytes read per
// second). Prefill (64 tokens) is bound by arithmetic: counter "GFlop/s". Twenty copies of the
// matrix (755 MB) are cycled so that every product reads from memory, not from cache.
// Run: build/bench/bench_matvec --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <gemma4/nn/linear.hpp>

namespace {

using namespace gemma4;

constexpr Eigen::Index kRows = 12288, kCols = 1536, kCopies = 20;

const std::vector<Weight<Eigen::bfloat16>>& weights() {
  static const auto w = [] {
    std::vector<Weight<Eigen::bfloat16>> out;
    const RowMatrix<Eigen::bfloat16> m =
        RowMatrix<float>::Random(kRows, kCols).cast<Eigen::bfloat16>();
    for (Eigen::Index i = 0; i < kCopies; ++i) out.push_back(Weight<Eigen::bfloat16>::owned(m));
    return out;
  }();
  return w;
}

void counters(benchmark::State& state, Eigen::Index tokens) {
  const double products = static_cast<double>(state.iterations());
  state.counters["GB/s"] =
      benchmark::Counter(products * kRows * kCols * 2 / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFlop/s"] =
      benchmark::Counter(products * 2.0 * kRows * kCols * static_cast<double>(tokens) / 1e9,
                         benchmark::Counter::kIsRate);
}

/// The kernel path (what linear() runs for a float model), with kernel k.
void BM_Kernel(benchmark::State& state) {
  const auto k = static_cast<MatvecKernel>(state.range(0));
  const Eigen::Index T = state.range(1);
  const auto available = available_kernels();
  if (std::find(available.begin(), available.end(), k) == available.end()) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  state.SetLabel(std::string(kernel_name(k)));
  const RowMatrix<float> x = RowMatrix<float>::Random(T, kCols);
  RowMatrix<float> y(T, kRows);
  const auto& all = weights();  // built before the timing starts
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& w = all[i++ % kCopies];
    matmul_rows(k, w.bytes(), w.dtype(), kCols, x.data(), kCols, T, y.data(), kRows, 0, kRows);
    benchmark::DoNotOptimize(y.data());
  }
  counters(state, T);
}

/// The plain form: 256-row blocks widened to float, then Eigen.
void BM_Plain(benchmark::State& state) {
  const Eigen::Index T = state.range(0);
  const RowMatrix<float> x = RowMatrix<float>::Random(T, kCols);
  const auto& all = weights();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(linear_plain<float>(x, all[i++ % kCopies]));
  counters(state, T);
}

BENCHMARK(BM_Kernel)
    ->ArgsProduct({{static_cast<int>(MatvecKernel::Portable), static_cast<int>(MatvecKernel::Avx2),
                    static_cast<int>(MatvecKernel::Avx512)},
                   {1, 64}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Plain)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
