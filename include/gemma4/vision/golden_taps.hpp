// gemma4/vision/golden_taps.hpp: everything the vision path computes for a vision fixture, under
// the golden key names of golden/FORMAT.md (the vision half of reference/golden.hpp).
//
// From the fixture's raw `image_uint8` [H, W, 3] and budget `image_max_soft_tokens` (checked as
// HF does unless it is off the list, as the tiny fixtures' 7 is: then unchecked) it computes
//   image_target_size [2] (H, W)             image_num_soft_tokens [1]
//   image_resized_uint8 [Ht, Wt, 3]          torch float path (the goldens' path), +-1 level
//   image_resized_uint8_pil [Ht, Wt, 3]      Pillow 8-bit path, exact
//   image_resize_matrix_h [Ht, H], _w [Wt, W]
//   pixel_values [9 S, 768], image_position_ids [9 S, 2]      from image_resized_uint8
//   resize_cases [n, 5]                      (budget, H, W, Ht, Wt) for the golden's own inputs
// and then runs the tower on those pixel_values (not the golden's), so a verify pass means the
// whole path from the raw image matches: every tap of vision/model.hpp.
// dump_vision_taps() writes the same keys for any image and checkpoint (`gemma4 dump --image`).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gemma4/io/checkpoint_writer.hpp"
#include "gemma4/io/safetensors.hpp"
#include "gemma4/vision/image_processor.hpp"
#include "gemma4/vision/model.hpp"

namespace gemma4 {

/// One computed tensor in the golden layout (row-major values as double).
struct GoldenTap {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};
using GoldenTaps = std::map<std::string, GoldenTap, std::less<>>;

namespace detail {
template <class M>
GoldenTap golden_tap(const M& m, std::vector<std::int64_t> shape) {
  GoldenTap t{std::move(shape), std::vector<double>(static_cast<std::size_t>(m.size()))};
  for (Eigen::Index r = 0, i = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      t.values[static_cast<std::size_t>(i++)] = static_cast<double>(m(r, c));
  return t;
}
inline GoldenTap golden_tap(const Image& img) {
  GoldenTap t{{img.height, img.width, 3},
              std::vector<double>(img.pixels.begin(), img.pixels.end())};
  return t;
}
}  // namespace detail

/// The Image stored under `key` ([H, W, 3] integers 0..255) of a golden file.
inline Image golden_image(const SafetensorsFile& golden, std::string_view key) {
  const TensorInfo& info = golden.at(key);
  if (info.shape.size() != 3 || info.shape[2] != 3)
    detail::fail(golden.path().string(), ": ", key, " has shape ", detail::shape_string(info.shape),
                 ", expected [H, W, 3]");
  std::vector<std::uint8_t> px;
  for (double v : golden.read<double>(key)) {
    if (!(v >= 0 && v <= 255 && v == static_cast<int>(v)))
      detail::fail(golden.path().string(), ": ", key, " holds ", v, ", not a uint8 value");
    px.push_back(static_cast<std::uint8_t>(v));
  }
  return image_from_pixels(px, static_cast<int>(info.shape[0]), static_cast<int>(info.shape[1]), 3,
                           golden.path().string());
}

/// Every vision tap of `image` through `model` with options `o` (resize kernel, budget, padding).
/// The tower runs on the pixel_values of o.resize; image_resized_uint8 is the float path and
/// image_resized_uint8_pil the Pillow path whatever o.resize is.
template <class Config, class T>
GoldenTaps vision_taps(const VisionModel<Config, T>& model, const Image& image,
                       const ImageProcessorOptions& o) {
  using C = compute_t<T>;
  GoldenTaps taps;
  const PreprocessedImage<C> p = preprocess_image<C>(image, o);
  const bool same = p.target == p.original;
  const int th = p.target.height, tw = p.target.width;
  taps["image_target_size"] = {{2}, {double(th), double(tw)}};
  taps["image_num_soft_tokens"] = {{1}, {double(p.num_soft_tokens)}};
  taps["image_resized_uint8"] = detail::golden_tap(
      o.resize == ResizeKernel::TorchFloat || same ? p.resized : resize_torch_float(image, th, tw));
  taps["image_resized_uint8_pil"] = detail::golden_tap(
      o.resize == ResizeKernel::Pillow || same ? p.resized : resize_pillow(image, th, tw));
  taps["image_resize_matrix_h"] =
      detail::golden_tap(bicubic_aa_taps(image.height, th).matrix(), {th, image.height});
  taps["image_resize_matrix_w"] =
      detail::golden_tap(bicubic_aa_taps(image.width, tw).matrix(), {tw, image.width});
  taps["pixel_values"] =
      detail::golden_tap(p.pixel_values, {p.pixel_values.rows(), p.pixel_values.cols()});
  taps["image_position_ids"] = detail::golden_tap(p.position_ids, {p.position_ids.rows(), 2});
  model.forward(p.pixel_values, p.position_ids, [&](const Tap<C>& tap) {
    GoldenTap t{tap.shape, std::vector<double>(static_cast<std::size_t>(tap.values.size()))};
    for (Eigen::Index i = 0; i < tap.values.size(); ++i)
      t.values[static_cast<std::size_t>(i)] = static_cast<double>(tap.values.data()[i]);
    taps[std::string(tap.name)] = std::move(t);
  });
  return taps;
}

/// Every vision tap of fixture `dir` in number type T (see the top of this file).
template <class T>
GoldenTaps vision_golden_taps(const std::filesystem::path& dir, const SafetensorsFile& golden) {
  const auto model = VisionModel<Dynamic, T>::load(dir);
  const Image image = golden_image(golden, "image_uint8");
  const auto budget = golden.read<std::int64_t>("image_max_soft_tokens");
  if (budget.size() != 1 || budget[0] < 1 || budget[0] > 1'000'000)
    detail::fail(golden.path().string(), ": image_max_soft_tokens must hold one budget >= 1");
  ImageProcessorOptions o = processor_options(model.config(), static_cast<int>(budget[0]));
  o.unchecked_budget = std::find(kSoftTokenBudgets.begin(), kSoftTokenBudgets.end(),
                                 o.max_soft_tokens) == kSoftTokenBudgets.end();
  o.resize = ResizeKernel::TorchFloat;  // the goldens' pixel_values come from the float path
  GoldenTaps taps = vision_taps(model, image, o);
  if (const TensorInfo* rc = golden.find("resize_cases")) {
    if (rc->shape.size() != 2 || rc->shape[1] != 5)
      detail::fail(golden.path().string(), ": resize_cases has shape ",
                   detail::shape_string(rc->shape), ", expected [n, 5]");
    const auto v = golden.read<std::int64_t>("resize_cases");
    GoldenTap t{rc->shape, {}};
    for (std::size_t r = 0; r < v.size() / 5; ++r) {
      const std::int64_t s = v[r * 5], h = v[r * 5 + 1], w = v[r * 5 + 2];
      const TargetSize ts = target_size_for_budget(h, w, static_cast<int>(s));  // patch 16, pool 3
      for (double x : {double(s), double(h), double(w), double(ts.height), double(ts.width)})
        t.values.push_back(x);
    }
    taps["resize_cases"] = std::move(t);
  }
  return taps;
}

/// Writes image_uint8, image_max_soft_tokens and every vision tap of `image` to `out` in the
/// golden format (F64; I64 for the integer keys): `gemma4 dump --image`.
template <class Config, class T>
void dump_vision_taps(const VisionModel<Config, T>& model, const Image& image,
                      const ImageProcessorOptions& o, const std::filesystem::path& out,
                      std::map<std::string, std::string> metadata = {}) {
  std::vector<TensorWrite> tensors;
  tensors.push_back(tensor_from<std::int64_t>(
      "image_uint8", {image.height, image.width, 3},
      std::vector<std::int64_t>(image.pixels.begin(), image.pixels.end())));
  tensors.push_back(tensor_from<std::int64_t>("image_max_soft_tokens", {1}, {o.max_soft_tokens}));
  for (auto& [name, t] : vision_taps(model, image, o)) {
    const bool integer = name == "image_target_size" || name == "image_num_soft_tokens" ||
                         name == "image_position_ids" || name == "image_pooler_mask" ||
                         name.starts_with("image_resized_uint8");
    if (integer)
      tensors.push_back(tensor_from<std::int64_t>(
          name, t.shape, std::vector<std::int64_t>(t.values.begin(), t.values.end())));
    else
      tensors.push_back(tensor_from<double>(name, t.shape, std::move(t.values)));
  }
  metadata.emplace("format", "pt");
  metadata.emplace("producer", "gemma4 dump --image");
  write_safetensors(out, std::move(tensors), metadata);
}

/// How a vision key is compared: exactly (integers, Pillow), to +-1 level (float-path resize) or
/// to the number type's tolerance (everything else).
enum class VisionCompare { Tolerance, Exact, OneLevel };

inline VisionCompare vision_compare_mode(std::string_view key) {
  if (key == "image_resized_uint8") return VisionCompare::OneLevel;
  if (key == "image_resized_uint8_pil" || key == "image_target_size" ||
      key == "image_num_soft_tokens" || key == "image_position_ids" || key == "image_pooler_mask" ||
      key == "resize_cases")
    return VisionCompare::Exact;
  return VisionCompare::Tolerance;
}

/// True for the keys the vision path produces (and a vision fixture is checked on).
inline bool is_vision_key(std::string_view key) {
  return key.starts_with("image_") || key == "pixel_values" || key == "resize_cases";
}

}  // namespace gemma4
