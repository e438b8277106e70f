// tests/audio/test_log_mel.cpp: log-mel features from values derived by hand (the golden
// fixture's comparison is in test_model.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <numbers>

#include <gemma4/audio/log_mel.hpp>

#include "test_support.hpp"

TEST_CASE("periodic Hann(320): 0 at n = 0, 1 at n = 160, 1/2 at n = 80 and 240") {
  const auto h = gemma4::periodic_hann<double>(320);
  CHECK(h[0] == 0.0);
  CHECK(h[160] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(h[80] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(h[240] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(h[1] == doctest::Approx(h[319]).epsilon(1e-15));  // periodic: h[n] = h[320 - n]
}

TEST_CASE("HTK mel filterbank: 257 x 128, filter 0 catches no bin, triangles peak at 1") {
  const auto M = gemma4::mel_filter_bank();
  CHECK(M.rows() == 257);
  CHECK(M.cols() == 128);
  CHECK(M.col(0).maxCoeff() == 0.0);  // ~27 Hz wide, narrower than the 31.25 Hz bin spacing
  CHECK(gemma4::hertz_to_mel_htk(8000) == doctest::Approx(2840.023).epsilon(1e-6));
  CHECK(gemma4::mel_to_hertz_htk(gemma4::hertz_to_mel_htk(1234.5)) ==
        doctest::Approx(1234.5).epsilon(1e-12));
  CHECK(M.minCoeff() >= 0.0);
  CHECK(M.maxCoeff() <= 1.0);
  // No area normalisation: high filters (wide) peak close to 1 at the bin nearest their centre.
  CHECK(M.col(100).maxCoeff() > 0.9);
}

TEST_CASE("silence: every valid feature is ln(1e-3), frames and mask from the sample count") {
  const std::vector<double> zeros(16000, 0.0);
  const auto f = gemma4::log_mel_features<double>(std::span<const double>(zeros));
  CHECK(f.padded_length == 16000);  // 125 x 128
  CHECK(f.frames() == 99);          // (16000 + 160 - 321) // 160 + 1
  CHECK(f.valid_frames() == 99);
  CHECK((f.input_features.array() == std::log(1e-3)).all());
  // 1000 samples pad to 1024: frames (1024 + 160 - 321) // 160 + 1 = 6, valid (1000-161)//160+1 = 6
  const std::vector<double> short_clip(1000, 0.0);
  const auto g = gemma4::log_mel_features<float>(std::span<const double>(short_clip));
  CHECK(g.padded_length == 1024);
  CHECK(g.frames() == 6);
  CHECK(g.valid_frames() == 6);
  // 1100 samples pad to 1152: 7 frames, of which (1100 - 161) // 160 + 1 = 6 valid; frame 6 is 0.
  const std::vector<double> clip2(1100, 0.0);
  const auto h = gemma4::log_mel_features<float>(std::span<const double>(clip2));
  CHECK(h.frames() == 7);
  CHECK(h.valid_frames() == 6);
  CHECK(h.mask[6] == 0);
  CHECK((h.input_features.row(6).array() == 0.0f).all());
  CHECK((h.log_mel.row(6).array() == std::log(1e-3f)).all());  // unmasked: the floor
  CHECK_THROWS_AS(gemma4::log_mel_features<float>(std::span<const double>()), gemma4::Error);
}

TEST_CASE("longer than 30 s is truncated to 480000 samples") {
  const std::vector<double> x(480000 + 5000, 0.0);
  const auto f = gemma4::log_mel_features<float>(std::span<const double>(x));
  CHECK(f.samples == 480000);
  CHECK(f.padded_length == 480000);
  CHECK(f.frames() == 2999);  // (480000 + 160 - 321) // 160 + 1
}

TEST_CASE("a 2 kHz tone: the loudest channel holds 2 kHz; features equal the DFT definition") {
  // x = sin(2 pi 2000 t) is FFT bin 64 of 512 exactly (31.25 Hz per bin). Frame i is samples
  // [160 i - 160, 160 i + 160) times the periodic Hann, zero-padded to 512, and
  //   |X_b| = | sum_n h[n] x[160 i - 160 + n] e^{-2 pi i b n / 512} |       (the DFT, written out)
  // with |X_64| ~ sum_n h[n] / 2 = 80 (the sine's positive-frequency half of the window's DC
  // gain). The features must be ln(sum_b |X_b| M[b, k] + 1e-3) for every k.
  std::vector<double> x(16000);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(2 * std::numbers::pi * 2000.0 * static_cast<double>(i) / 16000);
  const auto f = gemma4::log_mel_features<double>(std::span<const double>(x));
  const auto M = gemma4::mel_filter_bank();
  const auto h = gemma4::periodic_hann<double>(320);
  const int frame = 50;
  Eigen::VectorXd mag(257);
  for (int b = 0; b < 257; ++b) {
    std::complex<double> X = 0;
    for (int n = 0; n < 320; ++n)
      X += h[n] * x[static_cast<std::size_t>(160 * frame - 160 + n)] *
           std::polar(1.0, -2 * std::numbers::pi * b * n / 512.0);
    mag[b] = std::abs(X);
  }
  CHECK(mag[64] == doctest::Approx(80).epsilon(0.01));
  Eigen::Index peak = 0;
  mag.maxCoeff(&peak);
  CHECK(peak == 64);
  const Eigen::RowVectorXd expected = ((mag.transpose() * M).array() + 1e-3).log().matrix();
  // The FFT's rounding (~1e-14 of the frame's sum |x h| = 160) moves the far bins, whose |X| is
  // ~1e-12, by ~1e-12: in the log of the channels near the 1e-3 floor that is < 1e-9.
  gemma4::test::check_tensor("frame 50", f.input_features.row(frame), expected, 1e-9);
  Eigen::Index k_best = 0, k_loud = 0;
  M.row(64).maxCoeff(&k_best);
  f.input_features.row(frame).maxCoeff(&k_loud);
  CHECK(std::abs(k_loud - k_best) <= 1);
}
