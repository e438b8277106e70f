// gemma4/vision/image_file.hpp: decoding image files (stb_image) and writing PNGs
// (stb_image_write), both from Debian's libstb-dev (<stb/stb_image.h>, <stb/stb_image_write.h>).
//
//   gemma4::Image img = gemma4::load_image("photo.jpg");            // RGB uint8 [H, W, 3]
//   gemma4::Image same = gemma4::decode_image(bytes, "photo.jpg");   // from memory
//   gemma4::save_png(img, "out.png");
//
// Formats: PNG (8 and 16 bit, palette, gray, alpha), JPEG (baseline and progressive), BMP, GIF
// (first frame), TGA, PSD (composited image), PNM (PPM/PGM). 16-bit samples keep their high byte.
// Channels become RGB as in vision/image.hpp (HF convert_rgb: alpha dropped, gray replicated).
// Not done, unlike HF's `load_image`: EXIF orientation (PIL's exif_transpose) is not applied.
// JPEG: stb's decoder is not libjpeg-turbo (what Pillow uses); pixels can differ by a few levels
// (measured in tests/vision/test_pillow_differential.cpp, reported in the README).
//
// Errors (gemma4::Error naming the file): not an image / unknown format, truncated or corrupt
// data, zero-size images, images beyond the limits of vision/image.hpp (checked from the header,
// before the pixels are decoded).
//
// How this stays header-only across translation units (ODR): stb's implementation is compiled in
// every TU that includes this header, with STB_IMAGE_STATIC / STB_IMAGE_WRITE_STATIC, so each TU
// gets its own copies with internal linkage, wrapped in namespace gemma4::detail::stb so they can
// never collide with a user's own stb. The functions below that call them are `static inline`
// (internal linkage too): an inline function with external linkage that calls a TU-local function
// would have different definitions in different TUs, which the ODR forbids.
#pragma once

// Headers stb includes, included here first so that their include guards keep them out of the
// namespace below.
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "gemma4/vision/image.hpp"

#pragma push_macro("STBI_INCLUDE_STB_IMAGE_H")
#pragma push_macro("INCLUDE_STB_IMAGE_WRITE_H")
#undef STBI_INCLUDE_STB_IMAGE_H
#undef INCLUDE_STB_IMAGE_WRITE_H
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wshadow"
namespace gemma4::detail::stb {
#define STBI_ASSERT(x) assert(x)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR     // Radiance .hdr and float loading: not an 8-bit image format
#define STBI_NO_PIC     // Softimage PIC: not asked for
#define STBI_NO_LINEAR  // no float API
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
#undef STB_IMAGE_STATIC
#define STBIW_ASSERT(x) assert(x)
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#undef STB_IMAGE_WRITE_STATIC
}  // namespace gemma4::detail::stb
#pragma GCC diagnostic pop
#pragma pop_macro("INCLUDE_STB_IMAGE_WRITE_H")
#pragma pop_macro("STBI_INCLUDE_STB_IMAGE_H")

namespace gemma4 {

/// Decodes an encoded image (PNG, JPEG, BMP, GIF, TGA, PSD, PNM) to RGB. `name` names the source
/// in errors.
static inline Image decode_image(std::span<const std::uint8_t> bytes,
                                 const std::string& name = "image") {
  namespace s = detail::stb;
  if (bytes.empty()) detail::fail(name, ": empty file, not an image");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    detail::fail(name, ": ", bytes.size(), " bytes is too large an encoded image");
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  if (!s::stbi_info_from_memory(bytes.data(), len, &w, &h, &channels))
    detail::fail(name,
                 ": not an image in a supported format (PNG, JPEG, BMP, GIF, TGA, PSD, PNM): ",
                 s::stbi_failure_reason());
  detail::check_image_size(h, w, name);
  unsigned char* data = s::stbi_load_from_memory(bytes.data(), len, &w, &h, &channels, 0);
  if (!data)
    detail::fail(name,
                 ": cannot decode the image (truncated or corrupt?): ", s::stbi_failure_reason());
  struct Free {
    unsigned char* p;
    ~Free() { detail::stb::stbi_image_free(p); }
  } keep{data};
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) *
                        static_cast<std::size_t>(channels);
  return image_from_pixels({data, n}, h, w, channels, name);
}

/// Reads and decodes an image file to RGB.
static inline Image load_image(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) detail::fail(file.string(), ": cannot open image file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  return decode_image(bytes, file.string());
}

/// Writes an RGB image as PNG.
static inline void save_png(const Image& img, const std::filesystem::path& file) {
  detail::check_image_size(img.height, img.width, file.string());
  if (!detail::stb::stbi_write_png(file.string().c_str(), img.width, img.height, 3,
                                   img.pixels.data(), img.width * 3))
    detail::fail(file.string(), ": cannot write PNG");
}

}  // namespace gemma4
