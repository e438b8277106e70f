// tests/audio/test_golden_taps.cpp: the audio half of verify. One clip (audio-tiny) gives every
// audio key; several clips (audio_waveform.{j}, the audio half of mm-e2b-tiny) give the stacked
// features and the concatenated soft tokens the multimodal merge consumes.
#include <doctest/doctest.h>

#include <gemma4/audio/golden_taps.hpp>

#include "test_support.hpp"

namespace {
struct Got {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

double rel_error(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0, s = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    d = std::max(d, std::abs(a[i] - b[i])), s = std::max(s, std::abs(b[i]));
  return d / std::max(1.0, s);
}
}  // namespace

TEST_CASE("key roles") {
  CHECK(gemma4::is_audio_key("audio_hidden_states.3"));
  CHECK(gemma4::is_audio_key("input_features"));
  CHECK_FALSE(gemma4::is_audio_key("audio_waveform"));
  CHECK_FALSE(gemma4::is_audio_key("audio_waveform.0"));
  CHECK_FALSE(gemma4::is_audio_key("image_features"));
  CHECK(gemma4::audio_key_is_exact("audio_output_mask"));
  CHECK_FALSE(gemma4::audio_key_is_exact("audio_features"));
}

TEST_CASE_TEMPLATE("mm-e2b-tiny's clip: stacked features and soft tokens from the raw waveform", T,
                   double, float) {
  const auto dir =
      std::filesystem::path(GEMMA4_SHARED_GOLDEN_DIR) / ".." / "golden-multimodal" / "mm-e2b-tiny";
  if (!std::filesystem::exists(dir / "golden.safetensors")) {
    MESSAGE("no " << dir.string() << ": skipped (the shared multimodal fixtures are not here)");
    return;
  }
  const gemma4::SafetensorsFile g(dir / "golden.safetensors");
  REQUIRE(gemma4::has_audio_waveform(g));
  std::map<std::string, Got> got;
  gemma4::audio_golden_taps<T>(dir, g, [&](const std::string& k, auto shape, auto values) {
    got[k] = {std::move(shape), std::move(values)};
  });
  for (const char* key :
       {"input_features", "input_features_mask", "audio_num_soft_tokens", "audio_features"}) {
    INFO(key);
    REQUIRE(got.count(key) == 1);
    CHECK(got[key].shape == g.at(key).shape);
    const auto ref = g.read<double>(key);
    REQUIRE(got[key].values.size() == ref.size());
    const double bound = gemma4::audio_key_is_exact(key) ? 0 : gemma4::NumberTraits<T>::tolerance;
    CHECK(rel_error(got[key].values, ref) <= bound);
  }
}
