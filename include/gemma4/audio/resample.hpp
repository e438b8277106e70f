// gemma4/audio/resample.hpp: band-limited resampling to the model's 16 kHz (polyphase windowed
// sinc).
//
// HF's feature extractor rejects any rate but 16 kHz; its users resample upstream (librosa's
// default is soxr). This is a plain, readable resampler of the same kind as sox's `rate -h`:
//
//   fs_out / fs_in = L / M (reduced),  output sample n sits at input time tau_n = n M / L
//   y[n] = sum_k x[k] g(tau_n - k)                                       (x = 0 outside the clip)
//   g(t) = 2 fc sinc(2 fc t) w(t / H),  sinc(u) = sin(pi u) / (pi u)      t in input samples
//   w(r) = I0(beta sqrt(1 - r^2)) / I0(beta) for |r| < 1, else 0         Kaiser window
//
// Design (ResamplerOptions): a Kaiser-windowed sinc whose response follows sox's `rate -h`
// (the default of the sox the tests compare with): measured on white noise, sox -h 48 -> 16 kHz
// is flat to 7400 Hz, -3 dB at 7600 Hz (its "95 % band-width"), -25 dB at 7800 and -105 dB at
// 7990. We take the pass band to 91.5 % and the stop band from 100 % of the lower Nyquist
// frequency (no aliasing), so the cut-off fc, their middle, is 95.75 % of min(fs_in, fs_out) / 2
// (7660 Hz), in cycles per input sample; 120 dB stop-band rejection gives Kaiser
// beta = 0.1102 (120 - 8.7) = 12.27, and Kaiser's length formula N = (A - 7.95) / (2.285 dw) for
// the 8.5 % transition dw gives the half-width H (48 kHz -> 16 kHz: 551 taps). On the alsa-utils
// speech the output then differs from sox's by -60 to -86 dB (tests/audio/test_resample.cpp);
// below 7 kHz the two agree to about -137 dB. The phase is linear (symmetric kernel, no delay):
// sample 0 stays at time 0, as with sox.
//
// Polyphase: tau_n has only L distinct fractional parts p / L, so the kernel is tabulated once
// per phase ([L, 2H] values) and each output sample is one dot product with the input. When that
// table would exceed 4 M values (a rate coprime with 16000 far above it), the kernel is evaluated
// for each output sample instead (same numbers, slower).
//
// 16 kHz input is returned unchanged (bit for bit). to_model_rate() refuses other rates with a
// gemma4::Error when the caller asks it to (ResamplePolicy::Refuse), as HF does.
//
//   std::vector<double> x16 = gemma4::resample(x48, 48000, 16000);
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <span>
#include <vector>

#include "gemma4/audio/wav.hpp"
#include "gemma4/core/error.hpp"

namespace gemma4 {

/// The filter of resample(): see the header comment.
struct ResamplerOptions {
  double passband = 0.915;      // fraction of the lower Nyquist frequency kept flat
  double stopband = 1.0;        // fraction from which everything is rejected
  double rejection_db = 120.0;  // stop-band attenuation
};

namespace detail {

/// Modified Bessel function of the first kind, order 0 (power series; converges for all x).
inline double bessel_i0(double x) {
  double sum = 1, term = 1;
  const double q = x * x / 4;
  for (int k = 1; k < 200 && term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
  }
  return sum;
}

/// The windowed-sinc kernel g(t) of one design.
struct SincKernel {
  double fc = 0.5;  // cut-off, cycles per input sample
  double half = 1;  // H, input samples
  double beta = 0;  // Kaiser
  double i0_beta = 1;
  double operator()(double t) const {
    const double r = t / half;
    if (r <= -1 || r >= 1) return 0;
    const double u = 2 * fc * t;
    const double sinc = u == 0 ? 1.0 : std::sin(std::numbers::pi * u) / (std::numbers::pi * u);
    return 2 * fc * sinc * bessel_i0(beta * std::sqrt(1 - r * r)) / i0_beta;
  }
};

inline SincKernel design_kernel(int from, int to, const ResamplerOptions& o) {
  const double lower = std::min(from, to);
  const double nyq = lower / 2 / from;  // the lower Nyquist frequency, in cycles per input sample
  SincKernel k;
  k.fc = nyq * (o.passband + o.stopband) / 2;
  const double A = o.rejection_db;
  k.beta = A > 50 ? 0.1102 * (A - 8.7)
                  : (A >= 21 ? 0.5842 * std::pow(A - 21, 0.4) + 0.07886 * (A - 21) : 0);
  k.i0_beta = bessel_i0(k.beta);
  const double dw = 2 * std::numbers::pi * nyq * (o.stopband - o.passband);  // rad / input sample
  const double taps = (A - 7.95) / (2.285 * dw);
  k.half = std::max(2.0, std::ceil(taps / 2));
  return k;
}

}  // namespace detail

/// x at `from` Hz resampled to `to` Hz: ceil(N to / from) samples, as librosa.resample counts
/// them (sox rounds down: 22848 for Front_Center's 68545, we give 22849; both are 36 tokens).
/// `from == to` returns x.
inline std::vector<double> resample(std::span<const double> x, int from, int to,
                                    const ResamplerOptions& o = {}) {
  if (from <= 0 || to <= 0)
    detail::fail("resample: rates must be positive, got ", from, " -> ", to);
  if (from == to) return {x.begin(), x.end()};
  const std::int64_t g = std::gcd(from, to), L = to / g, M = from / g;
  const detail::SincKernel kernel = detail::design_kernel(from, to, o);
  const auto H = static_cast<std::int64_t>(kernel.half);
  const auto N = static_cast<std::int64_t>(x.size());
  const std::int64_t n_out = (N * L + M - 1) / M;
  std::vector<double> y(static_cast<std::size_t>(n_out));
  // Taps j = -H + 1 .. H around k_n = floor(tau_n): input k_n + j at distance frac - j.
  const std::int64_t width = 2 * H;
  const bool tabulate = L * width <= (std::int64_t{4} << 20);
  std::vector<double> table;
  if (tabulate) {
    table.resize(static_cast<std::size_t>(L * width));
    for (std::int64_t p = 0; p < L; ++p)
      for (std::int64_t j = -H + 1; j <= H; ++j)
        table[static_cast<std::size_t>(p * width + j + H - 1)] =
            kernel(static_cast<double>(p) / static_cast<double>(L) - static_cast<double>(j));
  }
  for (std::int64_t n = 0; n < n_out; ++n) {
    const std::int64_t k = n * M / L, p = n * M % L;  // tau_n = k + p / L
    const double frac = static_cast<double>(p) / static_cast<double>(L);
    double acc = 0;
    for (std::int64_t j = std::max(-H + 1, -k); j <= H && k + j < N; ++j) {
      const double w = tabulate ? table[static_cast<std::size_t>(p * width + j + H - 1)]
                                : kernel(frac - static_cast<double>(j));
      acc += w * x[static_cast<std::size_t>(k + j)];
    }
    y[static_cast<std::size_t>(n)] = acc;
  }
  return y;
}

/// Whether a clip at another rate may be resampled.
enum class ResamplePolicy { Resample, Refuse };

/// A decoded WAV as the model's mono input: channels averaged, then resampled to `rate`
/// (unless the policy refuses: then a rate other than `rate` is a gemma4::Error).
inline std::vector<double> to_model_rate(const WavAudio& a, int rate = 16000,
                                         ResamplePolicy policy = ResamplePolicy::Resample,
                                         const std::string& where = "audio") {
  if (a.sample_rate != rate && policy == ResamplePolicy::Refuse)
    detail::fail(where, ": sampled at ", a.sample_rate, " Hz; the model needs ", rate,
                 " Hz and resampling was refused");
  const std::vector<double> mono = a.to_mono();
  return resample(mono, a.sample_rate, rate);
}

}  // namespace gemma4
