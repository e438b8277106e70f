// Tests of gemma4/text/moe.hpp: top-k, renormalisation, per_expert_scale and the weighted expert
// sum.
#include <gemma4/text/moe.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("top-k renormalises over the chosen experts, then applies per_expert_scale") {
  RowMatrix<double> probs(1, 4);
  probs << 0.1, 0.4, 0.2, 0.3;
  Vector<double> scale(4);
  scale << 1, 2, 3, 4;
  const Routing<double> r = route_top_k<double>(probs, 2, scale);
  CHECK(r.index(0, 0) == 1);
  CHECK(r.index(0, 1) == 3);
  CHECK(r.weight(0, 0) == doctest::Approx(0.4 / 0.7 * 2));  // renormalised, then x scale[1]
  CHECK(r.weight(0, 1) == doctest::Approx(0.3 / 0.7 * 4));
}

TEST_CASE("router ties go to the lower expert index") {
  RowMatrix<double> probs(1, 4);
  probs << 0.25, 0.25, 0.25, 0.25;
  const Routing<double> r = route_top_k<double>(probs, 2, Vector<double>::Ones(4));
  CHECK(r.index(0, 0) == 0);
  CHECK(r.index(0, 1) == 1);
  CHECK(r.weight(0, 0) == doctest::Approx(0.5));
}

TEST_CASE("the router normalises r without a weight, scales by router.scale and H^-1/2") {
  // H = 4, r = (2, 2, 2, 2): RMSNorm -> (1, 1, 1, 1); scale (1, 1, 1, 1); * 4^-1/2 = 0.5.
  // proj rows pick channel 0 (expert 0) or nothing (expert 1): logits (0.5, 0).
  MoeWeights<double> w;
  RowMatrix<double> proj = RowMatrix<double>::Zero(2, 4);
  proj(0, 0) = 1;
  w.router_proj = Weight<double>::owned(proj);
  w.router_scale = Vector<double>::Ones(4);
  w.per_expert_scale = Vector<double>::Ones(2);
  const RowMatrix<double> r = RowMatrix<double>::Constant(1, 4, 2.0);
  const Routing<double> routing = route<double>(r, w, 1, 0.0);
  CHECK(routing.index(0, 0) == 0);
  CHECK(routing.weight(0, 0) == doctest::Approx(1.0));  // top-1 renormalised
  const Routing<double> both = route<double>(r, w, 2, 0.0);
  // softmax(0.5, 0) renormalised over both = softmax itself.
  CHECK(both.weight(0, 0) == doctest::Approx(std::exp(0.5) / (std::exp(0.5) + 1)));
}

TEST_CASE("experts: gate is the FIRST half of gate_up_proj; outputs add with their weights") {
  // H = 1, I_moe = 1. Expert e: gate row g_e, up row u_e, down d_e: y = d * gelu(g x) * u x.
  MoeWeights<double> w;
  for (int e = 0; e < 2; ++e) {
    RowMatrix<double> gu(2, 1), down(1, 1);
    gu << 1.0 + e, 2.0;  // gate weight 1 + e, up weight 2
    down << 3.0;
    w.gate_up.push_back(Weight<double>::owned(gu));
    w.down.push_back(Weight<double>::owned(down));
  }
  Routing<double> r{decltype(Routing<double>::index)(1, 2), RowMatrix<double>(1, 2)};
  r.index << 1, 0;
  r.weight << 0.25, 0.5;
  RowMatrix<double> x(1, 1);
  x << 0.7;
  auto gelu = [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
  };
  const double y0 = 3 * gelu(1 * 0.7) * 2 * 0.7, y1 = 3 * gelu(2 * 0.7) * 2 * 0.7;
  const RowMatrix<double> out = experts<double>(x, r, w);
  CHECK(out(0, 0) == doctest::Approx(0.5 * y0 + 0.25 * y1));
}

TEST_CASE("only the chosen experts' weights are read") {
  // 8 experts, tokens choosing {1, 6} and {6, 3}: every other expert's weights are NaN, and any
  // read of them would turn the output into NaN. The result must equal the one computed with
  // finite weights everywhere, and stay finite.
  const Eigen::Index H = 16, I = 8, E = 8;
  MoeWeights<float> finite, poisoned;
  for (Eigen::Index e = 0; e < E; ++e) {
    const RowMatrix<float> gu = RowMatrix<float>::Random(2 * I, H),
                           down = RowMatrix<float>::Random(H, I);
    finite.gate_up.push_back(Weight<float>::owned(gu));
    finite.down.push_back(Weight<float>::owned(down));
    const bool chosen = e == 1 || e == 3 || e == 6;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    poisoned.gate_up.push_back(
        Weight<float>::owned(chosen ? gu : RowMatrix<float>::Constant(2 * I, H, nan)));
    poisoned.down.push_back(
        Weight<float>::owned(chosen ? down : RowMatrix<float>::Constant(H, I, nan)));
  }
  Routing<float> r{decltype(Routing<float>::index)(2, 2), RowMatrix<float>(2, 2)};
  r.index << 1, 6, 6, 3;
  r.weight << 0.7f, 0.3f, 0.6f, 0.4f;
  const RowMatrix<float> x = RowMatrix<float>::Random(2, H);
  const RowMatrix<float> out = experts<float>(x, r, poisoned);
  CHECK(out.allFinite());
  CHECK(out == experts<float>(x, r, finite));
}
