// tests/audio/test_embed_audio.cpp: RMSNorm without weight, then the projection.
#include <doctest/doctest.h>

#include <cmath>

#include <gemma4/audio/embed_audio.hpp>

TEST_CASE("soft = (o / rms(o)) @ W^T: a row [3, 4] has rms sqrt(12.5)") {
  gemma4::RowMatrix<double> W(3, 2);
  W << 1, 0, 0, 1, 1, 1;
  gemma4::EmbedAudioWeights<double> w{gemma4::Weight<double>::owned(W)};
  gemma4::RowMatrix<double> o(1, 2);
  o << 3, 4;
  const auto s = gemma4::embed_audio<double>(o, w, 0.0);
  const double r = std::sqrt((9.0 + 16.0) / 2);
  CHECK(s(0, 0) == doctest::Approx(3 / r).epsilon(1e-15));
  CHECK(s(0, 1) == doctest::Approx(4 / r).epsilon(1e-15));
  CHECK(s(0, 2) == doctest::Approx(7 / r).epsilon(1e-15));
  // Scaling the input does not change the output (the norm has no weight): 2 o -> same soft.
  const auto s2 = gemma4::embed_audio<double>(2 * o, w, 0.0);
  CHECK((s2 - s).cwiseAbs().maxCoeff() < 1e-15);
}
