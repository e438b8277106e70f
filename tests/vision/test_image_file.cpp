// Tests of gemma4/vision/image_file.hpp and vision/image.hpp: decoding from memory and files,
// RGB conversion as HF's convert_rgb, and every bad input a gemma4::Error naming file or value.
// (The differential against Pillow on real photos is test_pillow_differential.cpp.)
#include <gemma4/vision/image_file.hpp>

#include <fstream>

#include "test_support.hpp"

using namespace gemma4;

namespace {

std::vector<std::uint8_t> encode(int format, const std::vector<std::uint8_t>& px, int w, int h,
                                 int comp) {
  std::vector<std::uint8_t> out;
  auto sink = [](void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
    const auto* p = static_cast<const std::uint8_t*>(data);
    for (int i = 0; i < size; ++i) v->push_back(p[i]);
  };
  namespace s = detail::stb;
  if (format == 0) s::stbi_write_png_to_func(sink, &out, w, h, comp, px.data(), w * comp);
  if (format == 1) s::stbi_write_bmp_to_func(sink, &out, w, h, comp, px.data());
  if (format == 2) s::stbi_write_tga_to_func(sink, &out, w, h, comp, px.data());
  if (format == 3) s::stbi_write_jpg_to_func(sink, &out, w, h, comp, px.data(), 100);
  return out;
}

std::vector<std::uint8_t> pattern(int w, int h, int comp) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w * h * comp));
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return px;
}

}  // namespace

TEST_CASE("gray, gray+alpha and RGBA become RGB as PIL's convert(\"RGB\"): replicate, drop alpha") {
  const std::vector<std::uint8_t> ga = {10, 200, 20, 0};  // two gray+alpha pixels
  const Image a = image_from_pixels(ga, 1, 2, 2);
  CHECK(a.pixels == std::vector<std::uint8_t>{10, 10, 10, 20, 20, 20});
  const std::vector<std::uint8_t> rgba = {1, 2, 3, 0, 4, 5, 6, 255};
  CHECK(image_from_pixels(rgba, 2, 1, 4).pixels == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6});
  CHECK(image_from_pixels(std::vector<std::uint8_t>{7}, 1, 1, 1).pixels ==
        std::vector<std::uint8_t>{7, 7, 7});
}

TEST_CASE("PNG, BMP, TGA (lossless) and JPEG decode from memory, in every channel count") {
  const int w = 13, h = 7;
  for (int comp : {1, 2, 3, 4}) {
    const auto px = pattern(w, h, comp);
    const Image want = image_from_pixels(px, h, w, comp);
    for (int format : {0, 1, 2}) {
      if (format == 1 && comp == 2) continue;  // stb writes gray+alpha BMP as RGB (lossy alpha)
      INFO("format " << format << ", " << comp << " channels");
      CHECK(decode_image(encode(format, px, w, h, comp)) == want);
    }
  }
  // JPEG at quality 100 of a smooth image: within a few levels.
  std::vector<std::uint8_t> smooth(64 * 48 * 3);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c)
        smooth[static_cast<std::size_t>((y * 64 + x) * 3 + c)] =
            static_cast<std::uint8_t>(2 * x + y + 30 * c);
  const Image j = decode_image(encode(3, smooth, 64, 48, 3));
  REQUIRE(j.width == 64);
  int max_diff = 0;
  for (std::size_t i = 0; i < smooth.size(); ++i)
    max_diff = std::max(max_diff, std::abs(int(j.pixels[i]) - int(smooth[i])));
  CHECK(max_diff <= 4);
}

TEST_CASE("PNM (P5 gray, P6 RGB) and GIF (first frame) decode from memory") {
  const std::string p6 = std::string("P6\n2 1\n255\n") + std::string("\x01\x02\x03\xfa\xfb\xfc", 6);
  CHECK(decode_image({reinterpret_cast<const std::uint8_t*>(p6.data()), p6.size()}).pixels ==
        std::vector<std::uint8_t>{1, 2, 3, 250, 251, 252});
  const std::string p5 = std::string("P5\n1 2\n255\n") + std::string("\x05\x09", 2);
  CHECK(decode_image({reinterpret_cast<const std::uint8_t*>(p5.data()), p5.size()}).pixels ==
        std::vector<std::uint8_t>{5, 5, 5, 9, 9, 9});
  // A 35-byte 1x1 GIF89a, palette (white, black), pixel index 0; Pillow 9.4 decodes it, converted
  // to RGB, as (255, 255, 255).
  const std::vector<std::uint8_t> gif = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01,
                                         0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00,
                                         0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                         0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
  CHECK(decode_image(gif).pixels == std::vector<std::uint8_t>{255, 255, 255});
  // The same with a graphic control extension making index 0 transparent: Pillow still says
  // (255, 255, 255) (convert("RGB") of a P image ignores transparency); stb returns the
  // transparent pixel as (0, 0, 0, 0), so we see black. A known difference, in the README.
  std::vector<std::uint8_t> transparent(gif.begin(), gif.begin() + 19);
  for (std::uint8_t b : {0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00}) transparent.push_back(b);
  transparent.insert(transparent.end(), gif.begin() + 19, gif.end());
  CHECK(decode_image(transparent).pixels == std::vector<std::uint8_t>{0, 0, 0});
}

TEST_CASE("files: load_image and save_png round-trip") {
  test::TempDir dir;
  const Image img = image_from_pixels(pattern(5, 4, 3), 4, 5, 3);
  save_png(img, dir / "a.png");
  CHECK(load_image(dir / "a.png") == img);
}

TEST_CASE("bad input: each a gemma4::Error naming the file or the value") {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
  };
  // Not an image.
  const auto text = write("notes.png", "this is not an image at all");
  CHECK_THROWS_WITH_AS(load_image(text), doctest::Contains("notes.png: not an image"), Error);
  CHECK_THROWS_WITH_AS(load_image(write("empty.jpg", "")), doctest::Contains("empty.jpg: empty"),
                       Error);
  CHECK_THROWS_WITH_AS(load_image(dir / "missing.png"),
                       doctest::Contains("missing.png: cannot open"), Error);
  // Truncated: the first half of a valid PNG.
  const auto png = encode(0, pattern(40, 30, 3), 40, 30, 3);
  const auto cut =
      write("cut.png", std::string(png.begin(), png.begin() + static_cast<long>(png.size() / 2)));
  CHECK_THROWS_WITH_AS(load_image(cut), doctest::Contains("cut.png: cannot decode"), Error);
  // Zero-size images.
  CHECK_THROWS_WITH_AS(image_from_pixels({}, 0, 5, 3), doctest::Contains("5x0"), Error);
  const std::string zero = "P6\n0 0\n255\n";
  CHECK_THROWS_AS(decode_image({reinterpret_cast<const std::uint8_t*>(zero.data()), zero.size()}),
                  Error);
  // Larger than the limit (32768 per side, 2^26 pixels): refused from the header, before decoding.
  const std::string wide = "P5\n40000 1\n255\n" + std::string(40000, '\x7f');
  CHECK_THROWS_WITH_AS(
      decode_image({reinterpret_cast<const std::uint8_t*>(wide.data()), wide.size()}, "wide.pgm"),
      doctest::Contains("wide.pgm: image of size 40000x1 (WxH) exceeds the limit"), Error);
  const std::string big = "P5\n9000 9000\n255\n";  // 81 M pixels > 2^26; no pixel data needed
  CHECK_THROWS_WITH_AS(
      decode_image({reinterpret_cast<const std::uint8_t*>(big.data()), big.size()}, "big.pgm"),
      doctest::Contains("exceeds the limit"), Error);
  // Wrong channel counts and sizes of caller pixels.
  CHECK_THROWS_WITH_AS(image_from_pixels(std::vector<std::uint8_t>(10), 1, 2, 5),
                       doctest::Contains("5 channels"), Error);
  CHECK_THROWS_WITH_AS(image_from_pixels(std::vector<std::uint8_t>(10), 1, 2, 3),
                       doctest::Contains("10 bytes"), Error);
}
