// tests/audio/test_relative_position.cpp: the fixed relative position table.
#include <doctest/doctest.h>

#include <cmath>

#include <gemma4/audio/relative_position.hpp>

TEST_CASE("13 rows for distances 12 .. 0; [sin | cos] halves; timescales 1 .. 1/10000") {
  const gemma4::AudioConfig c;  // Da 1024: 512 timescales
  const auto pe = gemma4::audio_relative_position_table<double>(c);
  CHECK(pe.rows() == 13);
  CHECK(pe.cols() == 1024);
  // Row 12 is distance 0: sin 0 = 0 everywhere, cos 0 = 1 everywhere.
  CHECK(pe.row(12).head(512).cwiseAbs().maxCoeff() == 0.0);
  CHECK((pe.row(12).tail(512).array() == 1.0).all());
  // Row 0 is distance 12; timescale 0 is 1 (angle 12), the last is 1/10000 (angle 12e-4).
  CHECK(pe(0, 0) == doctest::Approx(std::sin(12.0)).epsilon(1e-15));
  CHECK(pe(0, 512) == doctest::Approx(std::cos(12.0)).epsilon(1e-15));
  CHECK(pe(0, 511) == doctest::Approx(std::sin(12e-4)).epsilon(1e-12));
  CHECK(pe(1, 0) == doctest::Approx(std::sin(11.0)).epsilon(1e-15));  // row 1: distance 11
}
