// expect: this variant has no audio tower (only E2B and E4B have one)
// 26B-A4B has no audio tower (audio_config = null): asking it for audio must not compile.
#include <gemma4/audio/model.hpp>

int main() {
  auto model = gemma4::AudioModel<gemma4::MoE26B_A4B, float>::load("no-such-model");
  (void)model;
}
