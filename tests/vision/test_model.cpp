// Tests of gemma4/vision/model.hpp and vision/golden_taps.hpp: every stage of the vision-tiny
// fixture, computed from its raw image_uint8, in double (1e-9) and float (1e-4).
#include <gemma4/vision/golden_taps.hpp>
#include <gemma4/vision/model.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {
using DynamicVision = VisionModel<Dynamic, float>;  // (a comma inside CHECK_THROWS splits it)
using E2BVision = VisionModel<E2B, float>;
const std::filesystem::path kVisionTiny =
    std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "vision-tiny";
}  // namespace

TEST_CASE_TEMPLATE("vision-tiny: every stage from the raw image", T, double, float) {
  const SafetensorsFile golden(kVisionTiny / "golden.safetensors");
  const GoldenTaps taps = vision_golden_taps<T>(kVisionTiny, golden);
  int checked = 0;
  for (const TensorInfo& info : golden.tensors()) {
    if (!is_vision_key(info.name) || info.name == "image_uint8" ||
        info.name == "image_max_soft_tokens")
      continue;
    INFO("key " << info.name);
    const auto it = taps.find(info.name);
    REQUIRE(it != taps.end());
    CHECK(it->second.shape == info.shape);
    const std::vector<double> ref = golden.read<double>(info.name);
    REQUIRE(it->second.values.size() == ref.size());
    double max_abs = 0, scale = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      max_abs = std::max(max_abs, std::abs(it->second.values[i] - ref[i]));
      scale = std::max(scale, std::abs(ref[i]));
    }
    const double rel = max_abs / std::max(1.0, scale);
    MESSAGE(info.name << " [" << NumberTraits<T>::name << "] max_abs " << max_abs << " rel "
                      << rel);
    switch (vision_compare_mode(info.name)) {
      case VisionCompare::Exact:
        CHECK(max_abs == 0);
        break;
      case VisionCompare::OneLevel:
        CHECK(max_abs <= 1);
        break;
      case VisionCompare::Tolerance:
        CHECK(rel <= NumberTraits<T>::tolerance);
        break;
    }
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("a checkpoint without a vision tower, asked for vision, is an error naming the file") {
  const auto text_only = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";
  CHECK_THROWS_WITH_AS(DynamicVision::load(text_only), doctest::Contains("has no vision tower"),
                       Error);
  auto ckpt = std::make_shared<const Checkpoint>(text_only);
  CHECK_THROWS_WITH_AS(bind_vision_weights<float>(ckpt, kVisionSmall, 1536),
                       doctest::Contains("text-e2b-tiny: the checkpoint has no vision tower"),
                       Error);
}

TEST_CASE("a compiled variant checks the checkpoint's vision config") {
  // vision-tiny's tower (hidden 32) is not E2B's (768): the mismatch is listed field by field.
  CHECK_THROWS_WITH_AS(E2BVision::load(kVisionTiny),
                       doctest::Contains("vision_config.hidden_size: expected 768, got 32"), Error);
  static_assert(E2B::vision == kVisionSmall && E4B::vision == kVisionSmall);
  static_assert(MoE26B_A4B::vision == kVisionLarge && Dense31B::vision == kVisionLarge);
  static_assert(E2B::vision.num_hidden_layers == 16 && E2B::vision.hidden_size == 768);
  static_assert(Dense31B::vision.num_hidden_layers == 27 && Dense31B::vision.hidden_size == 1152);
}

TEST_CASE("the real patches alone give the same soft tokens as HF's padded batch") {
  const SafetensorsFile golden(kVisionTiny / "golden.safetensors");
  const auto model = VisionModel<Dynamic, double>::load(kVisionTiny);
  ImageProcessorOptions o = processor_options(model.config(), 7);
  o.unchecked_budget = true;
  o.resize = ResizeKernel::TorchFloat;
  const Image img = golden_image(golden, "image_uint8");
  const auto padded = preprocess_image<double>(img, o);
  o.pad_to_budget = false;
  const auto real = preprocess_image<double>(img, o);
  CHECK(padded.pixel_values.rows() == 63);
  CHECK(real.pixel_values.rows() == 54);
  const auto a = model.forward(padded.pixel_values, padded.position_ids);
  const auto b = model.forward(real.pixel_values, real.position_ids);
  test::check_tensor("image_features", b.features, a.features, 1e-12);
}
