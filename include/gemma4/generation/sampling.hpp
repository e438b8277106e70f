// gemma4/generation/sampling.hpp: choosing the next token from a row of logits, seeded and
// reproducible.
//
// Given logits z[0..V-1] (after Gemma's final softcap), the history h (prompt + generated ids) and
// SamplingParams, the next token is drawn from the distribution built in this order, which is the
// order Hugging Face's `generate()` applies its logits processors (`_get_logits_processor`:
// RepetitionPenaltyLogitsProcessor among the processors, then the warpers Temperature, TopK,
// TopP, MinP):
//
//   1. repetition penalty r (HF RepetitionPenaltyLogitsProcessor): for every distinct id t in h,
//        z[t] = z[t] > 0 ? z[t] / r : z[t] * r          (so r > 1 always lowers z[t])
//   2. temperature T:      z = z / T
//   3. top-k:   keep the ids whose z is >= the k-th largest z (ties with the k-th are all kept,
//               as `scores < topk(scores, k)[-1]` removes only strictly smaller ones)
//   4. top-p (nucleus):    p = softmax(z over kept ids); sort kept ids by ascending p, with
//               cumulative sums c; remove the ids whose c <= 1 - top_p (always keep the largest)
//   5. min-p:   p = softmax(z over kept ids); remove ids with p < min_p * max(p)
//   6. sample   t ~ p = softmax(z over kept ids)    (inverse CDF in id order, see below)
//
// Greedy decoding (temperature == 0, HF do_sample=False) applies only step 1 and returns the
// first index of the largest logit (torch.argmax's tie rule). Neutral values switch a step off:
// r = 1, T = 1, k = 0, top_p = 1, min_p = 0.
//
// Reproducibility: the random stream is our own xoshiro256** (Blackman & Vigna 2018) seeded by
// splitmix64, and a uniform double in [0, 1) is (x >> 11) * 2^-53; no std::*_distribution is used
// (their output differs between standard libraries), so a seed gives the same tokens on every
// platform. The draw is one uniform u per token: the token is the first id t (in id order) with
// sum_{s <= t} p_s > u * sum_s p_s, over the kept ids. Probabilities are computed in double from
// logits of either float or double. Ties in step 4 are ordered by id (torch.sort is not stable,
// so HF's choice among equal probabilities at the nucleus edge is unspecified).
//
//   gemma4::Sampler sampler({.temperature = 1.0, .top_k = 64, .top_p = 0.95, .seed = 42});
//   gemma4::TokenId next = sampler.sample(std::span<const float>(logits_row), history);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/core/random.hpp"
#include "gemma4/core/token.hpp"

namespace gemma4 {

/// The knobs of sampling; defaults are neutral (plain softmax sampling at temperature 1).
/// Gemma 4 -it recommends temperature 1.0, top_k 64, top_p 0.95 (spec tokenizer.md §7).
struct SamplingParams {
  double temperature = 1.0;         // 0: greedy (argmax)
  int top_k = 0;                    // 0: off
  double top_p = 1.0;               // 1: off
  double min_p = 0.0;               // 0: off
  double repetition_penalty = 1.0;  // 1: off
  std::uint64_t seed = 0;

  bool greedy() const { return temperature == 0.0; }

  /// Throws gemma4::Error naming the bad value.
  void validate() const {
    if (!(temperature >= 0.0) || !std::isfinite(temperature))
      detail::fail("sampling: temperature must be finite and >= 0, got ", temperature);
    if (top_k < 0) detail::fail("sampling: top_k must be >= 0, got ", top_k);
    if (!(top_p > 0.0 && top_p <= 1.0))
      detail::fail("sampling: top_p must be in (0, 1], got ", top_p);
    if (!(min_p >= 0.0 && min_p <= 1.0))
      detail::fail("sampling: min_p must be in [0, 1], got ", min_p);
    if (!(repetition_penalty > 0.0) || !std::isfinite(repetition_penalty))
      detail::fail("sampling: repetition_penalty must be finite and > 0, got ", repetition_penalty);
  }
};

/// The sampler's generator: xoshiro256** seeded through splitmix64 (random.hpp).
using Rng = Xoshiro256;

/// Step 1: HF's repetition penalty, in place, once per distinct id of `history`.
template <class T>
void apply_repetition_penalty(std::span<T> logits, std::span<const TokenId> history,
                              double penalty) {
  if (penalty == 1.0) return;
  std::vector<bool> seen(logits.size(), false);
  for (TokenId t : history) {
    if (t < 0 || static_cast<std::size_t>(t) >= logits.size())
      detail::fail("repetition penalty: history id ", t, " outside the vocabulary of ",
                   logits.size());
    if (seen[static_cast<std::size_t>(t)]) continue;
    seen[static_cast<std::size_t>(t)] = true;
    T& z = logits[static_cast<std::size_t>(t)];
    z = z > T(0) ? static_cast<T>(z / penalty) : static_cast<T>(z * penalty);
  }
}

/// The first index of the largest value (torch.argmax's rule). NaN logits are an error.
template <class T>
TokenId argmax(std::span<const T> logits) {
  if (logits.empty()) detail::fail("argmax: empty logits row");
  std::size_t best = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(static_cast<double>(logits[i]))) detail::fail("argmax: logit ", i, " is NaN");
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<TokenId>(best);
}

/// Steps 1-5: the probability of every id under `params` (zero for removed ids), summing to 1.
/// For greedy params this is the one-hot vector of the argmax. This is the exact distribution
/// Sampler::sample draws from.
template <class T>
std::vector<double> sampling_distribution(std::span<const T> logits_in,
                                          const SamplingParams& params,
                                          std::span<const TokenId> history = {}) {
  params.validate();
  const std::size_t V = logits_in.size();
  if (V == 0) detail::fail("sampling: empty logits row");
  std::vector<double> z(logits_in.begin(), logits_in.end());  // [V]
  apply_repetition_penalty(std::span<double>(z), history, params.repetition_penalty);
  std::vector<double> p(V, 0.0);
  if (params.greedy()) {
    p[static_cast<std::size_t>(argmax(std::span<const double>(z)))] = 1.0;
    return p;
  }
  for (double& v : z) {
    if (std::isnan(v)) detail::fail("sampling: NaN logit");
    v /= params.temperature;
  }

  // Candidate ids, by descending logit then ascending id (the order top-k and top-p look at).
  std::vector<std::uint32_t> order(V);
  std::iota(order.begin(), order.end(), 0u);
  auto by_logit = [&](std::uint32_t a, std::uint32_t b) {
    return z[a] > z[b] || (z[a] == z[b] && a < b);
  };
  std::size_t kept = V;
  if (params.top_k > 0 && static_cast<std::size_t>(params.top_k) < V) {
    const std::size_t k = static_cast<std::size_t>(params.top_k);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(),
                     by_logit);
    const double kth = z[order[k - 1]];
    // Keep every id >= the k-th largest value (ties included).
    kept = static_cast<std::size_t>(
        std::partition(order.begin(), order.end(), [&](std::uint32_t i) { return z[i] >= kth; }) -
        order.begin());
  }
  order.resize(kept);
  // Top-p and min-p look at the candidates by descending probability; plain sampling and top-k
  // alone need no order (the draw is in id order), which saves a sort of the whole vocabulary.
  if (params.top_p < 1.0 || params.min_p > 0.0) std::sort(order.begin(), order.end(), by_logit);

  // softmax over the candidates (subtract the largest logit for stability).
  auto softmax = [&](std::vector<double>& probs) {
    probs.resize(order.size());
    double zmax = -std::numeric_limits<double>::infinity();
    for (std::uint32_t i : order) zmax = std::max(zmax, z[i]);
    double sum = 0.0;
    for (std::size_t j = 0; j < order.size(); ++j) sum += probs[j] = std::exp(z[order[j]] - zmax);
    for (double& q : probs) q /= sum;
  };
  std::vector<double> probs;
  if (params.top_p < 1.0) {
    softmax(probs);
    // Ascending order is `order` reversed; remove while the ascending cumulative sum <= 1 - p.
    double cum = 0.0;
    std::size_t keep = order.size();
    for (std::size_t j = order.size(); j-- > 1;) {  // never removes j = 0 (the largest)
      cum += probs[j];
      if (cum <= 1.0 - params.top_p)
        keep = j;
      else
        break;
    }
    order.resize(keep);
  }
  if (params.min_p > 0.0) {
    softmax(probs);
    const double threshold = params.min_p * probs[0];
    std::size_t keep = 1;
    while (keep < order.size() && probs[keep] >= threshold) ++keep;
    order.resize(keep);
  }
  softmax(probs);
  for (std::size_t j = 0; j < order.size(); ++j) p[order[j]] = probs[j];
  return p;
}

/// Draws from a distribution by inverse CDF in id order with one uniform u in [0, 1).
inline TokenId draw(std::span<const double> p, double u) {
  double total = 0.0;
  for (double q : p) total += q;
  const double target = u * total;
  double cum = 0.0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0.0) continue;
    cum += p[i];
    last = i;
    if (cum > target) return static_cast<TokenId>(i);
  }
  return static_cast<TokenId>(last);  // rounding: u * total at the very top
}

/// A seeded sampler: the same seed, params and logits give the same tokens everywhere.
class Sampler {
 public:
  explicit Sampler(SamplingParams params = {}) : params_(params), rng_(params.seed) {
    params_.validate();
  }

  /// The next token for one row of logits [V]; `history` is every id so far (prompt included),
  /// used by the repetition penalty. Greedy params consume no random numbers.
  template <class T>
  TokenId sample(std::span<const T> logits, std::span<const TokenId> history = {}) {
    if (params_.greedy()) {
      if (params_.repetition_penalty == 1.0) return argmax(logits);
      std::vector<double> z(logits.begin(), logits.end());
      apply_repetition_penalty(std::span<double>(z), history, params_.repetition_penalty);
      return argmax(std::span<const double>(z));
    }
    const std::vector<double> p = sampling_distribution(logits, params_, history);
    return draw(p, rng_.uniform());
  }

  template <class T>
  TokenId sample(const std::vector<T>& logits, std::span<const TokenId> history = {}) {
    return sample(std::span<const T>(logits), history);
  }

  const SamplingParams& params() const { return params_; }

 private:
  SamplingParams params_;
  Rng rng_;
};

}  // namespace gemma4
