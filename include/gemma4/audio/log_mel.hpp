// gemma4/audio/log_mel.hpp: 16 kHz waveform -> log-mel features (HF
// `Gemma4AudioFeatureExtractor`, spec audio.md §3).
//
//   x       = samples[: 480000]                      30 s cap (truncation)
//   x       = x ++ zeros to a multiple of 128        "longest" padding, pad_to_multiple_of 128
//   x       = zeros(160) ++ x                         semicausal: frame i is centred on sample 160
//   i frame_i = x[160 i : 160 i + 321][: 320]           321-sample windows, the last sample dropped
//                                                     F = (N_pad + 160 - 321) // 160 + 1 frames
//   X_i     = | rfft(frame_i * hann, n = 512) |       periodic Hann(320) = 0.5 - 0.5 cos(2 pi
//   n/320),
//                                                     zero-padded to 512: 257 magnitudes (power 1)
//   logmel  = ln(X @ M + 1e-3)                        M [257, 128]: HTK mel triangles, no norm
//   valid_i = 160 i + 160 < N                         the last sample of window i is real audio
//   features[i] = valid_i ? logmel[i] : 0
//
// The mel filterbank (HF audio_utils.mel_filter_bank, mel_scale "htk", norm None):
//   mel(f) = 2595 log10(1 + f / 700);  m_j = linspace(mel(0), mel(8000), 130);  f_j = mel^-1(m_j)
//   M[b, k] = max(0, min((phi_b - f_k) / (f_{k+1} - f_k), (f_{k+2} - phi_b) / (f_{k+2} - f_{k+1})))
//   phi_b = linspace(0, 8000, 257). Filter 0 is narrower than a bin and catches none: channel 0 is
//   always ln(1e-3).
//
// Number type: everything is computed in double and the result rounded to C. HF runs the window
// and the FFT in float32 (then the filterbank product and the log in float64); a float32 FFT moves
// the log of low-energy bins by up to 2.4e-5 on audio-tiny (measured), above the 1e-5 the
// fixtures hold float to, while double costs nothing that matters here. The FFT is Eigen's
// (unsupported/Eigen/FFT, kissfft), one real 512-point transform per frame: 3000 frames (30 s)
// take a few milliseconds (bench/bench_audio.cpp).
//
//   auto f = gemma4::log_mel_features<float>(std::span<const double>(mono16k));
//   // f.input_features [frames, 128], f.mask [frames]
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "gemma4/audio/config.hpp"
#include "gemma4/core/error.hpp"
#include "gemma4/core/number_traits.hpp"

namespace gemma4 {

/// The log-mel features of one clip, with the intermediates the golden fixtures name.
template <class C>
struct LogMelFeatures {
  RowMatrix<C> log_mel;            // [F, 128] before masking        (audio_log_mel)
  RowMatrix<C> input_features;     // [F, 128] invalid frames zeroed (input_features)
  std::vector<std::uint8_t> mask;  // [F] 1 = valid                  (input_features_mask)
  std::int64_t samples = 0;        // real samples used (after the 30 s cap)
  std::int64_t padded_length = 0;  // after right padding            (audio_padded_length)
  std::int64_t frames() const { return log_mel.rows(); }
  std::int64_t valid_frames() const {
    return std::count(mask.begin(), mask.end(), std::uint8_t{1});
  }
};

/// HTK mel of a frequency in Hz, and its inverse.
inline double hertz_to_mel_htk(double f) {
  return 2595.0 * std::log10(1.0 + f / 700.0);
}
inline double mel_to_hertz_htk(double m) {
  return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
}

/// The triangular HTK mel filterbank without area normalisation: [257, 128] for the defaults.
inline RowMatrix<double> mel_filter_bank(const AudioFeatureConfig& fc = {}) {
  const int bins = fc.num_frequency_bins(), mels = fc.feature_size;
  const double mel_lo = hertz_to_mel_htk(fc.min_frequency);
  const double mel_hi = hertz_to_mel_htk(fc.max_frequency);
  std::vector<double> f(static_cast<std::size_t>(mels + 2));  // 130 corner frequencies
  for (int j = 0; j < mels + 2; ++j)  // np.linspace(mel_lo, mel_hi, mels + 2)
    f[static_cast<std::size_t>(j)] =
        mel_to_hertz_htk(mel_lo + (mel_hi - mel_lo) * j / static_cast<double>(mels + 1));
  RowMatrix<double> M(bins, mels);
  const double nyquist = fc.sampling_rate / 2;  // HF: sampling_rate // 2
  for (int b = 0; b < bins; ++b) {
    const double phi = nyquist * b / static_cast<double>(bins - 1);  // np.linspace(0, 8000, 257)
    for (int k = 0; k < mels; ++k) {
      const auto K = static_cast<std::size_t>(k);
      const double down = (phi - f[K]) / (f[K + 1] - f[K]);
      const double up = (f[K + 2] - phi) / (f[K + 2] - f[K + 1]);
      M(b, k) = std::max(0.0, std::min(down, up));
    }
  }
  return M;
}

/// Periodic Hann window of length n: 0.5 - 0.5 cos(2 pi i / n), i = 0 .. n-1.
template <class C>
Vector<C> periodic_hann(int n) {
  Vector<C> w(n);
  for (int i = 0; i < n; ++i)
    w[i] = static_cast<C>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n));
  return w;
}

/// Log-mel features of `samples` (mono, at fc.sampling_rate, in [-1, 1]). `pad_to_length`, when
/// larger than the clip's own padded length, pads further (a batch is padded to its longest clip).
/// Throws gemma4::Error for an empty clip.
template <class C, class S>
LogMelFeatures<C> log_mel_features(std::span<const S> samples, const AudioFeatureConfig& fc = {},
                                   std::int64_t pad_to_length = 0) {
  if (samples.empty()) detail::fail("log_mel_features: the clip has zero samples");
  const std::int64_t hop = fc.hop_length, len = fc.frame_length, pad_left = len / 2;
  const std::int64_t N =
      std::min<std::int64_t>(static_cast<std::int64_t>(samples.size()), fc.max_length);
  const std::int64_t m = fc.pad_to_multiple_of;
  std::int64_t padded = (N + m - 1) / m * m;
  padded = std::max(padded, pad_to_length);

  // x: [pad_left + padded] = 160 zeros, the clip, zeros.
  std::vector<double> x(static_cast<std::size_t>(pad_left + padded), 0.0);
  for (std::int64_t i = 0; i < N; ++i)
    x[static_cast<std::size_t>(pad_left + i)] =
        static_cast<double>(samples[static_cast<std::size_t>(i)]);
  const std::int64_t window = len + 1;  // 321: HF unfolds one sample more than the frame
  const std::int64_t total = pad_left + padded;
  const std::int64_t F = total >= window ? (total - window) / hop + 1 : 0;

  LogMelFeatures<C> out;
  out.samples = N;
  out.padded_length = padded;
  const Vector<double> hann = periodic_hann<double>(static_cast<int>(len));
  const int nfft = fc.fft_length, bins = fc.num_frequency_bins();
  RowMatrix<double> magnitude(F, bins);  // |X| [F, 257]
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<double> frame(static_cast<std::size_t>(nfft), 0.0);
  std::vector<std::complex<double>> spectrum;
  for (std::int64_t i = 0; i < F; ++i) {
    for (std::int64_t j = 0; j < len; ++j)
      frame[static_cast<std::size_t>(j)] = x[static_cast<std::size_t>(i * hop + j)] * hann[j];
    fft.fwd(spectrum, frame);  // 257 bins of the zero-padded 512-point frame
    for (int b = 0; b < bins; ++b)
      magnitude(i, b) = std::abs(spectrum[static_cast<std::size_t>(b)]);
  }
  const RowMatrix<double> mel = magnitude * mel_filter_bank(fc);  // [F, 128]
  out.log_mel = (mel.array() + fc.mel_floor).log().matrix().template cast<C>();
  out.input_features = out.log_mel;
  out.mask.resize(static_cast<std::size_t>(F));
  for (std::int64_t i = 0; i < F; ++i) {
    const bool valid = i * hop + len < N + pad_left;  // last window sample (pad coords) is real
    out.mask[static_cast<std::size_t>(i)] = valid ? 1 : 0;
    if (!valid) out.input_features.row(i).setZero();
  }
  return out;
}

}  // namespace gemma4
