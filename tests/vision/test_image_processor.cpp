// Tests of gemma4/vision/image_processor.hpp: budgets, target sizes (the golden resize_cases
// table and every cell of variants.md §7), patch order, positions and padding.
#include <gemma4/io/safetensors.hpp>
#include <gemma4/vision/image_processor.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("budgets: HF's five are allowed, others only when unchecked") {
  for (int s : kSoftTokenBudgets) CHECK_NOTHROW(check_budget(s));
  for (int s : {0, 7, 69, 100, 281, 2240}) {
    INFO("budget " << s);
    const std::string value = std::to_string(s);
    CHECK_THROWS_WITH_AS(check_budget(s), doctest::Contains(value.c_str()), Error);
  }
  CHECK_NOTHROW(check_budget(7, /*unchecked=*/true));
  CHECK_THROWS_AS(check_budget(0, true), Error);
  ImageProcessorOptions o;
  o.max_soft_tokens = 100;
  const Image img = image_from_pixels(std::vector<std::uint8_t>(48 * 48 * 3), 48, 48, 3);
  CHECK_THROWS_WITH_AS(preprocess_image<float>(img, o), doctest::Contains("100"), Error);
}

TEST_CASE("target sizes: every resize_cases row of the vision-tiny golden") {
  const SafetensorsFile g(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "vision-tiny" /
                          "golden.safetensors");
  const auto v = g.read<std::int64_t>("resize_cases");  // (budget, H, W, Ht, Wt)
  REQUIRE(v.size() == 70 * 5);
  for (std::size_t r = 0; r < v.size(); r += 5) {
    INFO("budget " << v[r] << ", H x W " << v[r + 1] << " x " << v[r + 2]);
    CHECK(target_size_for_budget(v[r + 1], v[r + 2], static_cast<int>(v[r])) ==
          TargetSize{static_cast<int>(v[r + 3]), static_cast<int>(v[r + 4])});
  }
}

TEST_CASE("target sizes: every cell of variants.md §7 (sizes W x H, tokens)") {
  struct Cell {
    int w, h;  // input W x H
    int budget, tw, th, tokens;
  };
  // Columns: square, 16:9 1920x1080, 4:3 640x480, 3:4 480x640, 451x300, 4000x300, 2000x50.
  const Cell cells[] = {
      {512, 512, 70, 384, 384, 64},       {1920, 1080, 70, 528, 288, 66},
      {640, 480, 70, 432, 336, 63},       {480, 640, 70, 336, 432, 63},
      {451, 300, 70, 480, 288, 60},       {4000, 300, 70, 1440, 96, 60},
      {2000, 50, 70, 2496, 48, 52},       {512, 512, 140, 528, 528, 121},
      {1920, 1080, 140, 720, 384, 120},   {640, 480, 140, 624, 480, 130},
      {480, 640, 140, 480, 624, 130},     {451, 300, 140, 672, 432, 126},
      {4000, 300, 140, 2064, 144, 129},   {2000, 50, 140, 3552, 48, 74},
      {512, 512, 280, 768, 768, 256},     {1920, 1080, 280, 1056, 576, 264},
      {640, 480, 280, 912, 672, 266},     {480, 640, 280, 672, 912, 266},
      {451, 300, 280, 960, 624, 260},     {4000, 300, 280, 2928, 192, 244},
      {2000, 50, 280, 5040, 96, 210},     {512, 512, 560, 1104, 1104, 529},
      {1920, 1080, 560, 1488, 816, 527},  {640, 480, 560, 1296, 960, 540},
      {480, 640, 560, 960, 1296, 540},    {451, 300, 560, 1392, 912, 551},
      {4000, 300, 560, 4128, 288, 516},   {2000, 50, 560, 7152, 144, 447},
      {512, 512, 1120, 1584, 1584, 1089}, {1920, 1080, 1120, 2112, 1200, 1100},
      {640, 480, 1120, 1824, 1344, 1064}, {480, 640, 1120, 1344, 1824, 1064},
      {451, 300, 1120, 1968, 1296, 1107}, {4000, 300, 1120, 5856, 432, 1098},
      {2000, 50, 1120, 10128, 240, 1055},
  };
  for (const Cell& c : cells) {
    INFO(c.w << "x" << c.h << " at budget " << c.budget);
    const TargetSize t = target_size_for_budget(c.h, c.w, c.budget);
    CHECK(t.width == c.tw);
    CHECK(t.height == c.th);
    CHECK((t.height / 48) * (t.width / 48) == c.tokens);
    CHECK(c.tokens <= c.budget);
  }
}

TEST_CASE("target sizes: HF's edge cases") {
  // A side that rounds to 0 becomes 48 and the other floor(ratio) x 48, capped at 48 S:
  // 2000x20 at 70: f = sqrt(161280 / 40000) = 2.008, f H = 40.2 -> 0; W = floor(100) 48 = 4800,
  // capped at 48 x 70 = 3360; 48 x 3360 = 161280 = target_px, allowed.
  CHECK(target_size_for_budget(20, 2000, 70) == TargetSize{48, 3360});
  CHECK(target_size_for_budget(2000, 20, 70) == TargetSize{3360, 48});
  // Both sides 0 is impossible for a non-empty image (f H f W = target_px >= 2304): never thrown.
  CHECK(target_size_for_budget(1, 1, 70) == TargetSize{384, 384});
  // Already at target: no resize, the pixels are the input's.
  std::vector<std::uint8_t> px(384 * 384 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 7);
  const Image img = image_from_pixels(px, 384, 384, 3);
  ImageProcessorOptions o;
  o.max_soft_tokens = 70;
  const auto p = preprocess_image<double>(img, o);
  CHECK(p.target == TargetSize{384, 384});
  CHECK(p.resized == img);
}

TEST_CASE("patchify: a 48x48 image is one soft token of 9 patches, (x, y) in row-major order") {
  // Built directly (no resize): 48 / 16 = 3 patch columns and rows.
  std::vector<std::uint8_t> px(48 * 48 * 3);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 48; ++x)
      for (int c = 0; c < 3; ++c)
        px[static_cast<std::size_t>((y * 48 + x) * 3 + c)] =
            static_cast<std::uint8_t>(x + 2 * y + c);
  const Image img = image_from_pixels(px, 48, 48, 3);
  RowMatrix<double> pv;
  PositionIds pos;
  patchify<double>(img, 16, 12, pv, pos);
  REQUIRE(pv.rows() == 12);
  REQUIRE(pv.cols() == 768);
  for (int n = 0; n < 9; ++n) {
    CHECK(pos(n, 0) == n % 3);  // x = column
    CHECK(pos(n, 1) == n / 3);  // y = row
  }
  for (int n = 9; n < 12; ++n) {  // padding: zero patches at (-1, -1)
    CHECK(pos(n, 0) == -1);
    CHECK(pos(n, 1) == -1);
    CHECK(pv.row(n).isZero(0));
  }
  // Patch 5 = (x 2, y 1); its value (dy 3, dx 4, channel 1) is pixel (y 19, x 36, c 1) / 255.
  CHECK(pv(5, (3 * 16 + 4) * 3 + 1) == doctest::Approx((36 + 2 * 19 + 1) / 255.0).epsilon(1e-15));
  // Through the processor, HF upsamples 48x48 at budget 70 to 384x384 (64 soft tokens).
  ImageProcessorOptions o;
  o.max_soft_tokens = 70;
  const auto p = preprocess_image<float>(img, o);
  CHECK(p.num_soft_tokens == 64);
  CHECK(p.pixel_values.rows() == 630);  // padded to 9 S
  o.pad_to_budget = false;
  CHECK(preprocess_image<float>(img, o).pixel_values.rows() == 576);
}
