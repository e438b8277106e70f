// Tests of gemma4/vision/encoder_layer.hpp: padding patches never reach a real patch, and the
// blocked attention equals the plain softmax(q k^T) v.
#include <gemma4/vision/encoder_layer.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {

VisionConfig tiny_config() {
  VisionConfig c;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;  // GQA path too
  c.head_dim = 8;
  return c;
}

Weight<double> random_weight(Eigen::Index rows, Eigen::Index cols, int seed) {
  std::srand(static_cast<unsigned>(seed));
  return Weight<double>::owned(RowMatrix<double>::Random(rows, cols) * 0.5);
}

VisionEncoderLayerWeights<double> random_layer(const VisionConfig& c) {
  VisionEncoderLayerWeights<double> w;
  const Eigen::Index D = c.hidden_size, I = c.intermediate_size;
  int seed = 1;
  for (auto* n : {&w.input_layernorm, &w.post_attention_layernorm, &w.pre_feedforward_layernorm,
                  &w.post_feedforward_layernorm})
    *n = Vector<double>::Constant(D, 1.0) + 0.1 * Vector<double>::Random(D);
  w.self_attn.q_proj.linear = random_weight(c.q_width(), D, seed++);
  w.self_attn.k_proj.linear = random_weight(c.kv_width(), D, seed++);
  w.self_attn.v_proj.linear = random_weight(c.kv_width(), D, seed++);
  w.self_attn.o_proj.linear = random_weight(D, c.q_width(), seed++);
  w.self_attn.q_proj.output_max = 0.8;  // one clamp active
  w.self_attn.q_norm = Vector<double>::Constant(c.head_dim, 1.1);
  w.self_attn.k_norm = Vector<double>::Constant(c.head_dim, 0.9);
  w.mlp.gate_proj.linear = random_weight(I, D, seed++);
  w.mlp.up_proj.linear = random_weight(I, D, seed++);
  w.mlp.down_proj.linear = random_weight(D, I, seed++);
  return w;
}

}  // namespace

TEST_CASE("padding patches never reach a real patch's attention") {
  const VisionConfig c = tiny_config();
  const auto w = random_layer(c);
  // 4 real patches; then the same 4 plus 5 padding rows whose contents are wild.
  PositionIds real(4, 2), padded = PositionIds::Constant(9, 2, -1);
  real << 0, 0, 1, 0, 0, 1, 1, 1;
  padded.topRows(4) = real;
  RowMatrix<double> h = RowMatrix<double>::Random(4, c.hidden_size);
  RowMatrix<double> hp = RowMatrix<double>::Random(9, c.hidden_size) * 50.0;
  hp.topRows(4) = h;
  vision_encoder_layer<double>(h, w, c, vision_attention_context<double>(real, c));
  vision_encoder_layer<double>(hp, w, c, vision_attention_context<double>(padded, c));
  test::check_tensor("real rows", hp.topRows(4).eval(), h, 1e-13);
}

TEST_CASE("vision attention equals softmax(q k^T) v head by head (beyond one query block)") {
  VisionConfig c = tiny_config();
  const auto w = random_layer(c);
  const Eigen::Index n = kVisionQueryBlock + 7;
  PositionIds pos(n, 2);
  for (Eigen::Index i = 0; i < n; ++i)
    pos.row(i) << static_cast<int>(i % 23), static_cast<int>(i / 23);
  const auto ctx = vision_attention_context<double>(pos, c);
  const RowMatrix<double> a = RowMatrix<double>::Random(n, c.hidden_size);
  const RowMatrix<double> ours = vision_attention<double>(a, w.self_attn, c, ctx);
  // Plain form: full score matrices.
  RowMatrix<double> q = clippable_linear<double>(a, w.self_attn.q_proj);
  rms_norm_heads_in_place<double>(q, c.head_dim, w.self_attn.q_norm, c.rms_norm_eps);
  apply_rope_2d<double>(q, c.head_dim, ctx.cos, ctx.sin);
  RowMatrix<double> k = clippable_linear<double>(a, w.self_attn.k_proj);
  rms_norm_heads_in_place<double>(k, c.head_dim, w.self_attn.k_norm, c.rms_norm_eps);
  apply_rope_2d<double>(k, c.head_dim, ctx.cos, ctx.sin);
  RowMatrix<double> v = clippable_linear<double>(a, w.self_attn.v_proj);
  rms_norm_heads_in_place<double>(v, c.head_dim, Vector<double>(), c.rms_norm_eps);
  RowMatrix<double> o(n, c.q_width());
  for (int h = 0; h < c.num_attention_heads; ++h) {
    RowMatrix<double> s = q.middleCols(h * 8, 8) * k.middleCols(0, 8).transpose();
    s = (s.colwise() - s.rowwise().maxCoeff()).array().exp().matrix();
    s = (s.array().colwise() / s.rowwise().sum().array()).matrix();
    o.middleCols(h * 8, 8) = s * v.middleCols(0, 8);
  }
  test::check_tensor("attention", ours, clippable_linear<double>(o, w.self_attn.o_proj), 1e-13);
}
