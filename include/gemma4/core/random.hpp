// gemma4/core/random.hpp: the one pseudo-random generator of the library.
//
//   splitmix64  (Steele, Lea, Flood 2014)  a 64-bit mixer: seeds xoshiro, derives stream keys
//   xoshiro256** (Blackman, Vigna 2018)    the generator: 2^256 - 1 period, 64-bit outputs
//   uniform     = (x >> 11) * 2^-53                             53 random bits in [0, 1), exact
//   normal      = (sum of 12 uniform 16-bit integers - 12 * 32767.5) / 65536     Irwin-Hall
//
// Only integer arithmetic and exactly rounded double operations, and no std::*_distribution
// (whose output differs between standard libraries): the same seed gives the same numbers on
// every compiler and platform. Used by random_init.hpp (weights) and sampling.hpp (tokens).
#pragma once

#include <cstdint>

namespace gemma4 {

/// splitmix64: a 64-bit mixer, used to seed xoshiro and to derive stream keys.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64. Same sequence on every platform.
class Xoshiro256 {
 public:
  constexpr explicit Xoshiro256(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }
  /// A generator in the given raw state (for checking against the reference implementation).
  static constexpr Xoshiro256 from_state(std::uint64_t a, std::uint64_t b, std::uint64_t c,
                                         std::uint64_t d) {
    Xoshiro256 g(0);
    g.s_[0] = a, g.s_[1] = b, g.s_[2] = c, g.s_[3] = d;
    return g;
  }
  /// The next 64 random bits.
  constexpr std::uint64_t next() { return (*this)(); }
  constexpr std::uint64_t operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits (exact).
  constexpr double uniform() { return static_cast<double>((*this)() >> 11) * 0x1p-53; }
  /// Approximately N(0, 1): Irwin-Hall sum of 12 uniform 16-bit integers (exact arithmetic).
  constexpr double normal() {
    std::int64_t sum = 0;
    for (int k = 0; k < 3; ++k) {
      const std::uint64_t x = (*this)();
      sum += static_cast<std::int64_t>((x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) +
                                       (x >> 48));
    }
    return static_cast<double>(2 * sum - 12 * 65535) * 0x1p-17;  // (sum - 12*32767.5) / 65536
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace gemma4
