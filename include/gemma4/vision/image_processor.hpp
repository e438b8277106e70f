// gemma4/vision/image_processor.hpp: from an RGB image to the patches the vision tower reads
// (HF `Gemma4ImageProcessor` / `Gemma4ImageProcessorPil`, spec vision.md §3).
//
// The soft-token budget S is a run-time argument (HF `max_soft_tokens`, default 280). HF allows
// S in {70, 140, 280, 560, 1120} and so do we; `unchecked_budget` admits any S >= 1 (the tiny
// fixtures use 7). With p = patch 16 and k = pooling 3:
//
//   max_patches = k^2 S = 9 S             target_px = max_patches p^2 = 2304 S
//   f  = sqrt(target_px / (H W))          (float64, as Python computes it)
//   Ht = floor(f H / 48) 48,  Wt = floor(f W / 48) 48          (48 = k p)
//   Ht == 0 and Wt == 0: error;   Ht == 0: Ht = 48, Wt = min(floor(W / H) 48, 48 S)
//                                 Wt == 0: Wt = 48, Ht = min(floor(H / W) 48, 48 S)
//   Ht Wt > target_px: error.     (Ht, Wt) == (H, W): no resize at all.
//
// Then (one image):
//   resized   = resize_image(image, Ht, Wt, kernel)                  vision/resize.hpp
//   pixel     = uint8 * (1/255) in the compute type (HF: float32), no mean/std
//   N = (Ht/16)(Wt/16) patches, row-major: patch n = r pw + c
//   pixel_values[n, (dy 16 + dx) 3 + ch] = pixel[16 r + dy, 16 c + dx, ch]     [rows, 768]
//   position_ids[n] = (x, y) = (c, r)                                           [rows, 2]
//   padded (HF): rows = 9 S, padding patches 0 with position (-1, -1); or real patches only
//   num_soft_tokens = N / 9 = (Ht/48)(Wt/48) <= S: the number of image placeholders
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "gemma4/core/error.hpp"
#include "gemma4/core/number_traits.hpp"
#include "gemma4/vision/config.hpp"
#include "gemma4/vision/image.hpp"
#include "gemma4/vision/resize.hpp"

namespace gemma4 {

/// The budgets HF accepts (`_SUPPORTED_SOFT_TOKENS`).
inline constexpr std::array<int, 5> kSoftTokenBudgets = {70, 140, 280, 560, 1120};

/// (x, y) patch positions, one row per patch: [rows, 2]; padding rows are (-1, -1).
using PositionIds = Eigen::Matrix<int, Eigen::Dynamic, 2, Eigen::RowMajor>;

/// True for a padding patch: position (-1, -1) (HF `(pixel_position_ids == -1).all(-1)`).
inline bool is_padding_patch(const PositionIds& pos, Eigen::Index n) {
  return pos(n, 0) == -1 && pos(n, 1) == -1;
}

/// How an image is preprocessed.
struct ImageProcessorOptions {
  int max_soft_tokens = 280;                   // the budget S
  bool unchecked_budget = false;               // admit S outside kSoftTokenBudgets (fixtures)
  ResizeKernel resize = ResizeKernel::Pillow;  // Pillow (HF on a CPU) or TorchFloat (a GPU)
  bool pad_to_budget = true;                   // HF: 9 S rows; false: the N real patches only
  int patch_size = 16;
  int pooling_kernel_size = 3;
};

/// Throws unless S is an allowed budget (or any S >= 1 when unchecked).
inline void check_budget(int max_soft_tokens, bool unchecked = false) {
  if (unchecked ? max_soft_tokens >= 1
                : std::find(kSoftTokenBudgets.begin(), kSoftTokenBudgets.end(), max_soft_tokens) !=
                      kSoftTokenBudgets.end())
    return;
  detail::fail("max_soft_tokens (image budget) ", max_soft_tokens,
               unchecked ? " must be at least 1" : " must be one of 70, 140, 280, 560, 1120");
}

/// The resized (height, width) of HF's get_aspect_ratio_preserving_size.
struct TargetSize {
  int height = 0, width = 0;
  friend bool operator==(const TargetSize&, const TargetSize&) = default;
};

/// HF `get_aspect_ratio_preserving_size` for an H x W image (spec §3.1).
inline TargetSize target_size(std::int64_t height, std::int64_t width, int patch_size,
                              std::int64_t max_patches, int pooling_kernel_size) {
  detail::check_image_size(height, width, "image");
  const std::int64_t total_px = height * width;
  const std::int64_t target_px = max_patches * patch_size * patch_size;
  const double factor = std::sqrt(static_cast<double>(target_px) / static_cast<double>(total_px));
  const std::int64_t side = std::int64_t{pooling_kernel_size} * patch_size;
  auto down = [&](double ideal) {
    return static_cast<std::int64_t>(std::floor(ideal / static_cast<double>(side))) * side;
  };
  std::int64_t th = down(factor * static_cast<double>(height));
  std::int64_t tw = down(factor * static_cast<double>(width));
  if (th == 0 && tw == 0)
    detail::fail("image of size ", width, "x", height, " (WxH) resizes to 0x0 at ", max_patches,
                 " patches");
  const std::int64_t max_side = (max_patches / (pooling_kernel_size * pooling_kernel_size)) * side;
  if (th == 0) {
    th = side;
    tw = std::min(static_cast<std::int64_t>(
                      std::floor(static_cast<double>(width) / static_cast<double>(height))) *
                      side,
                  max_side);
  } else if (tw == 0) {
    tw = side;
    th = std::min(static_cast<std::int64_t>(
                      std::floor(static_cast<double>(height) / static_cast<double>(width))) *
                      side,
                  max_side);
  }
  if (th * tw > target_px)
    detail::fail("resizing ", width, "x", height, " (WxH) to ", tw, "x", th, " exceeds ",
                 max_patches, " patches of ", patch_size, "x", patch_size);
  return {static_cast<int>(th), static_cast<int>(tw)};
}

/// The target size of an H x W image at budget S with the default patch 16 / pooling 3.
inline TargetSize target_size_for_budget(std::int64_t height, std::int64_t width,
                                         int max_soft_tokens, int patch_size = 16,
                                         int pooling_kernel_size = 3) {
  return target_size(height, width, patch_size,
                     std::int64_t{max_soft_tokens} * pooling_kernel_size * pooling_kernel_size,
                     pooling_kernel_size);
}

/// One preprocessed image.
template <class C>
struct PreprocessedImage {
  TargetSize original;        // (H, W) of the input
  TargetSize target;          // (Ht, Wt)
  Image resized;              // [Ht, Wt, 3] (the input itself when no resize was needed)
  RowMatrix<C> pixel_values;  // [rows, 768] in [0, 1]
  PositionIds position_ids;   // [rows, 2] (x, y); padding (-1, -1)
  int num_patches = 0;        // N real patches (the first N rows)
  int num_soft_tokens = 0;    // N / 9: placeholders in the prompt
  int max_soft_tokens = 0;    // the budget S
};

/// Patchifies an already resized image (sides multiples of patch_size): pixel values in C and
/// (x, y) positions, padded to `rows` (>= N) with zero patches at (-1, -1).
template <class C>
void patchify(const Image& img, int patch_size, Eigen::Index rows, RowMatrix<C>& pixel_values,
              PositionIds& positions) {
  if (img.height % patch_size != 0 || img.width % patch_size != 0)
    detail::fail("image of size ", img.width, "x", img.height, " (WxH) is not a multiple of the ",
                 patch_size, "-pixel patch");
  const int ph = img.height / patch_size, pw = img.width / patch_size;
  const Eigen::Index n = Eigen::Index{ph} * pw;
  if (rows < n) detail::fail(n, " patches do not fit in ", rows, " rows");
  const C scale = C(1) / C(255);  // HF: uint8 tensor -> float32, times the float32 1/255
  pixel_values = RowMatrix<C>::Zero(rows, 3 * patch_size * patch_size);
  positions = PositionIds::Constant(rows, 2, -1);
  for (int r = 0; r < ph; ++r)
    for (int c = 0; c < pw; ++c) {
      const Eigen::Index p = Eigen::Index{r} * pw + c;
      positions(p, 0) = c;  // x = column first
      positions(p, 1) = r;  // y = row second
      for (int dy = 0; dy < patch_size; ++dy)
        for (int dx = 0; dx < patch_size; ++dx)
          for (int ch = 0; ch < 3; ++ch)
            pixel_values(p, (dy * patch_size + dx) * 3 + ch) =
                static_cast<C>(img.at(r * patch_size + dy, c * patch_size + dx, ch)) * scale;
    }
}

/// Resize, rescale, patchify, positions and padding of one image (HF `_preprocess`).
///
///   gemma4::ImageProcessorOptions o;
///   o.max_soft_tokens = 70;
///   auto p = gemma4::preprocess_image<float>(gemma4::load_image("cat.png"), o);
///   // p.num_soft_tokens placeholders; p.pixel_values [630, 768]
template <class C>
PreprocessedImage<C> preprocess_image(const Image& image, const ImageProcessorOptions& o = {}) {
  check_budget(o.max_soft_tokens, o.unchecked_budget);
  PreprocessedImage<C> out;
  out.max_soft_tokens = o.max_soft_tokens;
  out.original = {image.height, image.width};
  const std::int64_t k2 = std::int64_t{o.pooling_kernel_size} * o.pooling_kernel_size;
  const std::int64_t max_patches = o.max_soft_tokens * k2;
  out.target =
      target_size(image.height, image.width, o.patch_size, max_patches, o.pooling_kernel_size);
  out.resized = out.target == out.original
                    ? image
                    : resize_image(image, out.target.height, out.target.width, o.resize);
  out.num_patches = (out.target.height / o.patch_size) * (out.target.width / o.patch_size);
  out.num_soft_tokens = static_cast<int>(out.num_patches / k2);
  patchify<C>(out.resized, o.patch_size, o.pad_to_budget ? max_patches : out.num_patches,
              out.pixel_values, out.position_ids);
  return out;
}

/// The processor options for a vision config (patch and pooling sizes from it, its default
/// budget unless `max_soft_tokens` is given).
inline ImageProcessorOptions processor_options(const VisionConfig& c, int max_soft_tokens = 0) {
  ImageProcessorOptions o;
  o.patch_size = c.patch_size;
  o.pooling_kernel_size = c.pooling_kernel_size;
  o.max_soft_tokens = max_soft_tokens > 0 ? max_soft_tokens : c.default_output_length;
  return o;
}

}  // namespace gemma4
