// Tests of gemma4/text/decoder_layer.hpp: the residual structure and layer_scalar, on a layer whose
// attention and MLP are switched off (zero weights), and one whose MLP alone is on.
#include <gemma4/text/decoder_layer.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {

TextConfig tiny_config() {
  TextConfig c;
  c.vocab_size = 4;
  c.hidden_size = 2;
  c.intermediate_size = 2;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 1;
  c.num_key_value_heads = 1;
  c.head_dim = 2;
  c.global_head_dim = 2;
  c.hidden_size_per_layer_input = 0;
  c.rms_norm_eps = 1e-6;  // > 0: the norm of an all-zero branch output is 0, not NaN
  set_layer_pattern(c, 1);
  return c;
}

DecoderLayerWeights<double> zero_layer(double layer_scalar) {
  const auto zero = Weight<double>::owned(RowMatrix<double>::Zero(2, 2));
  const Vector<double> ones = Vector<double>::Ones(2);
  DecoderLayerWeights<double> w;
  w.input_layernorm = w.post_attention_layernorm = ones;
  w.pre_feedforward_layernorm = w.post_feedforward_layernorm = ones;
  w.self_attn = {zero, zero, zero, zero, ones, ones};
  w.mlp = {zero, zero, zero};
  w.layer_scalar = layer_scalar;
  return w;
}

}  // namespace

TEST_CASE("with both blocks off, a layer only multiplies the residual stream by layer_scalar") {
  const TextConfig c = tiny_config();
  KVCache<double> cache(c);
  RowMatrix<double> h(2, 2);
  h << 1, 2,  //
      3, 4;
  const RowMatrix<double> before = h;
  decoder_layer<double>(h, zero_layer(0.5), layer_spec(c, 0), rope_inv_freq<double>(c.rope_full, 2),
                        nullptr, cache, c);
  test::check_tensor("h", h, (before * 0.5).eval(), 1e-15);
  CHECK(cache.layer(0).size() == 2);  // the layer still cached its (zero) keys
}

TEST_CASE("the feed-forward block adds post_feedforward_layernorm(mlp(pre_ffn_norm(h)))") {
  const TextConfig c = tiny_config();
  KVCache<double> cache(c);
  DecoderLayerWeights<double> w = zero_layer(1.0);
  // mlp(x) = down(gelu(gate x) * up x) with gate = up = down = I: y = gelu(x) * x.
  const auto eye = Weight<double>::owned(RowMatrix<double>::Identity(2, 2));
  w.mlp = {eye, eye, eye};
  w.post_feedforward_layernorm = Vector<double>::Constant(2, 3.0);
  RowMatrix<double> h(1, 2);
  h << 1, -1;  // RMSNorm(h) = h / sqrt(1 + eps)
  const Eigen::Array2d x = Eigen::Array2d(1, -1) / std::sqrt(1 + 1e-6);
  const Eigen::Array2d m = gelu_tanh(x) * x;
  const double rms = std::sqrt(m.square().mean() + 1e-6);
  decoder_layer<double>(h, w, layer_spec(c, 0), rope_inv_freq<double>(c.rope_full, 2), nullptr,
                        cache, c);
  CHECK(h(0, 0) == doctest::Approx(1 + 3 * m[0] / rms));
  CHECK(h(0, 1) == doctest::Approx(-1 + 3 * m[1] / rms));
}
