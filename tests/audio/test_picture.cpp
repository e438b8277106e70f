// tests/audio/test_picture.cpp: the spectrogram picture's geometry and colour scale.
#include <doctest/doctest.h>

#include <cmath>

#include <gemma4/audio/picture.hpp>

TEST_CASE(
    "time across, bin 0 at the bottom, the floor dark, the loudest cell bright, padding grey") {
  gemma4::RowMatrix<float> m = gemma4::RowMatrix<float>::Constant(150, 128, std::log(1e-3f));
  m(10, 0) = 2.0f;  // the loudest cell: frame 10, lowest bin
  std::vector<std::uint8_t> mask(150, 1);
  mask[149] = 0;
  const gemma4::Image img = gemma4::log_mel_picture(m, mask, 2);
  CHECK(img.width == 150 * 2 + 24);
  CHECK(img.height == 128 * 2 + 6);
  const auto top = gemma4::detail::spectrogram_colour(1.0);
  const auto floor = gemma4::detail::spectrogram_colour(0.0);
  // Frame 10 = columns 20, 21; bin 0 = rows 254, 255 (the last two above the tick strip).
  for (int k = 0; k < 3; ++k) {
    CHECK(img.at(255, 20, k) == top[static_cast<std::size_t>(k)]);
    CHECK(img.at(0, 20, k) == floor[static_cast<std::size_t>(k)]);  // bin 127 of frame 10
  }
  // A masked frame is grey (equal channels).
  CHECK(img.at(100, 298, 0) == img.at(100, 298, 1));
  CHECK(img.at(100, 298, 1) == img.at(100, 298, 2));
  // The scale runs from dark to bright: brightness increases monotonically.
  int last = -1;
  for (int i = 0; i <= 10; ++i) {
    const auto c = gemma4::detail::spectrogram_colour(i / 10.0);
    const int b = c[0] + c[1] + c[2];
    CHECK(b > last);
    last = b;
  }
  CHECK_THROWS_AS(gemma4::log_mel_picture(gemma4::RowMatrix<float>(0, 128), {}), gemma4::Error);
}
