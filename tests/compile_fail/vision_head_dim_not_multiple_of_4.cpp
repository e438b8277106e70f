// expect: vision head_dim must be a positive multiple of 4
// A compile-time variant whose vision tower breaks a rule must not compile: CheckedVision turns
// every rule of GEMMA4_VISION_CONFIG_RULES into a static_assert (2-D RoPE splits a head into
// two axes of two rotated halves, so head_dim must be a multiple of 4).
#include <gemma4/vision/model.hpp>

struct BadVision {
  static constexpr std::string_view name = "bad";
  static constexpr gemma4::TextConfig text = gemma4::E2B::text;
  static constexpr gemma4::VisionConfig vision = [] {
    gemma4::VisionConfig c = gemma4::kVisionSmall;
    c.head_dim = 66;
    return c;
  }();
};

int main() {
  auto model = gemma4::VisionModel<BadVision, float>::load("unused");
  (void)model;
}
