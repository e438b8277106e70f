// expect: a MoE config needs num_experts >= top_k_experts > 0
// Routing 8 of 4 experts is impossible and must not compile.
#include <gemma4/variants.hpp>

struct BadMoe {
  static constexpr std::string_view name = "bad";
  static constexpr gemma4::TextConfig text = [] {
    gemma4::TextConfig c = gemma4::MoE26B_A4B::text;
    c.num_experts = 4;
    return c;
  }();
};

int main() {
  return gemma4::CheckedVariant<BadMoe>::layers[0].index;
}
