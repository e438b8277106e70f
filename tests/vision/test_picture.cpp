// Tests of gemma4/vision/picture.hpp: where the grid lines go, and that nothing else changes.
#include <gemma4/vision/picture.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("the picture: soft-token lines every 48 px, patch lines every 16 px, pixels elsewhere") {
  const Image img = image_from_pixels(std::vector<std::uint8_t>(96 * 144 * 3, 100), 96, 144, 3);
  const Image p = draw_patch_grid(img);
  auto rgb = [&](int y, int x) {
    return std::vector<int>{p.at(y, x, 0), p.at(y, x, 1), p.at(y, x, 2)};
  };
  const std::vector<int> yellow{255, 220, 0}, dark{60, 60, 60}, same{100, 100, 100};
  CHECK(rgb(5, 0) == yellow);    // left border
  CHECK(rgb(5, 48) == yellow);   // soft-token column
  CHECK(rgb(48, 5) == yellow);   // soft-token row
  CHECK(rgb(5, 143) == yellow);  // right border
  CHECK(rgb(95, 5) == yellow);   // bottom border
  CHECK(rgb(5, 16) == dark);     // patch column: 100 x 3 / 5
  CHECK(rgb(32, 5) == dark);     // patch row
  CHECK(rgb(5, 5) == same);      // inside a patch
  CHECK(rgb(60, 70) == same);
}
