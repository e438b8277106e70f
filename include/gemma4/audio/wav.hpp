// gemma4/audio/wav.hpp: reading RIFF/WAVE files into samples in [-1, 1].
//
// Layout of a WAV file (little-endian "RIFF"; "RIFX" is the rare big-endian twin, also read):
//
//   "RIFF" <u32 size of the rest> "WAVE"
//   chunks: <4-byte id> <u32 size> <size bytes> <1 pad byte when size is odd>
//     "fmt "  u16 format tag, u16 channels, u32 sample rate, u32 byte rate, u16 block align,
//             u16 bits per sample [, u16 cbSize, u16 valid bits, u32 channel mask, GUID subformat]
//     "data"  frames of `channels` interleaved samples, `block_align` bytes per frame
//     others (LIST, fact, cue, ...) are skipped
//
// Encodings read: format tag 1 (integer PCM) with 1 to 8 bytes per sample, 3 (IEEE float) with 4
// or 8 bytes, and 0xFFFE (WAVE_FORMAT_EXTENSIBLE), whose sub-format GUID names one of the two.
// Integer samples are scaled by the container's range, as soundfile/librosa do:
//   8 bit (unsigned): (v - 128) / 128;   n bytes (signed): v / 2^(8n - 1), e.g. 16 bit v / 32768
// (a 12-bit or 20-bit sample is stored left-justified in its 2- or 3-byte container, so this is
// also v_bits / 2^(bits-1)). Float samples are kept as they are (values beyond +-1 are not
// clipped). Samples are held as double: exact for integer depths up to 53 bits and for 64-bit
// float files.
//
// Everything else (mu-law, A-law, ADPCM, MPEG, ...; a file that is not RIFF/WAVE; a missing fmt
// or data chunk; sizes that run past the end of the file; a data chunk that is not a whole number
// of frames; a byte rate other than sample rate x block align; zero samples) is a gemma4::Error
// naming the file and the value. A data chunk whose
// declared size runs past the end of the file is an error too (scipy reads it with a warning,
// we do not guess at what is missing).
//
// Downmixing (to_mono) averages the channels of each frame, as librosa.to_mono does.
//
//   gemma4::WavAudio a = gemma4::read_wav("speech.wav");   // a.sample_rate, a.channels, ...
//   std::vector<double> mono = a.to_mono();
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "gemma4/core/error.hpp"

namespace gemma4 {

/// The sample encoding of a WAV file.
enum class WavEncoding { Pcm, Float };

/// A decoded WAV file: interleaved samples of every channel, scaled to [-1, 1].
struct WavAudio {
  int sample_rate = 0;
  int channels = 0;
  int bits_per_sample = 0;  // container bits: 8, 16, 24, 32, ..., 64
  int valid_bits = 0;       // significant bits (WAVE_FORMAT_EXTENSIBLE, else = container)
  WavEncoding encoding = WavEncoding::Pcm;
  bool extensible = false;      // format tag 0xFFFE
  bool big_endian = false;      // "RIFX"
  std::vector<double> samples;  // [frames * channels], frame-major

  std::int64_t frames() const {
    return channels ? static_cast<std::int64_t>(samples.size()) / channels : 0;
  }
  double duration_seconds() const {
    return sample_rate ? static_cast<double>(frames()) / sample_rate : 0.0;
  }
  /// "PCM 16-bit", "IEEE float 32-bit", "PCM 24-bit (extensible)", ...
  std::string format_name() const {
    std::string s = encoding == WavEncoding::Pcm ? "PCM " : "IEEE float ";
    s += std::to_string(bits_per_sample) + "-bit";
    if (valid_bits && valid_bits != bits_per_sample)
      s += " (" + std::to_string(valid_bits) + " valid)";
    if (extensible) s += " (extensible)";
    if (big_endian) s += " (big-endian RIFX)";
    return s;
  }
  /// The channels averaged frame by frame (librosa.to_mono): [frames].
  std::vector<double> to_mono() const {
    const auto n = static_cast<std::size_t>(frames());
    const auto ch = static_cast<std::size_t>(channels);
    if (ch == 1) return samples;
    std::vector<double> out(n);
    for (std::size_t f = 0; f < n; ++f) {
      double sum = 0;
      for (std::size_t c = 0; c < ch; ++c) sum += samples[f * ch + c];
      out[f] = sum / static_cast<double>(ch);
    }
    return out;
  }
};

namespace detail {

/// Reads little- or big-endian unsigned integers out of a byte buffer.
struct WavBytes {
  std::span<const std::byte> bytes;
  bool big_endian = false;

  std::uint64_t uint(std::size_t at, int n) const {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      const int shift = big_endian ? 8 * (n - 1 - i) : 8 * i;
      v |= static_cast<std::uint64_t>(std::to_integer<unsigned>(bytes[at + i])) << shift;
    }
    return v;
  }
  bool id_is(std::size_t at, const char* id) const {
    return std::memcmp(bytes.data() + at, id, 4) == 0;
  }
  std::string id(std::size_t at) const {
    std::string s(4, ' ');
    for (int i = 0; i < 4; ++i) {
      const auto c = std::to_integer<unsigned char>(bytes[at + i]);
      s[i] = c >= 32 && c < 127 ? static_cast<char>(c) : '?';
    }
    return s;
  }
};

/// The name of a WAVE format tag, for "unsupported encoding" errors.
inline std::string wav_format_tag_name(unsigned tag) {
  switch (tag) {
    case 0x0002:
      return "Microsoft ADPCM";
    case 0x0006:
      return "A-law";
    case 0x0007:
      return "mu-law";
    case 0x0011:
      return "IMA ADPCM";
    case 0x0031:
      return "GSM 6.10";
    case 0x0050:
      return "MPEG";
    case 0x0055:
      return "MPEG layer 3";
    default:
      return "unknown";
  }
}

}  // namespace detail

/// Decodes a WAV file held in memory; `where` names it in errors.
inline WavAudio decode_wav(std::span<const std::byte> bytes, const std::string& where) {
  using detail::fail;
  detail::WavBytes b{bytes, false};
  if (bytes.size() < 12) fail(where, ": ", bytes.size(), " bytes is too short for a WAV header");
  if (b.id_is(0, "RIFX"))
    b.big_endian = true;
  else if (b.id_is(0, "RF64"))
    fail(where, ": RF64 (64-bit RIFF) files are not supported");
  else if (!b.id_is(0, "RIFF"))
    fail(where, ": not a RIFF file (starts with \"", b.id(0), "\")");
  if (!b.id_is(8, "WAVE")) fail(where, ": a RIFF file of type \"", b.id(8), "\", not WAVE");
  const std::uint64_t riff_size = b.uint(4, 4);
  if (riff_size + 8 > bytes.size())
    fail(where, ": the RIFF header says ", riff_size + 8, " bytes, the file has ", bytes.size(),
         " (truncated?)");
  // Chunks are bounded by the file, not by the RIFF size: writers that leave the RIFF size short
  // (one of scipy's test files) are common and harmless; a RIFF size beyond the file is not.
  const std::size_t end = bytes.size();

  WavAudio a;
  a.big_endian = b.big_endian;
  bool have_fmt = false;
  unsigned tag = 0, block_align = 0;
  std::uint64_t byte_rate = 0;
  std::size_t pos = 12;
  while (pos + 8 <= end) {
    const std::uint64_t size = b.uint(pos + 4, 4);
    const std::size_t body = pos + 8;
    if (body + size > end)
      fail(where, ": chunk \"", b.id(pos), "\" at byte ", pos, " declares ", size, " bytes, only ",
           end - body, " remain (truncated or lying header)");
    if (b.id_is(pos, "fmt ")) {
      if (size < 16) fail(where, ": fmt chunk of ", size, " bytes (at least 16 expected)");
      tag = static_cast<unsigned>(b.uint(body, 2));
      a.channels = static_cast<int>(b.uint(body + 2, 2));
      a.sample_rate = static_cast<int>(b.uint(body + 4, 4));
      byte_rate = b.uint(body + 8, 4);
      block_align = static_cast<unsigned>(b.uint(body + 12, 2));
      a.bits_per_sample = static_cast<int>(b.uint(body + 14, 2));
      a.valid_bits = a.bits_per_sample;
      if (tag == 0xFFFE) {
        if (size < 40)
          fail(where, ": WAVE_FORMAT_EXTENSIBLE fmt chunk of ", size, " bytes (40 expected)");
        a.extensible = true;
        a.valid_bits = static_cast<int>(b.uint(body + 18, 2));
        // Sub-format GUID {tag-0000-0010-8000-00AA00389B71}: Data1 (u32) is the format tag,
        // Data2 (u16) 0, Data3 (u16) 0x0010, Data4 the 8 bytes 80 00 00 AA 00 38 9B 71. The
        // integer fields follow the file's byte order.
        static constexpr unsigned char data4[8] = {0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
        const std::uint64_t data1 = b.uint(body + 24, 4);
        if (b.uint(body + 28, 2) != 0 || b.uint(body + 30, 2) != 0x0010 ||
            std::memcmp(bytes.data() + body + 32, data4, 8) != 0 || data1 > 0xFFFF)
          fail(where, ": WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID");
        tag = static_cast<unsigned>(data1);
      }
      have_fmt = true;
    } else if (b.id_is(pos, "data")) {
      if (!have_fmt) fail(where, ": data chunk before the fmt chunk");
      if (tag != 1 && tag != 3)
        fail(where, ": unsupported encoding ", detail::wav_format_tag_name(tag), " (format tag ",
             tag, "); gemma4 reads integer PCM and IEEE float");
      if (a.channels <= 0) fail(where, ": ", a.channels, " channels");
      if (a.sample_rate <= 0) fail(where, ": sample rate ", a.sample_rate);
      a.encoding = tag == 1 ? WavEncoding::Pcm : WavEncoding::Float;
      const int bits = a.bits_per_sample;
      const bool ok_bits = tag == 1 ? (bits >= 1 && bits <= 64) : (bits == 32 || bits == 64);
      if (!ok_bits)
        fail(where, ": ", bits, "-bit ", tag == 1 ? "PCM" : "IEEE float", " is not supported");
      // A sample occupies whole bytes: 12-bit samples sit in 2 bytes, 20-bit in 3.
      const unsigned bytes_per_sample = static_cast<unsigned>((bits + 7) / 8);
      if (block_align != bytes_per_sample * static_cast<unsigned>(a.channels))
        fail(where, ": block align ", block_align, " does not match ", a.channels, " channels x ",
             bytes_per_sample, " bytes");
      a.bits_per_sample = static_cast<int>(bytes_per_sample * 8);
      if (byte_rate != static_cast<std::uint64_t>(a.sample_rate) * block_align)
        fail(where, ": byte rate ", byte_rate, " is not sample rate ", a.sample_rate,
             " x block align ", block_align, " (inconsistent header)");
      if (size % block_align != 0)
        fail(where, ": data chunk of ", size, " bytes is not a whole number of ", block_align,
             "-byte frames");
      const std::size_t n = static_cast<std::size_t>(size / bytes_per_sample);
      if (n == 0) fail(where, ": the data chunk holds zero samples");
      a.samples.resize(n);
      const double scale = std::ldexp(1.0, -(a.bits_per_sample - 1));  // 2^-(8 n - 1)
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t at = body + i * bytes_per_sample;
        const std::uint64_t u = b.uint(at, static_cast<int>(bytes_per_sample));
        double v;
        if (tag == 3 && bytes_per_sample == 4) {
          const auto u32 = static_cast<std::uint32_t>(u);
          float f;
          std::memcpy(&f, &u32, 4);
          v = f;
        } else if (tag == 3) {
          std::memcpy(&v, &u, 8);
        } else if (bytes_per_sample == 1) {  // 8-bit WAV is unsigned, centred on 128
          v = (static_cast<double>(u) - 128.0) * scale;
        } else {  // signed, two's complement: sign-extend from the container width
          const int shift = 64 - static_cast<int>(8 * bytes_per_sample);
          const auto s = static_cast<std::int64_t>(u << shift) >> shift;  // arithmetic (C++20)
          v = static_cast<double>(s) * scale;
        }
        a.samples[i] = v;
      }
      return a;
    }
    pos = body + static_cast<std::size_t>(size) + (size & 1);
  }
  if (!have_fmt) fail(where, ": no fmt chunk");
  fail(where, ": no data chunk");
}

/// Reads and decodes a WAV file.
inline WavAudio read_wav(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail(path.string(), ": cannot open");
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_wav(std::as_bytes(std::span<const char>(raw)), path.string());
}

}  // namespace gemma4
