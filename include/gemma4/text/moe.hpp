// gemma4/text/moe.hpp: the routed-expert branch of 26B-A4B (HF `Gemma4TextRouter`,
// `Gemma4TextExperts`; spec text-decoder §8).
//
// Router, reading the residual r [T, H] that enters the feed-forward block (NOT a normed value):
//
//   z      = RMSNorm_noweight(r) * router.scale * H^(-1/2)          router.norm has no weight
//   logits = z @ router.proj^T                                        [T, E]
//   probs  = softmax(logits)                                          over all E experts
//   (w, idx) = top_k(probs, K)                                        ties: lower index first
//   w      = w / sum(w)                                               renormalise over the K chosen
//   w_k    = w_k * router.per_expert_scale[idx_k]                     AFTER renormalisation
//
// Experts, on x2 = pre_feedforward_layernorm_2(r) (the norm lives in the decoder layer):
//
//   gu   = gate_up_proj[e] @ x2          [2 I_moe]; gate = gu[0:I_moe] (FIRST half), up = the rest
//   y_e  = down_proj[e] @ (gelu_tanh(gate) * up)                      [H]
//   out  = sum_k w_k y_{idx_k}                                        accumulated by ascending e
//
// Tokens are grouped by expert, so each chosen expert runs one GEMM over its tokens.
// Checkpoint (prefix layers.{i}.): router.proj.weight [E, H], router.scale [H],
// router.per_expert_scale [E], experts.gate_up_proj [E, 2 I_moe, H], experts.down_proj
// [E, H, I_moe] (bare parameters, no ".weight").
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gemma4/nn/activation.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/nn/rms_norm.hpp"

namespace gemma4 {

template <class T>
struct MoeWeights {
  using C = compute_t<T>;
  Weight<T> router_proj;           // router.proj.weight [E, H]
  Vector<C> router_scale;          // router.scale [H]
  Vector<C> per_expert_scale;      // router.per_expert_scale [E]
  std::vector<Weight<T>> gate_up;  // experts.gate_up_proj[e]  [2 I_moe, H]
  std::vector<Weight<T>> down;     // experts.down_proj[e]     [H, I_moe]
};

/// The experts chosen for each token and their final weights: [T, K] each.
template <class C>
struct Routing {
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> index;
  RowMatrix<C> weight;
};

/// Top-k of each row of probs [T, E] (ties: lower index), renormalised, times per_expert_scale.
template <class C>
Routing<C> route_top_k(const RowMatrix<C>& probs, int k, const Vector<C>& per_expert_scale) {
  const Eigen::Index T = probs.rows(), E = probs.cols();
  Routing<C> r{decltype(Routing<C>::index)(T, k), RowMatrix<C>(T, k)};
  std::vector<Eigen::Index> order(static_cast<std::size_t>(E));
  for (Eigen::Index t = 0; t < T; ++t) {
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return probs(t, a) > probs(t, b); });
    C sum = 0;
    for (int j = 0; j < k; ++j) sum += probs(t, order[static_cast<std::size_t>(j)]);
    for (int j = 0; j < k; ++j) {
      const Eigen::Index e = order[static_cast<std::size_t>(j)];
      r.index(t, j) = e;
      r.weight(t, j) = probs(t, e) / sum * per_expert_scale[e];
    }
  }
  return r;
}

/// The router: r [T, H] -> chosen experts and weights.
template <class C, class T>
Routing<C> route(const RowMatrix<C>& r, const MoeWeights<T>& w, int top_k, double eps) {
  RowMatrix<C> z = rms_norm<C>(r, eps);  // router.norm: no weight
  z.array().rowwise() *= w.router_scale.transpose().array();
  z *= C(1) / std::sqrt(static_cast<C>(r.cols()));   // H^-1/2
  RowMatrix<C> probs = linear<C>(z, w.router_proj);  // logits [T, E]
  const Vector<C> row_max = probs.rowwise().maxCoeff();
  probs = (probs.colwise() - row_max).array().exp();
  probs.array().colwise() /= probs.rowwise().sum().array();
  return route_top_k<C>(probs, top_k, w.per_expert_scale);
}

/// sum_k w_k expert_{idx_k}(x2): x2 [T, H] -> [T, H].
template <class C, class T>
RowMatrix<C> experts(const RowMatrix<C>& x2, const Routing<C>& routing, const MoeWeights<T>& w) {
  const Eigen::Index n_tokens = x2.rows(), E = static_cast<Eigen::Index>(w.gate_up.size());
  RowMatrix<C> out = RowMatrix<C>::Zero(n_tokens, x2.cols());
  for (Eigen::Index e = 0; e < E; ++e) {
    std::vector<Eigen::Index> tokens;  // tokens that chose e, and with which weight
    std::vector<C> weights;
    for (Eigen::Index t = 0; t < n_tokens; ++t)
      for (Eigen::Index j = 0; j < routing.index.cols(); ++j)
        if (routing.index(t, j) == e) tokens.push_back(t), weights.push_back(routing.weight(t, j));
    if (tokens.empty()) continue;
    const auto n = static_cast<Eigen::Index>(tokens.size());
    RowMatrix<C> xe(n, x2.cols());  // [n, H]
    for (Eigen::Index i = 0; i < n; ++i) xe.row(i) = x2.row(tokens[static_cast<std::size_t>(i)]);
    const RowMatrix<C> gu = linear<C>(xe, w.gate_up[static_cast<std::size_t>(e)]);  // [n, 2 I]
    const Eigen::Index I = gu.cols() / 2;
    const RowMatrix<C> h = gelu_tanh(gu.leftCols(I).array()) * gu.rightCols(I).array();
    const RowMatrix<C> ye = linear<C>(h, w.down[static_cast<std::size_t>(e)]);  // [n, H]
    for (Eigen::Index i = 0; i < n; ++i)
      out.row(tokens[static_cast<std::size_t>(i)]) +=
          weights[static_cast<std::size_t>(i)] * ye.row(i);
  }
  return out;
}

}  // namespace gemma4
