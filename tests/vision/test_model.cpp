// Tests of gemma4/vision/model.hpp and vision/golden_taps.hpp: every stage of the vision-tiny
// fixture, computed from its raw image_uint8, in double (1e-9) and float (1e-4).
#include <gemma4/vision/golden_taps.hpp>
#include <gemma4/vision/model.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {
const std::filesystem::path kVisionTiny =
    std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "vision-tiny";
}

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
