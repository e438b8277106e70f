// tests/audio/test_resample.cpp: the resampler against math (a sine, the pass-through) and against
// a real peer, sox (Debian), on real speech: alsa-utils' 48 kHz recordings, the same at 44.1 kHz,
// and espeak-ng's voice at its own 22.05 kHz. Both the waveforms and the log-mel features the model
// would see are compared; the figures are printed (MESSAGE) and held to bounds.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include <gemma4/audio/log_mel.hpp>
#include <gemma4/audio/resample.hpp>

#include "test_support.hpp"

namespace {

/// 10 log10( sum (a - b)^2 / sum b^2 ) over the common length.
double difference_db(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  double e = 0, s = 0;
  for (std::size_t i = 0; i < n; ++i) e += (a[i] - b[i]) * (a[i] - b[i]), s += b[i] * b[i];
  return 10 * std::log10(e / s);
}

std::vector<double> sox_16k(const std::filesystem::path& in, const gemma4::test::TempDir& tmp,
                            const std::string& extra = "") {
  const auto out = tmp / (in.stem().string() + ".sox16k.wav");
  const std::string cmd = "sox '" + in.string() + "' " + extra +
                          " -r 16000 -c 1 -e floating-point -b 32 '" + out.string() + "'";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0,
                  "sox failed (scripts/install-deps.sh installs it)");
  return gemma4::read_wav(out).to_mono();
}

struct Comparison {
  double wave_db = 0;   // ours vs sox, waveform
  double mel_max = 0;   // max |log-mel ours - sox| over valid frames, every bin
  double mel_mean = 0;  // mean of the same
};

Comparison compare_with_sox(const std::filesystem::path& wav, const gemma4::test::TempDir& tmp) {
  const gemma4::WavAudio a = gemma4::read_wav(wav);
  const std::vector<double> ours = gemma4::to_model_rate(a);
  const std::vector<double> sox = sox_16k(wav, tmp);
  CHECK(std::llabs(static_cast<long long>(ours.size()) - static_cast<long long>(sox.size())) <= 1);
  Comparison c;
  c.wave_db = difference_db(ours, sox);
  const std::size_t n = std::min(ours.size(), sox.size());
  const auto fo = gemma4::log_mel_features<double>(std::span<const double>(ours.data(), n));
  const auto fs = gemma4::log_mel_features<double>(std::span<const double>(sox.data(), n));
  const Eigen::Index v = fo.valid_frames();
  const auto d = (fo.input_features.topRows(v) - fs.input_features.topRows(v)).cwiseAbs();
  c.mel_max = d.maxCoeff();
  c.mel_mean = d.mean();
  return c;
}

}  // namespace

TEST_CASE("16 kHz passes through bit for bit; a refused rate is an error") {
  const std::vector<double> x = {0.1, -0.25, 0.5, 0.0, 1.0};
  CHECK(gemma4::resample(x, 16000, 16000) == x);
  gemma4::WavAudio a;
  a.sample_rate = 44100;
  a.channels = 1;
  a.samples = x;
  CHECK_THROWS_WITH_AS(gemma4::to_model_rate(a, 16000, gemma4::ResamplePolicy::Refuse),
                       doctest::Contains("44100 Hz"), gemma4::Error);
  a.sample_rate = 16000;
  CHECK(gemma4::to_model_rate(a, 16000, gemma4::ResamplePolicy::Refuse) == x);
  CHECK_THROWS_AS(gemma4::resample(x, 0, 16000), gemma4::Error);
}

TEST_CASE("a sine in the pass band comes out as the same sine; one above Nyquist vanishes") {
  // x[k] = sin(2 pi f k / 48000) resampled to 16 kHz must be sin(2 pi f n / 16000) (away from the
  // clip's edges, where the kernel runs off the zeros outside): the pass band is flat to a ripple
  // of about 10^(-120/20), and a 9 kHz tone lies in the stop band (8 kHz Nyquist) and is rejected.
  for (const int from : {48000, 44100, 22050, 8000}) {
    for (const double f : {440.0, 3000.0}) {
      if (f > 0.45 * from) continue;
      std::vector<double> x(static_cast<std::size_t>(from));  // 1 s
      for (std::size_t k = 0; k < x.size(); ++k)
        x[k] = std::sin(2 * std::numbers::pi * f * static_cast<double>(k) / from);
      const auto y = gemma4::resample(x, from, 16000);
      CHECK(y.size() == 16000);
      double err = 0;
      for (std::size_t n = 2000; n < 14000; ++n)
        err = std::max(err, std::abs(y[n] - std::sin(2 * std::numbers::pi * f * n / 16000.0)));
      INFO(from << " Hz, " << f << " Hz tone");
      CHECK(err < 1e-5);  // -100 dB
    }
  }
  std::vector<double> x(48000);
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] = std::sin(2 * std::numbers::pi * 9000.0 * static_cast<double>(k) / 48000);
  const auto y = gemma4::resample(x, 48000, 16000);
  double peak = 0;
  for (std::size_t n = 2000; n < 14000; ++n) peak = std::max(peak, std::abs(y[n]));
  CHECK(peak < 1e-5);
}

TEST_CASE("alsa-utils speech (48 kHz): our 16 kHz and sox's, waveforms and log-mel features") {
  const std::filesystem::path dir = "/usr/share/sounds/alsa";
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir),
                  "alsa-utils is missing: scripts/install-deps.sh");
  gemma4::test::TempDir tmp;
  int n = 0;
  double worst_db = -1e9, worst_mel = 0;
  for (const std::string name : {"Front_Center", "Front_Left", "Front_Right", "Rear_Center",
                                 "Rear_Left", "Rear_Right", "Side_Left", "Side_Right"}) {
    const auto wav = dir / (name + ".wav");
    REQUIRE(gemma4::read_wav(wav).sample_rate == 48000);
    const Comparison c = compare_with_sox(wav, tmp);
    MESSAGE(name << ": waveform " << c.wave_db << " dB; log-mel max " << c.mel_max << ", mean "
                 << c.mel_mean);
    worst_db = std::max(worst_db, c.wave_db);
    worst_mel = std::max(worst_mel, c.mel_max);
    ++n;
  }
  CHECK(n == 8);
  MESSAGE("worst: waveform " << worst_db << " dB, log-mel " << worst_mel);
  CHECK(worst_db < -50);  // measured -56.0 dB (Side_Left) .. -86.1 dB (Rear_Left)
  // measured 0.18, in the top bins 125-127 (7.6-8 kHz, the transition bands of the two filters);
  // bins below 110 (6.7 kHz) agree to 6e-4.
  CHECK(worst_mel < 0.3);
}

TEST_CASE("44.1 kHz (alsa speech converted by sox) and espeak-ng at its own rate") {
  gemma4::test::TempDir tmp;
  const auto w44 = tmp / "fc44.wav";
  REQUIRE(std::system(("sox /usr/share/sounds/alsa/Front_Center.wav -r 44100 -e floating-point "
                       "-b 32 '" +
                       w44.string() + "'")
                          .c_str()) == 0);
  const Comparison c44 = compare_with_sox(w44, tmp);
  MESSAGE("Front_Center at 44.1 kHz: waveform " << c44.wave_db << " dB; log-mel max " << c44.mel_max
                                                << ", mean " << c44.mel_mean);
  CHECK(c44.wave_db < -50);
  CHECK(c44.mel_max < 0.3);

  const auto speech = tmp / "espeak.wav";
  const std::string cmd = "espeak-ng -w '" + speech.string() +
                          "' 'The quick brown fox jumps over the lazy dog. Speech for the audio "
                          "tower, sampled at the rate of the synthesiser.'";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "espeak-ng is missing: scripts/install-deps.sh");
  const gemma4::WavAudio e = gemma4::read_wav(speech);
  CHECK(e.sample_rate != 16000);  // 22050 Hz
  const Comparison ce = compare_with_sox(speech, tmp);
  MESSAGE("espeak-ng at " << e.sample_rate << " Hz: waveform " << ce.wave_db << " dB; log-mel max "
                          << ce.mel_max << ", mean " << ce.mel_mean);
  CHECK(ce.wave_db < -40);
  CHECK(ce.mel_max < 1.0);
}
