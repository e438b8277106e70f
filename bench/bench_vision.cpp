// bench/bench_vision.cpp: what the soft-token budget costs. Preprocessing (Pillow-path resize,
// rescale, patchify) + the vision tower + embed_vision of the full E2B vision config (16 layers x
// 768, clipped linears, projector into 1536) with random bf16 weights, on a 1024 x 768 (4:3)
// image, at each budget 70, 140, 280, 560, 1120. The tower runs on the real patches only (same
// soft tokens as HF's padded batch, vision/model.hpp).
//
// Counters per budget: resized width and height, patches, soft tokens, milliseconds (manual time
// of one whole image), peak resident memory of the run in MiB (VmHWM after resetting it through
// /proc/self/clear_refs; Linux). Run:
//   build/bench/bench_vision --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>

#include <gemma4/core/random.hpp>
#include <gemma4/vision/model.hpp>

namespace {

using namespace gemma4;
using BF16 = Eigen::bfloat16;

Weight<BF16> random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  Xoshiro256 rng(seed);
  RowMatrix<BF16> m(rows, cols);
  const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m.data()[i] = static_cast<BF16>(scale * static_cast<float>(rng.normal()));
  return Weight<BF16>::owned(std::move(m));
}

ClippableLinearWeights<BF16> random_clippable(Eigen::Index rows, Eigen::Index cols,
                                              std::uint64_t seed) {
  ClippableLinearWeights<BF16> w;
  w.linear = random_matrix(rows, cols, seed);
  w.input_min = -8, w.input_max = 8, w.output_min = -8, w.output_max = 8;  // clamps on, as E2B
  return w;
}

const VisionModel<E2B, BF16>& model() {
  static const VisionModel<E2B, BF16> m = [] {
    const VisionConfig& c = E2B::vision;
    const Eigen::Index D = c.hidden_size, I = c.intermediate_size;
    VisionWeights<BF16> w;
    std::uint64_t seed = 1;
    w.patch_embedder.input_proj = random_matrix(D, c.patch_dim(), seed++);
    w.patch_embedder.position_embedding_table =
        random_matrix(2 * c.position_embedding_size, D, seed++);
    w.patch_embedder.position_embedding_size = c.position_embedding_size;
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      VisionEncoderLayerWeights<BF16> lw;
      for (auto* n : {&lw.input_layernorm, &lw.post_attention_layernorm,
                      &lw.pre_feedforward_layernorm, &lw.post_feedforward_layernorm})
        *n = Vector<float>::Ones(D);
      lw.self_attn.q_proj = random_clippable(D, D, seed++);
      lw.self_attn.k_proj = random_clippable(D, D, seed++);
      lw.self_attn.v_proj = random_clippable(D, D, seed++);
      lw.self_attn.o_proj = random_clippable(D, D, seed++);
      lw.self_attn.q_norm = lw.self_attn.k_norm = Vector<float>::Ones(c.head_dim);
      lw.mlp.gate_proj = random_clippable(I, D, seed++);
      lw.mlp.up_proj = random_clippable(I, D, seed++);
      lw.mlp.down_proj = random_clippable(D, I, seed++);
      w.layers.push_back(std::move(lw));
    }
    w.embed_vision.embedding_projection = random_matrix(E2B::text.hidden_size, D, seed++);
    return VisionModel<E2B, BF16>(c, E2B::text.hidden_size, std::move(w));
  }();
  return m;
}

const Image& photo() {  // 1024 x 768, smooth gradients plus texture
  static const Image img = [] {
    Image im{768, 1024, std::vector<std::uint8_t>(768 * 1024 * 3)};
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x)
        for (int c = 0; c < 3; ++c)
          im.at(y, x, c) = static_cast<std::uint8_t>(
              (x / 4 + y / 3 + 80 * c + ((x * 7 + y * 13) % 17) * 3) % 256);
    return im;
  }();
  return img;
}

/// Linux: resets the peak-RSS mark (VmHWM); returns false elsewhere.
bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  return f && (f << "5") && f.flush();
}

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

void BM_VisionBudget(benchmark::State& state) {
  const int budget = static_cast<int>(state.range(0));
  const auto& m = model();
  ImageProcessorOptions o = processor_options(m.config(), budget);
  o.pad_to_budget = false;
  PreprocessedImage<float> p;
  RowMatrix<float> features;
  reset_peak_rss();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    p = preprocess_image<float>(photo(), o);
    features = m.image_features(p);
    benchmark::DoNotOptimize(features.data());
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["width"] = p.target.width;
  state.counters["height"] = p.target.height;
  state.counters["patches"] = p.num_patches;
  state.counters["soft_tokens"] = p.num_soft_tokens;
  state.counters["peak_MiB"] = peak_rss_mib();
}

BENCHMARK(BM_VisionBudget)
    ->Arg(70)
    ->Arg(140)
    ->Arg(280)
    ->Arg(560)
    ->Arg(1120)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
