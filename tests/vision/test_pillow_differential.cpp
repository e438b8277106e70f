// Differential test of gemma4/vision/resize.hpp (Pillow path) and vision/image_file.hpp (stb)
// against Pillow 9.4 on real photos: every PNG and JPEG of Debian python3-skimage's data/ folder
// (RGB, RGBA, gray, palette, 1-bit), at every budget 70..1120.
//
// The Pillow side is written by tests/vision/prepare_pillow.sh (the ctest fixture
// `pillow_fixture`) into $GEMMA4_PILLOW_DIR: Pillow's decoded RGB (convert("RGB"), as HF's
// convert_rgb) and Image.resize((Wt, Ht), BICUBIC) for each budget, plus a manifest.
//   PNG:  stb's decode must equal Pillow's, and our resize of it must equal Pillow's, bit for bit.
//   JPEG: stb is not libjpeg-turbo; how far the decoders land apart is reported (MESSAGE), and
//         the resize is checked bit for bit on Pillow's decoded pixels.
#include <gemma4/vision/image_file.hpp>
#include <gemma4/vision/image_processor.hpp>
#include <gemma4/vision/resize.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "test_support.hpp"

using namespace gemma4;

namespace {

const std::filesystem::path kPhotos = "/usr/lib/python3/dist-packages/skimage/data";

std::filesystem::path pillow_dir() {
  const char* d = std::getenv("GEMMA4_PILLOW_DIR");
  REQUIRE_MESSAGE(d != nullptr,
                  "GEMMA4_PILLOW_DIR is not set: run through ctest (fixture pillow_fixture) or "
                  "tests/vision/prepare_pillow.sh DIR first");
  return d;
}

struct Case {
  std::string file, mode;
  int budget = 0, height = 0, width = 0, target_height = 0, target_width = 0;
  bool resized = false;
};

std::vector<Case> manifest() {
  std::ifstream in(pillow_dir() / "manifest.txt");
  REQUIRE(in);
  std::vector<Case> out;
  Case c;
  int resized = 0;
  while (in >> c.file >> c.budget >> c.height >> c.width >> c.target_height >> c.target_width >>
         resized >> c.mode) {
    c.resized = resized != 0;
    out.push_back(c);
  }
  return out;
}

/// (max |a - b|, fraction of values that differ).
std::pair<int, double> difference(const Image& a, const Image& b) {
  int max_diff = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    max_diff = std::max(max_diff, d);
    n += d != 0;
  }
  return {max_diff, double(n) / double(a.pixels.size())};
}

}  // namespace

TEST_CASE("Pillow differential: decode and resize of every skimage photo at every budget") {
  const auto cases = manifest();
  REQUIRE(cases.size() >= 5 * 20);  // 30+ photos x 5 budgets
  std::map<std::string, Image> ours, theirs;
  int png_resizes = 0, jpeg_resizes = 0;
  for (const Case& c : cases) {
    INFO(c.file << " (" << c.mode << ") at budget " << c.budget);
    if (!ours.count(c.file)) {
      ours[c.file] = load_image(kPhotos / c.file);
      theirs[c.file] = load_image(pillow_dir() / (c.file + ".decoded.png"));
      const Image &a = ours[c.file], &b = theirs[c.file];
      REQUIRE(a.height == b.height);
      REQUIRE(a.width == b.width);
      if (c.file.ends_with(".png")) {
        CHECK(a == b);  // stb and Pillow agree on PNG (palette, alpha, 1-bit, gray included)
      } else {
        const auto diff1 = difference(a, b);
        const int max_diff = diff1.first;
        const double frac =
            diff1.second;  // (no structured binding: clang 14 cannot capture it in INFO)
        MESSAGE("JPEG decode " << c.file << " " << a.width << "x" << a.height << ": stb vs Pillow "
                               << "(libjpeg-turbo) max |diff| " << max_diff << " levels, "
                               << 100 * frac << " % of values differ");
      }
    }
    CHECK(target_size_for_budget(c.height, c.width, c.budget) ==
          TargetSize{c.target_height, c.target_width});
    if (!c.resized) continue;
    const Image& input = c.file.ends_with(".png") ? ours[c.file] : theirs[c.file];
    const Image mine = resize_pillow(input, c.target_height, c.target_width);
    const Image pil = load_image(pillow_dir() / (c.file + "." + std::to_string(c.budget) + ".png"));
    const auto diff2 = difference(mine, pil);
    const int max_diff = diff2.first;
    const double frac =
        diff2.second;  // (no structured binding: clang 14 cannot capture it in INFO)
    INFO("resize to " << c.target_width << "x" << c.target_height << ": max |diff| " << max_diff
                      << ", " << 100 * frac << " % differ");
    CHECK(mine == pil);
    (c.file.ends_with(".png") ? png_resizes : jpeg_resizes)++;
  }
  MESSAGE("bit-exact Pillow resizes: " << png_resizes << " from PNG photos, " << jpeg_resizes
                                       << " from Pillow-decoded JPEGs");
  CHECK(png_resizes >= 100);
  CHECK(jpeg_resizes >= 10);
}

TEST_CASE("Pillow differential: the float path is not the Pillow path (and stays near it)") {
  // Measured on astronaut.png at budget 280 (768x768): the spec's point that the two HF resizes
  // differ by more than one level; the float path is still a resize of the same image.
  const Image img = load_image(kPhotos / "astronaut.png");
  const TargetSize t = target_size_for_budget(img.height, img.width, 280);
  CHECK(t == TargetSize{768, 768});
  const Image p = resize_pillow(img, t.height, t.width);
  const Image f = resize_torch_float(img, t.height, t.width);
  const auto diff3 = difference(p, f);
  const int max_diff = diff3.first;
  const double frac = diff3.second;  // (no structured binding: clang 14 cannot capture it in INFO)
  MESSAGE("astronaut 768x768: Pillow vs torch float path max |diff| " << max_diff << ", "
                                                                      << 100 * frac << " % differ");
  CHECK(max_diff > 1);
  CHECK(max_diff < 32);
}

TEST_CASE("Pillow differential: GIF, BMP, TGA, PPM, PGM and JPEG written by Pillow") {
  std::ifstream in(pillow_dir() / "formats.txt");
  REQUIRE(in);
  int lossless = 0;
  for (std::string ext; in >> ext;) {
    INFO("format " << ext);
    const Image ours = load_image(pillow_dir() / ("format." + ext));
    const Image pil = load_image(pillow_dir() / ("format." + ext + ".decoded.png"));
    REQUIRE(ours.height == pil.height);
    REQUIRE(ours.width == pil.width);
    if (ext == "jpg") {
      const auto diff4 = difference(ours, pil);
      const int max_diff = diff4.first;
      const double frac =
          diff4.second;  // (no structured binding: clang 14 cannot capture it in INFO)
      MESSAGE("JPEG written by Pillow: stb vs Pillow max |diff| " << max_diff << ", " << 100 * frac
                                                                  << " % differ");
      CHECK(max_diff <= 8);
    } else {
      CHECK(ours == pil);
      ++lossless;
    }
  }
  CHECK(lossless == 5);
}
