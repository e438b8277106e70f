// gemma4/tokenizer/detail/utf8.hpp: the UTF-8 rules the tokenizer needs.
//
// "Valid UTF-8" means well-formed per Unicode 15 Table 3-7 (the rule Rust's `str` enforces, which
// is what Hugging Face `tokenizers` takes as input): no overlong forms, no surrogates
// U+D800..U+DFFF, nothing above U+10FFFF, no stray continuation bytes, no truncated sequences.
//
//   byte 1      byte 2     byte 3   byte 4   code points
//   00..7F                                   U+0000..U+007F
//   C2..DF      80..BF                       U+0080..U+07FF
//   E0          A0..BF     80..BF            U+0800..U+0FFF
//   E1..EC,EE..EF 80..BF   80..BF            U+1000..U+CFFF, U+E000..U+FFFF
//   ED          80..9F     80..BF            U+D000..U+D7FF
//   F0          90..BF     80..BF   80..BF   U+10000..U+3FFFF
//   F1..F3      80..BF     80..BF   80..BF   U+40000..U+FFFFF
//   F4          80..8F     80..BF   80..BF   U+100000..U+10FFFF
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemma4::detail {

/// Decodes the code point starting at text[pos]. Returns its length in bytes (1..4) and stores
/// the code point in `cp`, or returns 0 if the bytes at `pos` are not a well-formed sequence.
inline std::size_t utf8_decode(std::string_view text, std::size_t pos, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const unsigned b0 = byte(0);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  const auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < left && byte(i) >= lo && byte(i) <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    cp = ((b0 & 0x1Fu) << 6) | (byte(1) & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2)) return 0;
    cp = ((b0 & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return 0;
    cp = ((b0 & 0x07u) << 18) | ((byte(1) & 0x3Fu) << 12) | ((byte(2) & 0x3Fu) << 6) |
         (byte(3) & 0x3Fu);
    return 4;
  }
  return 0;  // 80..C1 (continuation or overlong lead) or F5..FF
}

/// The byte offset of the first ill-formed sequence, or nothing if `text` is valid UTF-8.
inline std::optional<std::size_t> utf8_first_invalid(std::string_view text) {
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < text.size()) {
    // ASCII fast path: 8 bytes at a time.
    while (pos + 8 <= text.size()) {
      std::uint64_t word = 0;
      for (std::size_t i = 0; i < 8; ++i)
        word |= std::uint64_t{static_cast<unsigned char>(text[pos + i])} << (8 * i);
      if (word & 0x8080808080808080ull) break;
      pos += 8;
    }
    if (pos >= text.size()) break;
    const std::size_t n = utf8_decode(text, pos, cp);
    if (n == 0) return pos;
    pos += n;
  }
  return std::nullopt;
}

inline bool utf8_valid(std::string_view text) {
  return !utf8_first_invalid(text).has_value();
}

/// Appends the UTF-8 encoding of `cp` (which must be a Unicode scalar value).
inline void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// U+FFFD REPLACEMENT CHARACTER in UTF-8.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace gemma4::detail
