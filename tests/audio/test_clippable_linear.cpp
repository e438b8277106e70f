// tests/audio/test_clippable_linear.cpp: clamp before and after the product; the conformer clip.
#include <doctest/doctest.h>

#include <gemma4/audio/clippable_linear.hpp>

TEST_CASE("y = clamp(clamp(x, in) @ W^T, out); infinite bounds change nothing") {
  gemma4::AudioClippableLinearWeights<double> w;
  gemma4::RowMatrix<double> W(2, 2);
  W << 1, 0, 1, 1;
  w.linear = gemma4::Weight<double>::owned(W);
  gemma4::RowMatrix<double> x(1, 2);
  x << 3, -4;
  CHECK(gemma4::audio_clippable_linear<double>(x, w) ==
        (gemma4::RowMatrix<double>(1, 2) << 3, -1).finished());
  w.input_min = -1, w.input_max = 2;  // x -> [2, -1]: y = [2, 1]
  CHECK(gemma4::audio_clippable_linear<double>(x, w) ==
        (gemma4::RowMatrix<double>(1, 2) << 2, 1).finished());
  w.output_max = 1.5;  // y -> [1.5, 1]
  CHECK(gemma4::audio_clippable_linear<double>(x, w) ==
        (gemma4::RowMatrix<double>(1, 2) << 1.5, 1).finished());
}

TEST_CASE("the clip bound: 1e10, or the storage type's largest value when smaller (half)") {
  const gemma4::AudioConfig c;
  CHECK(gemma4::audio_clip_bound<float>(c) == 1e10);
  CHECK(gemma4::audio_clip_bound<Eigen::bfloat16>(c) == 1e10);
  CHECK(gemma4::audio_clip_bound<Eigen::half>(c) == 65504.0);
  gemma4::RowMatrix<double> x(1, 3);
  x << -1e12, 5, 1e11;
  const auto y = gemma4::audio_clip<double>(x, 1e10);
  CHECK(y(0, 0) == -1e10);
  CHECK(y(0, 1) == 5);
  CHECK(y(0, 2) == 1e10);
}
