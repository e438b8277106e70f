// tests/audio/test_wav.cpp: WAV decoding against a real peer (scipy.io.wavfile, Debian
// python3-scipy, on the WAVs scipy ships for its own tests) and every bad input as a named error.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gemma4/audio/wav.hpp>

#include "test_support.hpp"

namespace {

const std::filesystem::path kScipyData = "/usr/lib/python3/dist-packages/scipy/io/tests/data";

/// scipy's reading of `wav`, scaled as our reader scales: written by /usr/bin/python3 as raw
/// float64 (interleaved frames), preceded by rate and channel count. Empty when scipy raises.
struct ScipyRead {
  bool ok = false;
  double rate = 0, channels = 0;
  std::vector<double> samples;
};

ScipyRead scipy_read(const std::filesystem::path& wav, const gemma4::test::TempDir& tmp) {
  const auto out = tmp / (wav.stem().string() + ".f64");
  const std::string script =
      "import sys, numpy as np\n"
      "from scipy.io import wavfile\n"
      "try:\n"
      "    r, d = wavfile.read(sys.argv[1])\n"
      "except ValueError:\n"
      "    sys.exit(3)\n"
      "d = d.reshape(d.shape[0], -1)\n"
      "if d.dtype.kind == 'u':\n"
      "    x = (d.astype(np.float64) - 128.0) / 128.0\n"
      "elif d.dtype.kind == 'i':\n"
      "    x = d.astype(np.float64) / 2.0 ** (8 * d.dtype.itemsize - 1)\n"
      "else:\n"
      "    x = d.astype(np.float64)\n"
      "np.concatenate([[r, d.shape[1]], x.ravel()]).astype('<f8').tofile(sys.argv[2])\n";
  const auto py = tmp / "read.py";
  std::ofstream(py) << script;
  const std::string cmd = "/usr/bin/python3 -W ignore " + py.string() + " '" + wav.string() +
                          "' '" + out.string() + "'";
  const int rc = std::system(cmd.c_str());
  ScipyRead r;
  if (rc != 0) return r;
  std::ifstream in(out, std::ios::binary);
  std::vector<double> all;
  double v;
  while (in.read(reinterpret_cast<char*>(&v), sizeof v)) all.push_back(v);
  REQUIRE(all.size() >= 2);
  r.ok = true;
  r.rate = all[0];
  r.channels = all[1];
  r.samples.assign(all.begin() + 2, all.end());
  return r;
}

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return b;
}

std::string le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

/// A PCM WAV: `tag`, channels, rate, bits; `data` the data chunk body; `declared` its size field.
std::string make_wav(unsigned tag, int channels, int rate, int bits, const std::string& data,
                     std::int64_t declared = -1, std::int64_t riff_extra = 0) {
  const int align = channels * ((bits + 7) / 8);
  std::string fmt =
      le(tag, 2) + le(static_cast<std::uint64_t>(channels), 2) +
      le(static_cast<std::uint64_t>(rate), 4) + le(static_cast<std::uint64_t>(rate * align), 4) +
      le(static_cast<std::uint64_t>(align), 2) + le(static_cast<std::uint64_t>(bits), 2);
  const std::uint64_t dsize = declared < 0 ? data.size() : static_cast<std::uint64_t>(declared);
  std::string body =
      "WAVE" + std::string("fmt ") + le(fmt.size(), 4) + fmt + "data" + le(dsize, 4) + data;
  return "RIFF" +
         le(static_cast<std::uint64_t>(static_cast<std::int64_t>(body.size()) + riff_extra), 4) +
         body;
}

std::string error_of(const std::string& file) {
  try {
    gemma4::decode_wav(bytes_of(file), "test.wav");
  } catch (const gemma4::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every WAV scipy ships decodes to scipy's samples, or both refuse it") {
  REQUIRE_MESSAGE(std::filesystem::is_directory(kScipyData),
                  "python3-scipy is missing: run scripts/install-deps.sh");
  gemma4::test::TempDir tmp;
  int compared = 0, refused = 0;
  for (const auto& e : std::filesystem::directory_iterator(kScipyData)) {
    if (e.path().extension() != ".wav") continue;
    const std::string name = e.path().filename().string();
    INFO(name);
    const ScipyRead ref = scipy_read(e.path(), tmp);
    std::string ours_error;
    gemma4::WavAudio a;
    try {
      a = gemma4::read_wav(e.path());
    } catch (const gemma4::Error& err) {
      ours_error = err.what();
    }
    if (!ref.ok) {  // scipy raises: so must we, with a message naming the file
      CHECK_MESSAGE(!ours_error.empty(), "scipy refuses it, we decoded it");
      CHECK(ours_error.find(name) != std::string::npos);
      ++refused;
      continue;
    }
    if (name.find("early-eof") != std::string::npos) {
      // scipy reads what is there with a warning; a truncated data chunk is an error for us.
      CHECK(ours_error.find("truncated") != std::string::npos);
      ++refused;
      continue;
    }
    REQUIRE_MESSAGE(ours_error.empty(), ours_error);
    CHECK(a.sample_rate == ref.rate);
    CHECK(a.channels == ref.channels);
    REQUIRE(a.samples.size() == ref.samples.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < ref.samples.size(); ++i) differ += a.samples[i] != ref.samples[i];
    CHECK_MESSAGE(differ == 0, differ << " samples differ from scipy's");
    ++compared;
  }
  MESSAGE(compared << " files equal to scipy's samples, " << refused << " refused");
  CHECK(compared >= 14);  // 8 to 64 bits, float 32 / 64, 1 to 5 channels, RIFX, extensible
  CHECK(refused >= 4);    // mu-law, inconsistent header, incomplete chunk, early EOF
}

TEST_CASE("the unsupported and malformed scipy files name what is wrong") {
  auto err = [](const char* f) {
    try {
      gemma4::read_wav(kScipyData / f);
    } catch (const gemma4::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(err("test-8000Hz-le-1ch-1byte-ulaw.wav").find("mu-law (format tag 7)") !=
        std::string::npos);
  // 3 channels x 3 bytes, but a block align of 4 (scipy: "WAV header is invalid").
  CHECK(err("test-8000Hz-le-3ch-5S-24bit-inconsistent.wav").find("block align 4") !=
        std::string::npos);
  CHECK(err("test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav").find("truncated") !=
        std::string::npos);
}

TEST_CASE("to_mono averages the channels of each frame (as librosa.to_mono)") {
  const auto a = gemma4::read_wav(kScipyData / "test-8000Hz-le-2ch-1byteu.wav");
  REQUIRE(a.channels == 2);
  const auto mono = a.to_mono();
  REQUIRE(static_cast<std::int64_t>(mono.size()) == a.frames());
  for (std::size_t f = 0; f < mono.size(); ++f)
    CHECK(mono[f] == (a.samples[2 * f] + a.samples[2 * f + 1]) / 2);
  CHECK(a.format_name() == "PCM 8-bit");
  CHECK(a.duration_seconds() == doctest::Approx(0.1));  // 800 frames at 8 kHz
}

TEST_CASE("hand-made files: scaling of 8/16/24-bit PCM and 32-bit float") {
  // 16-bit: -32768 -> -1, 16384 -> 0.5; 8-bit: 0 -> -1, 192 -> 0.5; 24-bit: 0x400000 -> 0.5.
  auto a =
      gemma4::decode_wav(bytes_of(make_wav(1, 1, 16000, 16, le(0x8000, 2) + le(16384, 2))), "a");
  CHECK(a.samples == std::vector<double>{-1.0, 0.5});
  a = gemma4::decode_wav(bytes_of(make_wav(1, 1, 16000, 8, std::string("\x00\xc0", 2))), "b");
  CHECK(a.samples == std::vector<double>{-1.0, 0.5});
  a = gemma4::decode_wav(bytes_of(make_wav(1, 1, 16000, 24, le(0x400000, 3) + le(0xC00000, 3))),
                         "c");
  CHECK(a.samples == std::vector<double>{0.5, -0.5});
  a = gemma4::decode_wav(bytes_of(make_wav(3, 1, 16000, 32, le(0x3F400000, 4))), "d");  // 0.75f
  CHECK(a.samples == std::vector<double>{0.75});
  CHECK(a.encoding == gemma4::WavEncoding::Float);
}

TEST_CASE("bad input is a gemma4::Error that says what is wrong") {
  const std::string pcm = le(1, 2) + le(2, 2);
  CHECK(error_of("this is not a wav file").find("not a RIFF file") != std::string::npos);
  CHECK(error_of("RIFF").find("too short") != std::string::npos);
  std::string notwave = make_wav(1, 1, 16000, 16, pcm);
  notwave.replace(8, 4, "AVI ");
  CHECK(error_of(notwave).find("not WAVE") != std::string::npos);
  // The data chunk declares more bytes than the file holds.
  CHECK(error_of(make_wav(1, 1, 16000, 16, pcm, 4000)).find("truncated") != std::string::npos);
  // The RIFF header claims a larger file than there is.
  CHECK(error_of(make_wav(1, 1, 16000, 16, pcm, -1, 1000)).find("RIFF header says") !=
        std::string::npos);
  CHECK(error_of(make_wav(1, 1, 16000, 16, "")).find("zero samples") != std::string::npos);
  CHECK(error_of(make_wav(2, 1, 16000, 4, pcm)).find("Microsoft ADPCM (format tag 2)") !=
        std::string::npos);
  CHECK(error_of(make_wav(6, 1, 8000, 8, pcm)).find("A-law") != std::string::npos);
  CHECK(error_of(make_wav(3, 1, 16000, 16, pcm)).find("16-bit IEEE float") != std::string::npos);
  CHECK(error_of(make_wav(1, 1, 16000, 16, std::string("\x01\x02\x03", 3))).find("whole number") !=
        std::string::npos);
  CHECK(error_of(make_wav(1, 0, 16000, 16, pcm)).find("0 channels") != std::string::npos);
  std::string rate_lie = make_wav(1, 1, 16000, 16, pcm);
  rate_lie.replace(28, 4, le(12345, 4));  // byte rate field of the fmt chunk
  CHECK(error_of(rate_lie).find("byte rate 12345") != std::string::npos);
  std::string nodata = make_wav(1, 1, 16000, 16, pcm);
  nodata.replace(36, 4, "junk");
  CHECK(error_of(nodata).find("no data chunk") != std::string::npos);
  CHECK_THROWS_AS(gemma4::read_wav("/no/such/file.wav"), gemma4::Error);
}
