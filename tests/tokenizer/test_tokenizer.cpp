// Unit tests of gemma4/tokenizer/tokenizer.hpp on a tiny hand-written tokenizer.json
// (tests/data/tokenizer/tiny-tokenizer.json), where every expected id can be derived by hand from
// the file, and on malformed inputs. The real Gemma 4 vocabulary is tested in
// test_tokenizer_real.cpp.
//
// The tiny file (same pipeline as Gemma: Replace(" " -> "▁"), Split no-op, byte fallback,
// fuse_unk, decoder Replace/ByteFallback/Fuse):
//   ids 0..5   <pad> <eos> <bos> <unk> <|turn> <turn|>   (added, special)
//   ids 6..15  <0x41> <0xC3> <0xA9> <0xE2> <0x82> <0xAC> <0xF0> <0x9F> <0x98> <0x80>
//   ids 16..25 a b c ▁ ab bc abc ▁a aa ä
//   ids 26..28 xy xyz yzw  (added, not special, not in model.vocab)
//   merges (rank: pair): 0: b c   1: a b   2: a bc   3: a a   4: ▁ a
#include <doctest/doctest.h>

#include <gemma4/tokenizer/tokenizer.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using gemma4::TokenId;
using Ids = std::vector<TokenId>;

std::string data_path(const std::string& name) {
  return std::string(GEMMA4_TEST_DATA_DIR) + "/tokenizer/" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const gemma4::Tokenizer& tiny() {
  static const gemma4::Tokenizer tok =
      gemma4::Tokenizer::from_file(data_path("tiny-tokenizer.json"));
  return tok;
}

// The tiny JSON with `from` replaced by `to` (exactly one occurrence).
std::string tiny_json_with(const std::string& from, const std::string& to) {
  std::string json = read_text(data_path("tiny-tokenizer.json"));
  const auto pos = json.find(from);
  REQUIRE_MESSAGE(pos != std::string::npos, "tiny-tokenizer.json has no " << from);
  REQUIRE_MESSAGE(json.find(from, pos + 1) == std::string::npos, from << " is not unique");
  json.replace(pos, from.size(), to);
  return json;
}

// The message of the gemma4::Error that `f` throws ("" if it throws nothing).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const gemma4::Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("tiny: vocabulary, pieces and special flags come from the file") {
  const auto& t = tiny();
  CHECK(t.vocab_size() == 29);  // 26 model pieces + 3 added tokens outside model.vocab
  CHECK(t.piece(22) == "abc");
  CHECK(t.piece(19) == "\xE2\x96\x81");  // ▁
  CHECK(t.piece(27) == "xyz");
  CHECK(t.token_id("<|turn>") == 4);
  CHECK(t.token_id("yzw") == 28);
  CHECK_FALSE(t.token_id("abcd").has_value());
  CHECK(t.special_ids() == Ids{0, 1, 2, 3, 4, 5});
  CHECK(t.is_special(5));
  CHECK_FALSE(t.is_special(26));
  CHECK_FALSE(t.is_special(16));
}

TEST_CASE("tiny: merges apply by rank, not by position") {
  // "abc": pairs (a,b) rank 1 and (b,c) rank 0 -> bc first, then (a,bc) rank 2 -> abc.
  // Merging leftmost-first would give ab + c (no merge (ab, c)) = {20, 18}.
  CHECK(tiny().encode("abc") == Ids{22});
  // "bcab": (b,c) 0 -> bc; (c,a) none; (a,b) 1 -> ab; (bc,ab) none.
  CHECK(tiny().encode("bcab") == Ids{21, 20});
}

TEST_CASE("tiny: equal ranks merge leftmost first") {
  // "aaa": (a,a) at positions 0 and 1, both rank 3 -> the left one: aa a.
  CHECK(tiny().encode("aaa") == Ids{24, 16});
  // "aaaa": aa at 0, then (aa,a) has no rank and (a,a) at 2 merges: aa aa.
  CHECK(tiny().encode("aaaa") == Ids{24, 24});
}

TEST_CASE("tiny: spaces become ▁ before BPE, no dummy prefix") {
  CHECK(tiny().encode(" a") == Ids{23});           // ▁a by merge 4
  CHECK(tiny().encode("a b") == Ids{16, 19, 17});  // a ▁ b: no (a,▁) or (▁,b) merge
  CHECK(tiny().encode("a") == Ids{16});            // not ▁a: no prefix space added
  CHECK(tiny().encode("  aa ") == Ids{19, 19, 24, 19});
  CHECK(tiny().encode("").empty());
}

TEST_CASE("tiny: code points without a piece fall back to their UTF-8 bytes") {
  CHECK(tiny().encode("\xC3\xA9") == Ids{7, 8});                    // é = C3 A9
  CHECK(tiny().encode("A") == Ids{6});                              // 0x41
  CHECK(tiny().encode("\xE2\x82\xAC") == Ids{9, 10, 11});           // € = E2 82 AC
  CHECK(tiny().encode("\xF0\x9F\x98\x80") == Ids{12, 13, 14, 15});  // 😀 = F0 9F 98 80
  CHECK(tiny().encode("\xC3\xA4") == Ids{25});                      // ä is a piece: no fallback
  // "ä" decomposed: a + U+0308 (CC 88); no piece, bytes CC and 88 not in the vocab -> <unk>.
  CHECK(tiny().encode("a\xCC\x88") == Ids{16, 3});
  // Byte pieces never merge even where their characters would: "A" "A" stays two bytes.
  CHECK(tiny().encode("AA") == Ids{6, 6});
}

TEST_CASE("tiny: unknown characters give <unk>, fused; HF's fusing across byte fallback") {
  CHECK(tiny().encode("z") == Ids{3});        // no piece, byte 0x7A not in vocab
  CHECK(tiny().encode("zz") == Ids{3});       // fuse_unk: one <unk> for the run
  CHECK(tiny().encode("azz") == Ids{16, 3});  // a piece ends no run before it
  CHECK(tiny().encode("zaz") == Ids{3, 16, 3});
  // HF keeps the <unk> pending across a byte-fallback character (see encode_word).
  CHECK(tiny().encode("z\xC3\xA9z") == Ids{7, 8, 3});
}

TEST_CASE("tiny: added tokens match on the raw text, leftmost then longest") {
  CHECK(tiny().encode("xyzw") == Ids{27, 3});  // xyz (longest at 0), then w -> <unk>
  CHECK(tiny().encode("axyb") == Ids{16, 26, 17});
  CHECK(tiny().encode("yzw") == Ids{28});
  CHECK(tiny().encode("xyzyzw") == Ids{27, 28});
  CHECK(tiny().encode("<|turn>a b<turn|>") == Ids{4, 16, 19, 17, 5});
  CHECK(tiny().encode(" <|turn>") == Ids{19, 4});  // the space is not merged into the token
  CHECK(tiny().encode("<|turn") == Ids{3});        // no match: < | t u r n -> all <unk>, fused
}

TEST_CASE("tiny: decode joins byte runs; an invalid run becomes U+FFFD per byte (HF)") {
  const std::string fffd = "\xEF\xBF\xBD";
  const auto dec = [](Ids ids, bool skip = false) { return tiny().decode(ids, skip); };
  CHECK(dec({7, 8}) == "\xC3\xA9");
  CHECK(dec({7}) == fffd);                         // C3 alone: truncated
  CHECK(dec({8, 7}) == fffd + fffd);               // A9 C3: stray continuation + truncated
  CHECK(dec({6, 7}) == fffd + fffd);               // 41 C3: the whole run is replaced, not "A"+FFFD
  CHECK(dec({12, 13, 14}) == fffd + fffd + fffd);  // F0 9F 98: truncated 4-byte sequence
  CHECK(dec({12, 13, 14, 15}) == "\xF0\x9F\x98\x80");
  CHECK(dec({7, 16, 8}) == fffd + "a" + fffd);  // a piece ends a run
  CHECK(dec({23}) == " a");                     // ▁ -> space
  CHECK(dec({16, 19, 19, 17}) == "a  b");
  CHECK(dec({2, 16, 5}) == "<bos>a<turn|>");
  CHECK(dec({2, 16, 5}, true) == "a");
  CHECK(dec({26, 19, 27}, true) == "xy xyz");  // non-special added tokens stay
  CHECK(dec({7, 4, 8}, true) == "\xC3\xA9");   // a skipped special does not end a byte run
  CHECK(dec({}).empty());
}

TEST_CASE("tiny: encode then decode gives the text back when every character has a piece/bytes") {
  for (const std::string text : {"abc", " a b c ", "\xC3\xA9\xE2\x82\xAC A", "<|turn>xyz",
                                 "aaaa bcab", "\xF0\x9F\x98\x80\xC3\xA4"})
    CHECK(tiny().decode(tiny().encode(text)) == text);
}

TEST_CASE("tiny: StreamDecoder releases text as it becomes final and equals decode()") {
  gemma4::StreamDecoder s(tiny());
  CHECK(s.push(16) == "a");
  CHECK(s.push(12) == "");  // F0: start of a byte run, held back
  CHECK(s.push(13) == "");
  CHECK(s.push(14) == "");
  CHECK(s.push(15) == "");  // run complete, but a further byte could still invalidate it
  CHECK(s.has_pending());
  CHECK(s.push(23) == "\xF0\x9F\x98\x80 a");
  CHECK_FALSE(s.has_pending());
  CHECK(s.push(7) == "");
  CHECK(s.finish() == "\xEF\xBF\xBD");  // the stream ended inside a sequence

  gemma4::StreamDecoder skip(tiny(), true);
  CHECK(skip.push(2) == "");
  CHECK(skip.push(16) == "a");

  // Random id sequences: the concatenated stream equals decode().
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> any(0, static_cast<int>(tiny().vocab_size()) - 1);
  for (int trial = 0; trial < 200; ++trial) {
    Ids ids(static_cast<std::size_t>(trial % 13));
    for (auto& id : ids) id = trial % 2 ? any(rng) : 6 + any(rng) % 10;  // odd: bytes only
    for (const bool skip_special : {false, true}) {
      gemma4::StreamDecoder stream(tiny(), skip_special);
      std::string text;
      for (const TokenId id : ids) text += stream.push(id);
      text += stream.finish();
      CHECK(text == tiny().decode(ids, skip_special));
    }
  }
}

TEST_CASE("tiny: the fast merge loop equals the O(n^2) definition on random words") {
  // Random strings over {a, b, c, ▁} exercise ranks, ties and cascades of merges.
  const gemma4::Tokenizer& t = tiny();
  gemma4::detail::MergeTable merges;
  merges.insert(17, 18, {0, 21});  // the merges of the file, by id
  merges.insert(16, 17, {1, 20});
  merges.insert(16, 21, {2, 22});
  merges.insert(16, 16, {3, 24});
  merges.insert(19, 16, {4, 23});
  std::mt19937 rng(7);
  gemma4::detail::BpeScratch scratch;
  for (int trial = 0; trial < 2000; ++trial) {
    Ids word(static_cast<std::size_t>(trial % 40));
    std::string text;
    for (auto& id : word) {
      id = 16 + static_cast<TokenId>(rng() % 4);  // a b c ▁
      text += t.piece(id);
    }
    Ids fast = word, reference = word;
    gemma4::detail::bpe_merge(fast, merges, scratch);
    gemma4::detail::bpe_merge_reference(reference, merges);
    CHECK(fast == reference);
    // And the tokenizer gives the same (its text uses "▁" literally, which has its piece).
    CHECK(t.encode(text) == reference);
    CHECK(t.encode_reference(text) == reference);
  }
}

TEST_CASE("utf8: validation follows Unicode Table 3-7") {
  using gemma4::detail::utf8_first_invalid;
  CHECK_FALSE(utf8_first_invalid("plain ASCII text that is longer than eight bytes").has_value());
  CHECK_FALSE(utf8_first_invalid("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
                                 "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF")
                  .has_value());  // boundaries: U+0080 U+07FF U+0800 U+D7FF U+E000 U+10000 U+10FFFF
  CHECK(utf8_first_invalid("ab\x80") == 2u);                // stray continuation byte
  CHECK(utf8_first_invalid("\xC0\x80") == 0u);              // overlong NUL
  CHECK(utf8_first_invalid("x\xE0\x9F\xBF") == 1u);         // overlong 3-byte
  CHECK(utf8_first_invalid("xy\xED\xA0\x80") == 2u);        // surrogate U+D800
  CHECK(utf8_first_invalid("\xF4\x90\x80\x80") == 0u);      // U+110000
  CHECK(utf8_first_invalid("12345678\xF0\x9F\x98") == 8u);  // truncated at the end
  CHECK(utf8_first_invalid("\xFF") == 0u);
}

TEST_CASE("errors: invalid UTF-8 input names the byte offset") {
  const std::string msg = error_of([] { (void)tiny().encode("abc\xC3("); });
  CHECK(contains(msg, "not valid UTF-8"));
  CHECK(contains(msg, "offset 3"));
  CHECK(contains(msg, "0xC3"));
}

TEST_CASE("errors: ids out of range name the id") {
  const std::string msg = error_of([] { (void)tiny().decode(Ids{16, 29}); });
  CHECK(contains(msg, "token id 29"));
  CHECK(contains(msg, "[0, 29)"));
  CHECK(contains(error_of([] { (void)tiny().decode(Ids{-1}); }), "token id -1"));
  CHECK(contains(error_of([] { (void)tiny().piece(1000); }), "token id 1000"));
  CHECK(contains(error_of([] { (void)tiny().is_special(29); }), "token id 29"));
  gemma4::StreamDecoder s(tiny());
  CHECK(contains(error_of([&] { (void)s.push(99); }), "token id 99"));
}

TEST_CASE("errors: unreadable or malformed files name the file and the problem") {
  const std::string missing = data_path("no-such-tokenizer.json");
  std::string msg = error_of([&] { (void)gemma4::Tokenizer::from_file(missing); });
  CHECK(contains(msg, missing));
  CHECK(contains(msg, "cannot open"));

  msg = error_of([] { (void)gemma4::Tokenizer::from_json("{\"model\": ", "broken.json"); });
  CHECK(contains(msg, "broken.json"));
  CHECK(contains(msg, "malformed JSON"));

  msg = error_of([] { (void)gemma4::Tokenizer::from_json("[1, 2]", "list.json"); });
  CHECK(contains(msg, "list.json: top level is not a JSON object"));
}

TEST_CASE("errors: unsupported or inconsistent tokenizer.json contents") {
  struct Case {
    std::string from, to, expected;
  };
  const Case cases[] = {
      {"\"type\": \"BPE\"", "\"type\": \"Unigram\"", "model.type is \"Unigram\", only \"BPE\""},
      {"[\"a\", \"bc\"]", "[\"a\", \"q\"]", "model.merges[2] references unknown piece \"q\""},
      {"[\"a\", \"a\"]", "[\"b\", \"b\"]", "model.merges[3]: merged piece \"bb\" is not in"},
      {"[\"b\", \"c\"]", "\"b c d\"", "model.merges[0] = \"b c d\" is not \"left right\""},
      {"\"aa\": 24", "\"aa\": 2400", "model.vocab[\"aa\"] = 2400 is outside [0, 26)"},
      {"\"aa\": 24", "\"aa\": 23", "model.vocab: id 23 is used twice"},
      {"\"dropout\": null", "\"dropout\": 0.1", "model.dropout = 0.1 is not supported"},
      {"\"unk_token\": \"<unk>\"", "\"unk_token\": \"<?>\"", "model.unk_token \"<?>\" is not"},
      {"{\"id\": 27, \"content\": \"xyz\"", "{\"id\": 30, \"content\": \"xyz\"",
       "added_tokens[7] (\"xyz\") has id 30"},
      {"{\"id\": 5, \"content\": \"<turn|>\"", "{\"id\": 6, \"content\": \"<turn|>\"",
       "added_tokens[5] (\"<turn|>\") has id 6 but the vocabulary says 5"},
      {"\"content\": \"yzw\", \"single_word\": false, \"lstrip\": false",
       "\"content\": \"yzw\", \"single_word\": false, \"lstrip\": true",
       "added_tokens[8] (\"yzw\"): lstrip = true is not supported"},
      {"{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"▁\"}",
       "{\"type\": \"NFKC\"}", "normalizer type \"NFKC\" is not supported"},
      {"\"pattern\": {\"String\": \" \"}, \"content\": \"▁\"",
       "\"pattern\": {\"Regex\": \"\\\\s\"}, \"content\": \"▁\"",
       "only {\"String\": ...} patterns"},
      {"\"behavior\": \"MergedWithPrevious\"", "\"behavior\": \"Contiguous\"",
       "behavior \"Contiguous\" is not supported"},
      {"{\"type\": \"Fuse\"}",
       "{\"type\": \"Strip\", \"content\": \" \", \"start\": 1, \"stop\": 0}",
       "decoder type \"Strip\" is not supported"},
      {"\"vocab\": {", "\"vocab\": 7, \"unused\": {", "model.vocab must be an object"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.to);
    const std::string json = tiny_json_with(c.from, c.to);
    const std::string msg =
        error_of([&] { (void)gemma4::Tokenizer::from_json(json, "tiny.json"); });
    CHECK(contains(msg, "tiny.json: "));
    CHECK_MESSAGE(contains(msg, c.expected), "message: " << msg);
  }
}

TEST_CASE("tiny: Split pre-tokenizer behaviours cut words where HF does") {
  // Gemma's Split(" ") never fires after the normaliser; split on "b" instead. Words are merged
  // separately. "abcab" unsplit: bc (rank 0), then ab (1) at the end, then a+bc (2) = abc ab.
  const auto with = [](const std::string& behavior) {
    return gemma4::Tokenizer::from_json(
        tiny_json_with("{\"String\": \" \"}, \"behavior\": \"MergedWithPrevious\"",
                       "{\"String\": \"b\"}, \"behavior\": \"" + behavior + "\""),
        behavior);
  };
  CHECK(tiny().encode("abcab") == Ids{22, 20});
  const auto merged = with("MergedWithPrevious");  // words "ab" "cab" -> ab | c ab
  CHECK(merged.encode("abcab") == Ids{20, 18, 20});
  CHECK(merged.encode("bb") == Ids{17, 17});  // a match after a match is its own word
  const auto isolated = with("Isolated");     // "a" "b" "ca" "b"
  CHECK(isolated.encode("abcab") == Ids{16, 17, 18, 16, 17});
  const auto removed = with("Removed");  // "a" "ca"
  CHECK(removed.encode("abcab") == Ids{16, 18, 16});
  CHECK(removed.encode("bb").empty());
}
