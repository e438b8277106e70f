// gemma4/vision/image.hpp: an RGB image in memory, the input of the image processor.
//
//   Image  height x width x 3 uint8, row-major, channel fastest: pixels[(y * W + x) * 3 + c]
//
// Everything is converted to RGB the way Hugging Face's `convert_rgb` does it (image_transforms
// `convert_to_rgb`: PIL `image.convert("RGB")` for every mode but RGB), which means:
//   gray        -> (g, g, g)
//   gray+alpha  -> (g, g, g), alpha dropped
//   RGBA        -> (r, g, b), alpha dropped (NOT composited on a background)
// A caller that already has pixels builds an Image with image_from_pixels(); files and encoded
// bytes go through vision/image_file.hpp.
//
// Limits (checked by image_from_pixels and by the decoders, before any pixel is allocated):
// both sides at least 1 and at most kMaxImageSide = 32768, and at most kMaxImagePixels =
// 2^26 = 67 108 864 pixels (8192 x 8192, 192 MiB as RGB). Larger inputs are a gemma4::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gemma4/core/error.hpp"

namespace gemma4 {

inline constexpr std::int64_t kMaxImageSide = 32768;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;

/// An RGB uint8 image [height, width, 3].
struct Image {
  int height = 0;
  int width = 0;
  std::vector<std::uint8_t> pixels;  // [H, W, 3]

  std::uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                   static_cast<std::size_t>(x)) *
                      3 +
                  static_cast<std::size_t>(c)];
  }
  std::uint8_t& at(int y, int x, int c) {
    return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                   static_cast<std::size_t>(x)) *
                      3 +
                  static_cast<std::size_t>(c)];
  }
  friend bool operator==(const Image&, const Image&) = default;
};

namespace detail {

/// Throws unless a height x width image is within the limits; `what` names the source.
inline void check_image_size(std::int64_t height, std::int64_t width, std::string_view what) {
  if (height <= 0 || width <= 0)
    fail(what, ": image of size ", width, "x", height, " (WxH) has no pixels");
  if (height > kMaxImageSide || width > kMaxImageSide || height * width > kMaxImagePixels)
    fail(what, ": image of size ", width, "x", height, " (WxH) exceeds the limit of ",
         kMaxImageSide, " pixels per side and ", kMaxImagePixels, " pixels in all");
}

}  // namespace detail

/// An Image from interleaved uint8 pixels with 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)
/// channels, converted to RGB as HF's convert_rgb does (alpha dropped, gray replicated).
///
///   std::vector<std::uint8_t> gray(64 * 96, 128);
///   gemma4::Image img = gemma4::image_from_pixels(gray, 64, 96, 1);   // 96x64, all (128,128,128)
inline Image image_from_pixels(std::span<const std::uint8_t> data, int height, int width,
                               int channels, std::string_view what = "image") {
  detail::check_image_size(height, width, what);
  if (channels < 1 || channels > 4)
    detail::fail(what, ": ", channels, " channels per pixel (expected 1, 2, 3 or 4)");
  const std::size_t n = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  if (data.size() != n * static_cast<std::size_t>(channels))
    detail::fail(what, ": ", data.size(), " bytes for a ", width, "x", height, "x", channels,
                 " image (expected ", n * static_cast<std::size_t>(channels), ")");
  Image img{height, width, std::vector<std::uint8_t>(n * 3)};
  const auto ch = static_cast<std::size_t>(channels);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = data.data() + i * ch;
    std::uint8_t* q = img.pixels.data() + i * 3;
    if (channels <= 2) {
      q[0] = q[1] = q[2] = p[0];  // gray (+ alpha, dropped)
    } else {
      q[0] = p[0], q[1] = p[1], q[2] = p[2];  // RGB (+ alpha, dropped)
    }
  }
  return img;
}

}  // namespace gemma4
