// Tests of gemma4/io/safetensors.hpp: dtype conversions, the golden fixtures' files, zero-copy
// views, and every kind of damaged or lying file, each of which must be a gemma4::Error naming the
// file and the problem.
#include "gemma4/io/safetensors.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;
using gemma4::DType;
using gemma4::SafetensorsFile;

using gemma4::test::TempDir;

namespace {

/// A fresh folder under the system temp dir, removed with its content at scope exit.
void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A safetensors file: u64 length `declared_len` (default: the header's size), header, data bytes.
std::string make_file(const std::string& header, std::size_t data_bytes,
                      std::uint64_t declared_len = UINT64_MAX) {
  const std::uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  out += header;
  out.append(data_bytes, '\x01');
  return out;
}

/// Opening `file` throws gemma4::Error whose message contains the file name and each of `parts`.
void check_open_fails(const fs::path& file, std::initializer_list<std::string> parts) {
  bool thrown = false;
  try {
    SafetensorsFile f(file);
  } catch (const gemma4::Error& e) {
    thrown = true;
    const std::string what = e.what();
    INFO("message: " << what);
    CHECK(what.find(file.string()) != std::string::npos);
    for (const auto& p : parts) CHECK(what.find(p) != std::string::npos);
  }
  CHECK_MESSAGE(thrown, "no gemma4::Error for " << file.string());
}

template <class T, class U>
T bits_to(U u) {
  T t;
  static_assert(sizeof t == sizeof u);
  std::memcpy(static_cast<void*>(&t), &u, sizeof t);
  return t;
}

const fs::path golden = fs::path(GEMMA4_TEST_DATA_DIR) / "golden";

}  // namespace

TEST_CASE("dtype names, sizes and dtype_of") {
  CHECK(gemma4::dtype_name(DType::BF16) == "BF16");
  CHECK(gemma4::dtype_name(DType::I64) == "I64");
  CHECK(gemma4::dtype_size(DType::F64) == 8);
  CHECK(gemma4::dtype_size(DType::F32) == 4);
  CHECK(gemma4::dtype_size(DType::F16) == 2);
  CHECK(gemma4::dtype_size(DType::BF16) == 2);
  CHECK(gemma4::dtype_size(DType::I64) == 8);
  CHECK(gemma4::dtype_size(DType::I32) == 4);
  static_assert(gemma4::dtype_of<double>() == DType::F64);
  static_assert(gemma4::dtype_of<float>() == DType::F32);
  static_assert(gemma4::dtype_of<Eigen::half>() == DType::F16);
  static_assert(gemma4::dtype_of<Eigen::bfloat16>() == DType::BF16);
  static_assert(gemma4::dtype_of<std::int64_t>() == DType::I64);
  static_assert(gemma4::dtype_of<std::int32_t>() == DType::I32);
  DType d{};
  CHECK(gemma4::parse_dtype("F16", d));
  CHECK(d == DType::F16);
  CHECK_FALSE(gemma4::parse_dtype("U8", d));
  CHECK_FALSE(gemma4::parse_dtype("f32", d));
}

TEST_CASE("convert: 16-bit bit patterns, rounding, integer rules") {
  // bf16 0x3F80 = 1.0, 0xC020 = -2.5; f16 0x3C00 = 1.0, 0xC100 = -2.5.
  const std::uint16_t bf[2] = {0x3F80, 0xC020};
  const std::uint16_t hf[2] = {0x3C00, 0xC100};
  double out[2];
  gemma4::convert<double>(DType::BF16, std::as_bytes(std::span(bf)), out);
  CHECK(out[0] == 1.0);
  CHECK(out[1] == -2.5);
  gemma4::convert<double>(DType::F16, std::as_bytes(std::span(hf)), out);
  CHECK(out[0] == 1.0);
  CHECK(out[1] == -2.5);

  // float -> bf16 rounds to nearest even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 -> 1.
  const float f[3] = {1.0f + 1.0f / 256, 1.0f + 3.0f / 256, 3.0f};
  Eigen::bfloat16 b[3];
  gemma4::convert<Eigen::bfloat16>(DType::F32, std::as_bytes(std::span(f)), b);
  CHECK(bits_to<std::uint16_t>(b[0]) == 0x3F80);
  CHECK(bits_to<std::uint16_t>(b[1]) == 0x3F82);  // 1 + 4/256
  CHECK(static_cast<float>(b[2]) == 3.0f);

  // Unaligned source bytes are fine.
  std::vector<std::byte> raw(1 + 2 * sizeof(double));
  const double dv[2] = {0.25, -7.0};
  std::memcpy(raw.data() + 1, dv, sizeof dv);
  float fo[2];
  gemma4::convert<float>(DType::F64, std::span(raw).subspan(1), fo);
  CHECK(fo[0] == 0.25f);
  CHECK(fo[1] == -7.0f);

  // Integers: widen, narrow with a range check, to floating; never floating -> integer.
  const std::int64_t big[2] = {5, std::int64_t{1} << 40};
  std::int32_t i32[2];
  CHECK_THROWS_AS(gemma4::convert<std::int32_t>(DType::I64, std::as_bytes(std::span(big)), i32),
                  gemma4::Error);
  gemma4::convert<std::int32_t>(DType::I64, std::as_bytes(std::span(big).first(1)), i32);
  CHECK(i32[0] == 5);
  float fb[2];
  gemma4::convert<float>(DType::I64, std::as_bytes(std::span(big)), fb);
  CHECK(fb[1] == 1099511627776.0f);
  std::int64_t i64[3];
  CHECK_THROWS_WITH_AS(gemma4::convert<std::int64_t>(DType::F32, std::as_bytes(std::span(f)), i64),
                       doctest::Contains("cannot convert floating F32 to integer I64"),
                       gemma4::Error);
  // A byte count that is not a whole number of elements.
  CHECK_THROWS_AS(gemma4::convert<float>(DType::F32, std::as_bytes(std::span(f)).first(6), fo),
                  gemma4::Error);
}

TEST_CASE("golden fixtures: model.safetensors and golden.safetensors") {
  for (const char* name : {"text-e2b-tiny", "text-moe-tiny", "text-dense-tiny"}) {
    CAPTURE(name);
    const fs::path dir = golden / name;
    nlohmann::json config;
    std::ifstream(dir / "config.json") >> config;
    const auto& tc = config["text_config"];
    const std::int64_t vocab = tc["vocab_size"], hidden = tc["hidden_size"];
    const std::int64_t layers = tc["num_hidden_layers"];

    SafetensorsFile model(dir / "model.safetensors");
    const auto& embed = model.at("model.language_model.embed_tokens.weight");
    CHECK(embed.dtype == DType::F32);
    CHECK(embed.shape == std::vector<std::int64_t>{vocab, hidden});
    CHECK(model.at("model.language_model.norm.weight").shape == std::vector<std::int64_t>{hidden});
    CHECK(model.find("lm_head.weight") == nullptr);  // tied, not stored
    for (std::int64_t i = 0; i < layers; ++i) {
      CAPTURE(i);
      const std::string p = "model.language_model.layers." + std::to_string(i) + ".";
      CHECK(model.at(p + "layer_scalar").shape == std::vector<std::int64_t>{1});
      CHECK(model.at(p + "input_layernorm.weight").shape == std::vector<std::int64_t>{hidden});
    }
    for (const auto& t : model.tensors()) CHECK(t.dtype == DType::F32);
    // Sorted by name; find() agrees with the list.
    for (std::size_t i = 1; i < model.tensors().size(); ++i)
      CHECK(model.tensors()[i - 1].name < model.tensors()[i].name);
    for (const auto& t : model.tensors()) CHECK(model.find(t.name) == &t);

    // The data section starts 8-aligned (HF pads the header), so F32 views are zero-copy.
    CHECK(model.data_offset() % 8 == 0);
    const float* view = model.try_view<float>(embed);
    REQUIRE(view != nullptr);
    const auto copy = model.read<float>(embed.name);
    CHECK(std::memcmp(view, copy.data(), copy.size() * sizeof(float)) == 0);
    CHECK(model.try_view<double>(embed) == nullptr);  // stored F32, not F64
    CHECK(model.data(embed).size() == static_cast<std::size_t>(vocab * hidden * 4));

    SafetensorsFile g(dir / "golden.safetensors");
    const auto& ids = g.at("input_ids");
    CHECK(ids.dtype == DType::I64);
    CHECK(ids.shape == std::vector<std::int64_t>{20});
    for (auto id : g.read<std::int32_t>("input_ids")) {
      CHECK(id >= 0);
      CHECK(id < vocab);
    }
    const auto& logits = g.at("logits");
    CHECK(logits.dtype == DType::F64);
    CHECK(logits.shape == std::vector<std::int64_t>{20, vocab});
    CHECK(g.at("hidden_states.0").shape == std::vector<std::int64_t>{20, hidden});
    CHECK(g.at("hidden_states." + std::to_string(layers)).dtype == DType::F64);
    CHECK(g.metadata().count("seed") == 1);
    // Converting F64 -> float agrees with the F64 values to float rounding.
    const auto ld = g.read<double>("logits");
    const auto lf = g.read<float>("logits");
    for (std::size_t i = 0; i < ld.size(); ++i) CHECK(lf[i] == static_cast<float>(ld[i]));
  }
}

TEST_CASE("a small valid file: metadata, scalar, empty tensor, gaps, not-found") {
  TempDir tmp;
  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("b":{"dtype":"I32","shape":[],"data_offsets":[8,12]},)"
                             R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("e":{"dtype":"BF16","shape":[0,5],"data_offsets":[12,12]}})";
  write_bytes(tmp / "ok.safetensors", make_file(header, 16));
  SafetensorsFile f(tmp / "ok.safetensors");
  REQUIRE(f.tensors().size() == 3);
  CHECK(f.tensors()[0].name == "a");
  CHECK(f.tensors()[1].name == "b");
  CHECK(f.metadata().at("format") == "pt");
  CHECK(f.at("b").numel() == 1);
  CHECK(f.at("e").numel() == 0);
  CHECK(f.read<Eigen::bfloat16>("e").empty());
  CHECK(f.read<std::int64_t>("b") == std::vector<std::int64_t>{0x01010101});
  CHECK(f.find("z") == nullptr);
  CHECK_THROWS_WITH_AS(f.at("z"), doctest::Contains("no tensor 'z'"), gemma4::Error);
  CHECK_THROWS_WITH_AS(f.at("z"), doctest::Contains((tmp / "ok.safetensors").string().c_str()),
                       gemma4::Error);
  // read() of a floating tensor into an integer type names the file and the tensor.
  CHECK_THROWS_WITH_AS(f.read<std::int32_t>("a"), doctest::Contains("tensor 'a'"), gemma4::Error);
  // Moving keeps the views valid (the mapping does not move).
  const auto* before = f.data(f.at("a")).data();
  SafetensorsFile g(std::move(f));
  CHECK(g.data(g.at("a")).data() == before);
}

TEST_CASE("bad input: truncated file (shorter than the 8-byte length)") {
  TempDir tmp;
  write_bytes(tmp / "t.safetensors", std::string("\x10\0\0", 3));
  check_open_fails(tmp / "t.safetensors", {"too short"});
  write_bytes(tmp / "empty.safetensors", "");
  check_open_fails(tmp / "empty.safetensors", {"0 bytes"});
}

TEST_CASE("bad input: truncated data section") {
  TempDir tmp;
  const std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  write_bytes(tmp / "t.safetensors", make_file(header, 10));  // 16 bytes promised, 10 present
  check_open_fails(tmp / "t.safetensors", {"tensor 'a'", "outside the data section"});
}

TEST_CASE("bad input: header length past the end of the file") {
  TempDir tmp;
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  write_bytes(tmp / "p.safetensors", make_file(header, 4, header.size() + 100));
  check_open_fails(tmp / "p.safetensors", {"header length", "past the end"});
}

TEST_CASE("bad input: header length absurdly large") {
  TempDir tmp;
  write_bytes(tmp / "h.safetensors", make_file("{}", 0, std::uint64_t{1} << 62));
  check_open_fails(tmp / "h.safetensors", {"header length 4611686018427387904", "limit"});
  write_bytes(tmp / "m.safetensors", make_file("{}", 0, UINT64_MAX - 1));  // wraps if added to 8
  check_open_fails(tmp / "m.safetensors", {"header length"});
}

TEST_CASE("bad input: malformed JSON") {
  TempDir tmp;
  write_bytes(tmp / "j.safetensors", make_file(R"({"a":{"dtype":"F32",)", 0));
  check_open_fails(tmp / "j.safetensors", {"malformed JSON"});
  write_bytes(tmp / "arr.safetensors", make_file("[1, 2]  ", 0));
  check_open_fails(tmp / "arr.safetensors", {"not an object"});
  write_bytes(tmp / "meta.safetensors", make_file(R"({"__metadata__":{"n":3}})", 0));
  check_open_fails(tmp / "meta.safetensors", {"__metadata__", "not a string"});
}

TEST_CASE("bad input: entries missing keys or with wrong types") {
  TempDir tmp;
  write_bytes(tmp / "k.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1]}})", 4));
  check_open_fails(tmp / "k.safetensors", {"tensor 'w'", "no data_offsets"});
  write_bytes(tmp / "d.safetensors", make_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4));
  check_open_fails(tmp / "d.safetensors", {"tensor 'w'", "no dtype"});
  write_bytes(tmp / "n.safetensors",
              make_file(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4));
  check_open_fails(tmp / "n.safetensors", {"tensor 'w'", "non-negative"});
  write_bytes(tmp / "f.safetensors",
              make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}})", 4));
  check_open_fails(tmp / "f.safetensors", {"tensor 'w'", "data_offsets"});
  write_bytes(tmp / "r.safetensors",
              make_file(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", 4));
  check_open_fails(tmp / "r.safetensors", {"tensor 'w'", "reversed"});
}

TEST_CASE("bad input: unknown dtype") {
  TempDir tmp;
  write_bytes(tmp / "u.safetensors",
              make_file(R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", 4));
  check_open_fails(tmp / "u.safetensors", {"tensor 'w'", "unknown dtype 'F8_E4M3'"});
}

TEST_CASE("bad input: offsets outside the data section") {
  TempDir tmp;
  write_bytes(tmp / "o.safetensors",
              make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 12));
  check_open_fails(tmp / "o.safetensors", {"tensor 'w'", "[8, 16]", "outside the data section"});
}

TEST_CASE("bad input: overlapping tensors") {
  TempDir tmp;
  write_bytes(tmp / "ov.safetensors",
              make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                        12));
  check_open_fails(tmp / "ov.safetensors", {"'x'", "'y'", "overlap"});
  // The same range twice is an overlap too.
  write_bytes(tmp / "same.safetensors",
              make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("y":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                        8));
  check_open_fails(tmp / "same.safetensors", {"overlap"});
}

TEST_CASE("bad input: shape and byte range disagree") {
  TempDir tmp;
  write_bytes(tmp / "s.safetensors",
              make_file(R"({"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,48]}})", 48));
  check_open_fails(tmp / "s.safetensors", {"tensor 'w'", "[3, 4]", "needs 24 bytes", "hold 48"});
  // A shape whose product overflows 64 bits must not wrap around to a small byte count.
  write_bytes(tmp / "big.safetensors",
              make_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4],)"
                        R"("data_offsets":[0,0]}})",
                        0));
  check_open_fails(tmp / "big.safetensors", {"tensor 'w'", "too large"});
}

TEST_CASE("bad input: not a file") {
  TempDir tmp;
  check_open_fails(tmp / "absent.safetensors", {"cannot open"});
  check_open_fails(tmp.path, {"not a regular file"});
}
