// gemma4/audio/relative_position.hpp: the fixed sinusoidal table of relative distances used by the
// audio attention (HF `Gemma4AudioRelPositionalEncoding`, spec audio.md §6). Not a checkpoint
// tensor.
//
//   n  = Da / 2 = 512 timescales,  inv_ts[i] = exp(-i ln(10000) / (n - 1)),  i = 0 .. n-1
//   PE(d) = [ sin(d inv_ts) | cos(d inv_ts) ]  in R^Da          all sines, then all cosines
//   rows r = 0 .. P-1 hold distances d = P-1-r: 12, 11, ..., 0 (P = max_past_horizon + 1 = 13)
//
// HF's older code hard-codes arange(12, -1, -1); the newer derives context_size // 2 + 1 rows with
// context_size = chunk + left - 1 + right = 24. Both are 12 .. 0 for every config validate()
// accepts (chunk = left - 1, right = 0). Per layer the keys are R = PE @ relative_k_proj^T.
// Computed in double and rounded to C (HF: float32; the fixtures: float64).
#pragma once

#include <cmath>

#include "gemma4/audio/config.hpp"
#include "gemma4/core/number_traits.hpp"

namespace gemma4 {

/// The relative position table: [max_past_horizon + 1, Da], row r = distance max_past_horizon - r.
template <class C>
RowMatrix<C> audio_relative_position_table(const AudioConfig& c) {
  const int n = c.hidden_size / 2, rows = c.max_past_horizon() + 1;
  const double increment = std::log(10000.0) / std::max(n - 1, 1);
  RowMatrix<C> pe(rows, c.hidden_size);
  for (int r = 0; r < rows; ++r) {
    const double d = rows - 1 - r;
    for (int i = 0; i < n; ++i) {
      const double angle = d * std::exp(-i * increment);
      pe(r, i) = static_cast<C>(std::sin(angle));
      pe(r, n + i) = static_cast<C>(std::cos(angle));
    }
  }
  return pe;
}

}  // namespace gemma4
