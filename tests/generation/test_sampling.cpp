// Tests of gemma4/generation/sampling.hpp.
//
// Expected numbers come from the definitions in the header, worked by hand on logit vectors chosen
// so that the arithmetic is exact: logits z_i = log(q_i) make softmax(z) = q, and temperature T
// turns q into q^(1/T) / sum. Statistical checks use a fixed seed and Pearson's chi-square with
// the p = 0.001 critical value of the stated degrees of freedom (a correct sampler fails one with
// probability 1e-3 for a random seed; with the fixed seed the result is deterministic).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "gemma4/generation/sampling.hpp"

using gemma4::SamplingParams;
using gemma4::TokenId;

namespace {

// q = {0.4, 0.3, 0.15, 0.1, 0.05} as logits.
std::vector<double> log_q() {
  return {std::log(0.4), std::log(0.3), std::log(0.15), std::log(0.1), std::log(0.05)};
}

void check_distribution(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("token " << i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
  }
}

std::vector<double> normalized(std::vector<double> w) {
  double s = 0;
  for (double x : w) s += x;
  for (double& x : w) x /= s;
  return w;
}

// Pearson's chi-square of the counts of `n` draws against `p` (cells with p = 0 must be empty).
double chi_square(const SamplingParams& params, const std::vector<double>& logits,
                  const std::vector<double>& p, int n, int& empty_cells_hit) {
  gemma4::Sampler sampler(params);
  std::vector<int> counts(p.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(sampler.sample(logits))];
  double chi2 = 0;
  empty_cells_hit = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) {
      empty_cells_hit += counts[i];
      continue;
    }
    const double e = n * p[i];
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

}  // namespace

TEST_CASE("greedy is the first argmax; the repetition penalty applies before it") {
  const std::vector<float> z = {0.5f, 3.0f, -1.0f, 3.0f, 2.0f};
  SamplingParams greedy;
  greedy.temperature = 0;
  gemma4::Sampler s(greedy);
  CHECK(s.sample(z) == 1);  // ties: first index, like torch.argmax
  // Penalty 2 on id 1: 3.0 / 2 = 1.5, so id 3 (3.0) wins.
  greedy.repetition_penalty = 2.0;
  gemma4::Sampler sp(greedy);
  const TokenId hist[] = {1};
  CHECK(sp.sample(std::span<const float>(z), hist) == 3);
  CHECK(gemma4::sampling_distribution(std::span<const float>(z), greedy, hist) ==
        std::vector<double>{0, 0, 0, 1, 0});
}

TEST_CASE("repetition penalty: positive logits divided, negative multiplied, once per id") {
  std::vector<double> z = {2.0, -1.0, 0.5, 3.0, 0.0};
  const TokenId hist[] = {0, 1, 1, 4, 0};
  gemma4::apply_repetition_penalty(std::span<double>(z), hist, 2.0);
  // 2 / 2 = 1; -1 * 2 = -2 (only once although id 1 appears twice); 0 is not > 0: 0 * 2 = 0.
  CHECK(z == std::vector<double>{1.0, -2.0, 0.5, 3.0, 0.0});
  std::vector<float> zf = {1.5f, -0.5f};
  const TokenId h2[] = {0, 1};
  gemma4::apply_repetition_penalty(std::span<float>(zf), h2, 1.5);
  CHECK(zf[0] == doctest::Approx(1.0));
  CHECK(zf[1] == doctest::Approx(-0.75));
  const TokenId bad[] = {5};
  CHECK_THROWS_AS(gemma4::apply_repetition_penalty(std::span<float>(zf), bad, 1.5), gemma4::Error);
}

TEST_CASE("exact distributions: temperature, top-k, top-p, min-p and their order") {
  const std::vector<double> z = log_q();
  const std::span<const double> zs(z);
  SamplingParams p;
  // Plain: softmax(log q) = q.
  check_distribution(gemma4::sampling_distribution(zs, p), {0.4, 0.3, 0.15, 0.1, 0.05});
  // Temperature 0.5: q^2 / sum.
  p.temperature = 0.5;
  check_distribution(gemma4::sampling_distribution(zs, p),
                     normalized({0.16, 0.09, 0.0225, 0.01, 0.0025}));
  // Temperature 2: sqrt(q) / sum.
  p.temperature = 2.0;
  check_distribution(gemma4::sampling_distribution(zs, p),
                     normalized({std::sqrt(0.4), std::sqrt(0.3), std::sqrt(0.15), std::sqrt(0.1),
                                 std::sqrt(0.05)}));
  // Top-k 2: {0.4, 0.3} / 0.7.
  p = {};
  p.top_k = 2;
  check_distribution(gemma4::sampling_distribution(zs, p), {0.4 / 0.7, 0.3 / 0.7, 0, 0, 0});
  // Top-p 0.75: ascending cumulative sums 0.05, 0.15, 0.30, ...; 0.05 and 0.15 are <= 0.25 and go.
  p = {};
  p.top_p = 0.75;
  check_distribution(gemma4::sampling_distribution(zs, p),
                     {0.4 / 0.85, 0.3 / 0.85, 0.15 / 0.85, 0, 0});
  // Top-p 0.3: only 0.4 reaches past 0.7 ascending mass; the largest is always kept.
  p.top_p = 0.3;
  check_distribution(gemma4::sampling_distribution(zs, p), {1, 0, 0, 0, 0});
  // Min-p 0.2: threshold 0.2 * 0.4 = 0.08 removes only 0.05.
  p = {};
  p.min_p = 0.2;
  check_distribution(gemma4::sampling_distribution(zs, p), normalized({0.4, 0.3, 0.15, 0.1, 0}));
  // Temperature before top-p: at T = 0.5 the probabilities are q^2/0.285 = .561, .316, .079,
  // .035, .0088; ascending sums .0088, .044, .123: with top_p 0.9 two go. (Top-p on q first would
  // remove only 0.05.)
  p = {};
  p.temperature = 0.5;
  p.top_p = 0.9;
  check_distribution(gemma4::sampling_distribution(zs, p), normalized({0.16, 0.09, 0.0225, 0, 0}));
  // Temperature before min-p: at T = 0.5, threshold 0.1 * 0.16 = 0.016 (in q^2 units) removes
  // 0.01 and 0.0025. (Min-p on q would keep 0.1.)
  p.top_p = 1.0;
  p.min_p = 0.1;
  check_distribution(gemma4::sampling_distribution(zs, p), normalized({0.16, 0.09, 0.0225, 0, 0}));
  // Top-k before top-p: top_k 3 renormalises to {.4,.3,.15}/.85 = .47, .35, .18; top_p 0.8 then
  // removes .176 (<= 0.2). (Top-p 0.8 on q alone would keep three.)
  p = {};
  p.top_k = 3;
  p.top_p = 0.8;
  check_distribution(gemma4::sampling_distribution(zs, p), {0.4 / 0.7, 0.3 / 0.7, 0, 0, 0});
  // Repetition penalty first: penalty 2 on id 0 (log 0.4 < 0, so it doubles): 0.4 -> 0.16.
  p = {};
  p.repetition_penalty = 2.0;
  const TokenId hist[] = {0};
  check_distribution(gemma4::sampling_distribution(zs, p, hist),
                     normalized({0.16, 0.3, 0.15, 0.1, 0.05}));
}

TEST_CASE("top-k keeps every id tied with the k-th largest logit") {
  const std::vector<float> z = {1.0f, 2.0f, 1.0f, 0.0f, 1.0f};
  SamplingParams p;
  p.top_k = 2;  // the 2nd largest is 1.0, held by ids 0, 2 and 4
  const double e = std::exp(1.0);
  const double s = e * e + 3 * e;
  check_distribution(gemma4::sampling_distribution(std::span<const float>(z), p),
                     {e / s, e * e / s, e / s, 0, e / s});
}

TEST_CASE("invalid parameters are errors") {
  SamplingParams p;
  p.top_p = 0;
  CHECK_THROWS_AS(gemma4::Sampler{p}, gemma4::Error);
  p = {};
  p.temperature = -1;
  CHECK_THROWS_AS(gemma4::Sampler{p}, gemma4::Error);
  p = {};
  p.top_k = -2;
  CHECK_THROWS_AS(gemma4::Sampler{p}, gemma4::Error);
  p = {};
  p.repetition_penalty = 0;
  CHECK_THROWS_AS(gemma4::Sampler{p}, gemma4::Error);
}

TEST_CASE("sampled frequencies match the exact distributions (chi-square, fixed seed)") {
  const std::vector<double> z = {2.0, 1.0, 0.5, 0.5, -1.0, 3.0, 0.0, -0.5};
  const int n = 200000;
  int leaked = 0;
  SUBCASE("temperature 0.8, all 8 tokens: df 7, critical value 24.32") {
    SamplingParams p;
    p.temperature = 0.8;
    p.seed = 1;
    std::vector<double> want;
    for (double v : z) want.push_back(std::exp(v / 0.8));
    want = normalized(want);
    CHECK(chi_square(p, z, want, n, leaked) < 24.32);
    CHECK(leaked == 0);
  }
  SUBCASE("top-k 3: ids 5, 0, 1; df 2, critical value 13.82") {
    SamplingParams p;
    p.top_k = 3;
    p.seed = 2;
    std::vector<double> want(8, 0.0);
    for (int i : {5, 0, 1})
      want[static_cast<std::size_t>(i)] = std::exp(z[static_cast<std::size_t>(i)]);
    want = normalized(want);
    CHECK(chi_square(p, z, want, n, leaked) < 13.82);
    CHECK(leaked == 0);
  }
  SUBCASE("top-p 0.9 on q: ids 0-3 kept; df 3, critical value 16.27") {
    SamplingParams p;
    p.top_p = 0.9;  // ascending sums 0.05 <= 0.1 goes; 0.15 > 0.1 stays
    p.seed = 3;
    const std::vector<double> lq = log_q();
    const std::vector<double> want = normalized({0.4, 0.3, 0.15, 0.1, 0});
    CHECK(chi_square(p, lq, want, n, leaked) < 16.27);
    CHECK(leaked == 0);
  }
  SUBCASE("min-p 0.3 on q: threshold 0.12 keeps 3; df 2, critical value 13.82") {
    SamplingParams p;
    p.min_p = 0.3;
    p.seed = 4;
    const std::vector<double> lq = log_q();
    const std::vector<double> want = normalized({0.4, 0.3, 0.15, 0, 0});
    CHECK(chi_square(p, lq, want, n, leaked) < 13.82);
    CHECK(leaked == 0);
  }
}

TEST_CASE("a fixed seed reproduces the same tokens; float and double logits agree") {
  const std::vector<float> zf = {2.0f, 1.0f, 0.5f, 0.5f, -1.0f, 3.0f, 0.0f, -0.5f};
  const std::vector<double> zd(zf.begin(), zf.end());
  SamplingParams p;
  p.temperature = 1.3;
  p.top_k = 6;
  p.top_p = 0.97;
  p.seed = 42;
  gemma4::Sampler a(p), b(p), c(p);
  p.seed = 43;
  gemma4::Sampler other(p);
  std::vector<TokenId> ra, rb, rc, ro;
  for (int i = 0; i < 500; ++i) {
    ra.push_back(a.sample(zf));
    rb.push_back(b.sample(zf));
    rc.push_back(c.sample(zd));
    ro.push_back(other.sample(zf));
  }
  CHECK(ra == rb);
  CHECK(ra == rc);
  CHECK(ra != ro);
}

TEST_CASE("draw: inverse CDF in id order, zero-probability ids never drawn") {
  const std::vector<double> p = {0.0, 0.25, 0.0, 0.75};
  CHECK(gemma4::draw(p, 0.0) == 1);
  CHECK(gemma4::draw(p, 0.2499) == 1);
  CHECK(gemma4::draw(p, 0.25) == 3);
  CHECK(gemma4::draw(p, 0.9999999999) == 3);
}
