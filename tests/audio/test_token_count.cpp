// tests/audio/test_token_count.cpp: soft tokens per clip, against HF's processor test goldens
// (tests/models/gemma4/test_processing_gemma4.py) and a real recording converted by sox.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gemma4/audio/log_mel.hpp>
#include <gemma4/audio/token_count.hpp>
#include <gemma4/audio/wav.hpp>

#include "test_support.hpp"

TEST_CASE("HF's processor goldens: samples -> soft tokens") {
  // {samples, tokens} from test_processing_gemma4.py, and 22848 (spec audio.md §10).
  const std::pair<std::int64_t, std::int64_t> cases[] = {{38560, 60},  {48000, 75},   {48800, 76},
                                                         {99360, 155}, {640000, 750}, {22848, 36}};
  for (const auto& c : cases) {  // no structured binding: clang 14 cannot capture it in INFO
    const std::int64_t n = c.first, tokens = c.second;
    INFO(n);
    CHECK(gemma4::audio_num_soft_tokens(n) == tokens);
  }
}

TEST_CASE("the count follows the frames: 25 per second, 0 below one frame, 750 at most") {
  static_assert(gemma4::audio_num_soft_tokens(16000) == 25);  // 99 frames -> 50 -> 25
  CHECK(gemma4::audio_valid_mel_frames(16000) == 99);         // (16000 - 161) // 160 + 1
  CHECK(gemma4::audio_valid_mel_frames(160) == 0);            // no 321-sample window is real
  CHECK(gemma4::audio_num_soft_tokens(160) == 0);
  CHECK(gemma4::audio_valid_mel_frames(161) == 1);
  CHECK(gemma4::audio_num_soft_tokens(161) == 1);
  CHECK(gemma4::audio_num_soft_tokens(480000) == 750);  // 30 s: 2999 frames -> 1500 -> 750
  CHECK(gemma4::audio_num_soft_tokens(10 * 16000) == 250);
  CHECK(gemma4::audio_num_soft_tokens(8000) == 13);   // 0.5 s (spec §4)
  CHECK(gemma4::audio_num_soft_tokens(36800) == 58);  // 2.3 s: 229 frames
  // The count equals the valid frames of the feature extractor after two mask[::2].
  for (std::int64_t n : {161, 320, 321, 481, 999, 16000, 22848, 38560}) {
    INFO(n);
    const std::vector<double> zeros(static_cast<std::size_t>(n), 0.0);
    const auto f = gemma4::log_mel_features<double>(std::span<const double>(zeros));
    CHECK(f.valid_frames() == gemma4::audio_valid_mel_frames(n));
    std::int64_t t = f.valid_frames();
    t = (t + 1) / 2;
    t = (t + 1) / 2;
    CHECK(t == gemma4::audio_num_soft_tokens(n));
  }
}

TEST_CASE(
    "Front_Center.wav (alsa-utils, 48 kHz speech) converted by sox: 22848 samples, 36 tokens") {
  const std::filesystem::path src = "/usr/share/sounds/alsa/Front_Center.wav";
  REQUIRE_MESSAGE(std::filesystem::exists(src),
                  "alsa-utils is missing: run scripts/install-deps.sh");
  gemma4::test::TempDir tmp;
  const auto out = tmp / "fc16k.wav";
  const std::string cmd = "sox " + src.string() + " -r 16000 -c 1 -b 16 " + out.string();
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "sox failed: run scripts/install-deps.sh");
  const gemma4::WavAudio a = gemma4::read_wav(out);
  CHECK(a.sample_rate == 16000);
  REQUIRE(a.frames() == 22848);
  const auto mono = a.to_mono();
  const auto f = gemma4::log_mel_features<float>(std::span<const double>(mono));
  CHECK(f.frames() == 143);  // 22912 padded: (22912 + 160 - 321) // 160 + 1
  CHECK(f.valid_frames() == 142);
  CHECK(gemma4::audio_num_soft_tokens(a.frames()) == 36);
}
