// expect: num_attention_heads must be a multiple of num_key_value_heads
// A compile-time variant whose query heads do not split evenly over its KV heads must not compile:
// CheckedVariant turns every config rule into a static_assert with the rule's message.
#include <gemma4/text/model.hpp>

struct BadHeads {
  static constexpr std::string_view name = "bad";
  static constexpr gemma4::TextConfig text = [] {
    gemma4::TextConfig c = gemma4::E2B::text;
    c.num_attention_heads = 6;
    c.num_key_value_heads = 4;
    return c;
  }();
};

int main() {
  auto model = gemma4::TextModel<BadHeads, float>::load("unused");
  (void)model;
}
