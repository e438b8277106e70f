// expect: the last layer must be full attention
// HF forces the last layer to full attention; a compile-time variant that does not is rejected.
#include <gemma4/variants.hpp>

struct LastSliding {
  static constexpr std::string_view name = "bad";
  static constexpr gemma4::TextConfig text = [] {
    gemma4::TextConfig c = gemma4::Dense31B::text;
    c.layer_types[59] = gemma4::LayerType::Sliding;
    return c;
  }();
};

int main() {
  return gemma4::CheckedVariant<LastSliding>::layers[0].index;
}
