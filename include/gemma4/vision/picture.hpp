// gemma4/vision/picture.hpp: what the model sees, drawn for a person: the resized image with its
// 16-pixel patch grid and its 48-pixel soft-token grid (`gemma4 image --picture`).
//
//   patch grid        every 16 pixels, 1-pixel lines, the image darkened to 60 % under them
//   soft-token grid   every 48 pixels (3 x 3 patches: one soft token), 1-pixel lines in yellow
//                     (255, 220, 0), plus the outer border
// The pixels between the lines are the resized image, unchanged.
#pragma once

#include "gemma4/vision/image.hpp"

namespace gemma4 {

/// The image with the patch and soft-token grids drawn over it.
inline Image draw_patch_grid(Image img, int patch_size = 16, int pooling_kernel_size = 3) {
  const int token = patch_size * pooling_kernel_size;
  auto on = [](int v, int step, int last) { return v % step == 0 || v == last; };
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const bool token_line = on(x, token, img.width - 1) || on(y, token, img.height - 1);
      const bool patch_line = x % patch_size == 0 || y % patch_size == 0;
      if (token_line) {
        img.at(y, x, 0) = 255, img.at(y, x, 1) = 220, img.at(y, x, 2) = 0;
      } else if (patch_line) {
        for (int c = 0; c < 3; ++c)
          img.at(y, x, c) = static_cast<std::uint8_t>(img.at(y, x, c) * 3 / 5);
      }
    }
  return img;
}

}  // namespace gemma4
