// gemma4/audio/picture.hpp: the log-mel spectrogram as a picture, so a person can see what the
// audio encoder hears.
//
//   x: one column per mel frame (10 ms), `scale` pixels wide; a tick under every second
//   y: mel bin 0 (0 Hz) at the bottom, bin 127 (8 kHz) at the top, `scale` pixels per bin
//   colour: ln(mel + 1e-3) from ln(1e-3) = -6.9 (the floor: silence, dark blue) to the clip's
//           loudest value (yellow), through a fixed blue-purple-red-yellow scale, drawn as a bar
//           on the right with its two ends labelled by small ticks
//   frames the model does not see (padding, mask 0) are drawn in grey
//
//   gemma4::save_png(gemma4::log_mel_picture(f.log_mel, f.mask), "mel.png");
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "gemma4/core/number_traits.hpp"
#include "gemma4/vision/image.hpp"

namespace gemma4 {

namespace detail {
/// The colour of v in [0, 1]: piecewise linear through five anchors (dark blue, purple, red,
/// orange, light yellow), perceptually ordered so that louder is brighter.
inline std::array<std::uint8_t, 3> spectrogram_colour(double v) {
  static constexpr double anchors[5][3] = {
      {10, 10, 60}, {90, 20, 140}, {200, 40, 90}, {250, 140, 30}, {252, 250, 170}};
  v = std::clamp(v, 0.0, 1.0) * 4;
  const int i = std::min(static_cast<int>(v), 3);
  const double t = v - i;
  std::array<std::uint8_t, 3> c{};
  for (int k = 0; k < 3; ++k)
    c[static_cast<std::size_t>(k)] =
        static_cast<std::uint8_t>(std::lround(anchors[i][k] * (1 - t) + anchors[i + 1][k] * t));
  return c;
}
}  // namespace detail

/// The picture of log_mel [frames, bins] (mask [frames], 1 = valid), `scale` pixels per cell.
template <class C>
Image log_mel_picture(const RowMatrix<C>& log_mel, const std::vector<std::uint8_t>& mask,
                      int scale = 2, double floor = std::log(1e-3)) {
  const int frames = static_cast<int>(log_mel.rows()), bins = static_cast<int>(log_mel.cols());
  if (frames == 0 || bins == 0) detail::fail("log_mel_picture: no frames");
  const int bar = 24, tick = 6;  // colour bar on the right, second ticks below
  Image img;
  img.width = frames * scale + bar;
  img.height = bins * scale + tick;
  detail::check_image_size(img.height, img.width, "log_mel_picture");
  img.pixels.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3,
                    255);
  const double top = std::max(static_cast<double>(log_mel.maxCoeff()), floor + 1e-6);
  auto put = [&](int y, int x, std::array<std::uint8_t, 3> c) {
    for (int k = 0; k < 3; ++k) img.at(y, x, k) = c[static_cast<std::size_t>(k)];
  };
  for (int t = 0; t < frames; ++t)
    for (int b = 0; b < bins; ++b) {
      const double v = (static_cast<double>(log_mel(t, b)) - floor) / (top - floor);
      std::array<std::uint8_t, 3> c = detail::spectrogram_colour(v);
      if (static_cast<std::size_t>(t) < mask.size() && !mask[static_cast<std::size_t>(t)]) {
        const auto g = static_cast<std::uint8_t>((c[0] + c[1] + c[2]) / 6 + 60);  // grey
        c = {g, g, g};
      }
      for (int dy = 0; dy < scale; ++dy)
        for (int dx = 0; dx < scale; ++dx) put((bins - 1 - b) * scale + dy, t * scale + dx, c);
    }
  for (int y = 0; y < bins * scale; ++y) {  // the colour bar: floor at the bottom, top above
    const auto c = detail::spectrogram_colour(1.0 - static_cast<double>(y) / (bins * scale - 1));
    for (int x = frames * scale + 8; x < img.width; ++x) put(y, x, c);
  }
  for (int t = 0; t < frames; t += 100)  // one tick per second (100 frames)
    for (int y = bins * scale; y < img.height; ++y)
      for (int dx = 0; dx < std::max(1, scale); ++dx) put(y, t * scale + dx, {0, 0, 0});
  return img;
}

}  // namespace gemma4
