// gemma4/audio/token_count.hpp: how many soft tokens a clip of N samples (16 kHz) becomes
// (HF processor `_compute_audio_num_tokens`, spec audio.md §4).
//
//   t = (N + 160 - 321) // 160 + 1      valid mel frames: the last sample of a frame's 321-sample
//                                       window must be real audio (0 when N < 161)
//   t = (t + 2 - 3) // 2 + 1            first stride-2 conv (kernel 3, pad 1): ceil(t / 2)
//   t = (t + 2 - 3) // 2 + 1            second:                                 ceil(t / 2)
//   n = min(t, 750)                     750 = 30 s, the extractor truncates there
//
// 25 tokens per second (40 ms each): 16000 samples -> 99 frames -> 25 tokens. Counted from the
// UNPADDED length. The chat template (one <|audio|> placeholder per token) and the multimodal
// model (which checks the tower produced as many valid frames) both use this one function.
#pragma once

#include <algorithm>
#include <cstdint>

namespace gemma4 {

/// Mel frames of a clip of `samples` real 16 kHz samples whose window is all real audio.
constexpr std::int64_t audio_valid_mel_frames(std::int64_t samples) {
  constexpr std::int64_t hop = 160, window = 321;  // 320-sample frame + the dropped 321st
  // Python's // floors; for samples < 161 the count is 0, never negative.
  if (samples < window - hop) return 0;
  return (samples + hop - window) / hop + 1;
}

/// The maximum number of audio soft tokens of one clip (30 s).
inline constexpr std::int64_t kMaxAudioSoftTokens = 750;

/// Soft tokens of a clip of `samples` real 16 kHz samples: 25 per second, at most 750.
constexpr std::int64_t audio_num_soft_tokens(std::int64_t samples) {
  std::int64_t t = audio_valid_mel_frames(samples);
  if (t == 0) return 0;
  t = (t + 2 - 3) / 2 + 1;  // t >= 1, so C++'s truncation equals Python's floor here
  t = (t + 2 - 3) / 2 + 1;
  return std::min(t, kMaxAudioSoftTokens);
}

}  // namespace gemma4
