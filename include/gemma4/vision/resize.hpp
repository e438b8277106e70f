// gemma4/vision/resize.hpp: the antialiased bicubic resize of the image processor, in the two
// forms Hugging Face computes it (spec vision.md §3.2).
//
// Weights (identical in both; Pillow `precompute_coeffs`, torch `_upsample_bicubic2d_aa`), per
// axis with n_in input and n_out output samples:
//
//   s        = n_in / n_out                      (> 1 shrinks, < 1 enlarges)
//   support  = 2 s  if s >= 1 else 2             (the filter widens when shrinking: antialias)
//   invscale = 1/s  if s >= 1 else 1
//   center_i = s (i + 0.5)
//   taps j in [xmin, xmax): xmin = max(trunc(center - support + 0.5), 0),
//                           xmax = min(trunc(center + support + 0.5), n_in)
//   w_ij     = cubic((j - center_i + 0.5) invscale) / sum_j cubic(...)   (taps outside dropped)
//   cubic(x) = 1.5|x|^3 - 2.5|x|^2 + 1            |x| < 1        (a = -0.5)
//              -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2    1 <= |x| < 2
//
// Separable: the horizontal pass (along W) first, then the vertical one (along H).
//
//   ResizeKernel::Pillow      Pillow's 8-bit path (`ImagingResampleHorizontal_8bpc` / `Vertical`):
//                             weights in fixed point, w * 2^22 rounded half away from zero; each
//                             pass accumulates in int32 from 2^21 (so >> 22 rounds half up),
//                             clamps to [0, 255] and stores uint8, so the vertical pass reads
//                             rounded values. A pass whose size does not change is skipped.
//                             What HF computes on a CPU (its PIL back-end calls Image.resize; the
//                             torchvision back-end's uint8 CPU kernel is ported from Pillow).
//                             Bit-exact against Pillow 9.4 (tests/vision/test_pillow_differential).
//   ResizeKernel::TorchFloat  torch's float path (a GPU): both passes in floating point (double
//                             here), one rounding at the end: clamp to [0, 255], round half to
//                             even. The model goldens start from this one. Within +-1 of torch.
//
// The two differ by up to ~15 levels on photos (spec §3.2); neither is "wrong".
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "gemma4/vision/image.hpp"

namespace gemma4 {

enum class ResizeKernel : std::uint8_t { Pillow, TorchFloat };

/// The normalised filter taps of one axis: output i reads input [xmin[i], xmin[i] + count[i]).
struct ResizeTaps {
  int n_in = 0, n_out = 0, ksize = 0;  // ksize: the longest tap list (row stride of weights)
  std::vector<int> xmin, count;        // [n_out]
  std::vector<double> weights;         // [n_out, ksize], normalised to sum 1 per row

  /// The taps as a dense interpolation matrix [n_out, n_in] (golden image_resize_matrix_h/_w).
  Eigen::MatrixXd matrix() const {
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n_out, n_in);
    for (int i = 0; i < n_out; ++i)
      for (int t = 0; t < count[static_cast<std::size_t>(i)]; ++t)
        m(i, xmin[static_cast<std::size_t>(i)] + t) =
            weights[static_cast<std::size_t>(i * ksize + t)];
    return m;
  }
};

/// The bicubic kernel with a = -0.5 (Pillow `bicubic_filter`, torch aa `cubic`).
constexpr double bicubic_aa_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/// The taps that resample n_in samples to n_out (both >= 1).
inline ResizeTaps bicubic_aa_taps(int n_in, int n_out) {
  ResizeTaps t;
  t.n_in = n_in, t.n_out = n_out;
  const double scale = static_cast<double>(n_in) / n_out;
  const double filterscale = std::max(scale, 1.0);
  const double support = 2.0 * filterscale;
  const double ss = 1.0 / filterscale;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.xmin.resize(static_cast<std::size_t>(n_out));
  t.count.resize(static_cast<std::size_t>(n_out));
  t.weights.assign(static_cast<std::size_t>(n_out) * static_cast<std::size_t>(t.ksize), 0.0);
  for (int i = 0; i < n_out; ++i) {
    const double center = (i + 0.5) * scale;
    // C's truncating int conversion, as both implementations do (not floor: -0.7 -> 0).
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), n_in);
    double* w = &t.weights[static_cast<std::size_t>(i * t.ksize)];
    double total = 0;
    for (int x = 0; x < xmax - xmin; ++x)
      total += (w[x] = bicubic_aa_filter((x + xmin - center + 0.5) * ss));
    if (total != 0)
      for (int x = 0; x < xmax - xmin; ++x) w[x] /= total;
    t.xmin[static_cast<std::size_t>(i)] = xmin;
    t.count[static_cast<std::size_t>(i)] = xmax - xmin;
  }
  return t;
}

namespace detail {

/// Pillow `normalize_coeffs_8bpc`: weights in fixed point with 22 fractional bits.
inline constexpr int kPillowPrecisionBits = 32 - 8 - 2;

inline std::vector<std::int32_t> pillow_fixed_weights(const ResizeTaps& t) {
  std::vector<std::int32_t> k(t.weights.size());
  for (std::size_t i = 0; i < k.size(); ++i) {
    const double v = t.weights[i] * (1 << kPillowPrecisionBits);
    k[i] = static_cast<std::int32_t>(v < 0 ? v - 0.5 : v + 0.5);  // truncation toward zero
  }
  return k;
}

inline std::uint8_t pillow_clip8(std::int32_t acc) {
  const std::int32_t v = acc >> kPillowPrecisionBits;  // arithmetic shift (C++20)
  return static_cast<std::uint8_t>(std::clamp(v, 0, 255));
}

/// One Pillow 8-bit pass along the axis `horizontal` names (W when true, H otherwise).
inline Image pillow_pass(const Image& in, int n_out, bool horizontal) {
  const ResizeTaps t = bicubic_aa_taps(horizontal ? in.width : in.height, n_out);
  const std::vector<std::int32_t> k = pillow_fixed_weights(t);
  Image out{horizontal ? in.height : n_out, horizontal ? n_out : in.width, {}};
  out.pixels.resize(static_cast<std::size_t>(out.height) * static_cast<std::size_t>(out.width) * 3);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const int i = horizontal ? x : y;
      const std::int32_t* w = &k[static_cast<std::size_t>(i * t.ksize)];
      const int x0 = t.xmin[static_cast<std::size_t>(i)], n = t.count[static_cast<std::size_t>(i)];
      for (int c = 0; c < 3; ++c) {
        std::int32_t acc = 1 << (kPillowPrecisionBits - 1);  // + 0.5: round half up
        for (int j = 0; j < n; ++j)
          acc += (horizontal ? in.at(y, x0 + j, c) : in.at(x0 + j, x, c)) * w[j];
        out.at(y, x, c) = pillow_clip8(acc);
      }
    }
  return out;
}

}  // namespace detail

/// Pillow's `Image.resize((width, height), BICUBIC)` of an RGB image, bit for bit.
inline Image resize_pillow(const Image& in, int height, int width) {
  detail::check_image_size(height, width, "resize target");
  Image out = in.width == width ? in : detail::pillow_pass(in, width, /*horizontal=*/true);
  if (out.height != height) out = detail::pillow_pass(out, height, /*horizontal=*/false);
  return out;
}

/// torch's float-path antialiased bicubic resize (computed in double, rounded once).
inline Image resize_torch_float(const Image& in, int height, int width) {
  detail::check_image_size(height, width, "resize target");
  const ResizeTaps th = bicubic_aa_taps(in.width, width);    // horizontal
  const ResizeTaps tv = bicubic_aa_taps(in.height, height);  // vertical
  // Horizontal pass: [H_in, W_out, 3] in double.
  std::vector<double> tmp(static_cast<std::size_t>(in.height) * static_cast<std::size_t>(width) *
                          3);
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < width; ++x) {
      const double* w = &th.weights[static_cast<std::size_t>(x * th.ksize)];
      const int x0 = th.xmin[static_cast<std::size_t>(x)],
                n = th.count[static_cast<std::size_t>(x)];
      for (int c = 0; c < 3; ++c) {
        double acc = 0;
        for (int j = 0; j < n; ++j) acc += w[j] * in.at(y, x0 + j, c);
        tmp[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
             static_cast<std::size_t>(x)) *
                3 +
            static_cast<std::size_t>(c)] = acc;
      }
    }
  Image out{height, width,
            std::vector<std::uint8_t>(static_cast<std::size_t>(height) *
                                      static_cast<std::size_t>(width) * 3)};
  for (int y = 0; y < height; ++y) {
    const double* w = &tv.weights[static_cast<std::size_t>(y * tv.ksize)];
    const int y0 = tv.xmin[static_cast<std::size_t>(y)], n = tv.count[static_cast<std::size_t>(y)];
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        double acc = 0;
        for (int j = 0; j < n; ++j)
          acc += w[j] * tmp[(static_cast<std::size_t>(y0 + j) * static_cast<std::size_t>(width) +
                             static_cast<std::size_t>(x)) *
                                3 +
                            static_cast<std::size_t>(c)];
        out.at(y, x, c) = static_cast<std::uint8_t>(std::nearbyint(std::clamp(acc, 0.0, 255.0)));
      }
  }
  return out;
}

/// The resize of `kernel` (Pillow by default: what HF computes on a CPU).
inline Image resize_image(const Image& in, int height, int width,
                          ResizeKernel kernel = ResizeKernel::Pillow) {
  return kernel == ResizeKernel::Pillow ? resize_pillow(in, height, width)
                                        : resize_torch_float(in, height, width);
}

}  // namespace gemma4
