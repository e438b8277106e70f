// gemma4/tokenizer/tokenizer.hpp: the Gemma 4 text tokenizer, loaded from a Hugging Face
// tokenizer.json.
//
// Gemma 4 uses SentencePiece-style BPE over Unicode code points with byte fallback (spec
// tokenizer.md §1). Encoding a text (§1.2):
//   1. Split the raw text on added tokens, leftmost-longest (detail/tokenizer_added.hpp); each
//      match is emitted as its id. Added tokens, their ids and which are special come from the
//      file's `added_tokens` (data-driven; §3.2).
//   2. Normalise each remaining segment: `Replace(" " -> "▁")` (U+2581). Nothing else: no NFKC,
//      no dummy prefix.
//   3. Pre-tokenise: Gemma's `Split(" ", MergedWithPrevious)` is a no-op after step 2, so the
//      whole segment is one BPE word.
//   4. Symbols: each code point c whose one-character piece is in `model.vocab` is that piece;
//      any other code point becomes its UTF-8 bytes b as pieces `<0xHH>` (id 238 + b in Gemma).
//   5. BPE: repeatedly merge the adjacent pair with the lowest rank in `model.merges` (ties:
//      leftmost) until no pair has a rank (detail/tokenizer_bpe.hpp; a heap over candidate pairs
//      and a linked list of symbols, O(n log n) per word).
// No <bos> is ever added: BOS is the caller's decision (§5); the file's post_processor (Gemma 3's
// TemplateProcessing "<bos> $A") is ignored, as are truncation and padding.
//
// Decoding (§1.3, HF decoder `Sequence[Replace("▁" -> " "), ByteFallback, Fuse]`): piece text
// with "▁" -> " "; each maximal run of byte pieces `<0xHH>` is joined into bytes; a run that is
// valid UTF-8 is emitted as is, and — exactly like HF's ByteFallback decoder — a run that is not
// becomes one U+FFFD per byte ([<0x41>, <0xC2>] -> "\uFFFD\uFFFD", not "A\uFFFD"). Special
// tokens print their content unless skip_special_tokens. Not a bijection: a literal "▁" in the
// input decodes as a space.
//
// Where we differ from HF on purpose (documented, tested):
// * encode() of text that is not valid UTF-8 throws gemma4::Error naming the byte offset (HF
//   takes a Rust &str, so it never sees such input).
// * decode() of an id outside [0, vocab_size) throws gemma4::Error naming the id (HF silently
//   drops it).
// * Features Gemma does not use (regex patterns, NFKC, Metaspace, added tokens with lstrip/rstrip/
//   single_word/normalized, BPE dropout or subword prefixes, ...) are rejected at load time with
//   an Error naming the field, instead of being silently ignored.
//
//   auto tok = gemma4::Tokenizer::from_file("tokenizer.json");
//   std::vector<gemma4::TokenId> ids = tok.encode("Hello, world!");  // {9259, 236764, 1902,
//   236888} std::string text = tok.decode(ids);                              // "Hello, world!"
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/core/token.hpp"
#include "gemma4/tokenizer/detail/added_tokens.hpp"
#include "gemma4/tokenizer/detail/bpe.hpp"
#include "gemma4/tokenizer/detail/utf8.hpp"

namespace gemma4 {

namespace detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// If `piece` spells a byte token "<0xHH>" (HF's ByteFallback test: 6 bytes, "<0x", two hex
/// digits, ">"), its byte value.
inline std::optional<unsigned char> byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return std::nullopt;
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(piece[3]), lo = hex(piece[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

/// Appends s with every occurrence of `from` replaced by `to` to `out` (which must not alias s).
inline void append_replaced(std::string_view s, std::string_view from, std::string_view to,
                            std::string& out) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = from.empty() ? std::string_view::npos : s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
}

/// Replaces every occurrence of `from` in `s` by `to`.
inline std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  append_replaced(s, from, to, out);
  return out;
}

}  // namespace detail

/// A BPE tokenizer read from a Hugging Face tokenizer.json (the file shipped with every Gemma 4
/// checkpoint). Immutable after loading; all member functions are const and thread-safe.
class StreamDecoder;

class Tokenizer {
 public:
  /// Reads and validates `path`. Throws gemma4::Error naming the file on any problem.
  static Tokenizer from_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::fail(path.string(), ": cannot open tokenizer file: ", std::strerror(errno));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) detail::fail(path.string(), ": error reading tokenizer file");
    return from_json(buffer.str(), path.string());
  }

  /// Parses tokenizer.json text; `source` names it in error messages.
  static Tokenizer from_json(std::string_view json, std::string_view source = "<tokenizer json>") {
    Tokenizer t;
    t.source_ = source;
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(json);
    } catch (const nlohmann::json::exception& e) {
      t.fail("malformed JSON: ", e.what());
    }
    try {
      t.load(doc);
    } catch (const nlohmann::json::exception& e) {
      t.fail("unexpected JSON structure: ", e.what());
    }
    return t;
  }

  /// Token ids of `text` (UTF-8). Never adds <bos>. Throws gemma4::Error naming the byte offset
  /// if `text` is not valid UTF-8.
  ///   tok.encode("a  b")  // {236746, 138, 236763}: "a", "▁▁", "b"
  std::vector<TokenId> encode(std::string_view text) const {
    std::vector<TokenId> ids;
    encode_append(text, ids);
    return ids;
  }

  /// Like encode(), appending to `ids`.
  void encode_append(std::string_view text, std::vector<TokenId>& ids) const {
    encode_impl(text, ids, /*reference=*/false);
  }

  /// encode() with the O(n^2) reference merge loop (detail::bpe_merge_reference) instead of the
  /// heap: the readable definition the fast path is tested against. Not for production use.
  std::vector<TokenId> encode_reference(std::string_view text) const {
    std::vector<TokenId> ids;
    encode_impl(text, ids, /*reference=*/true);
    return ids;
  }

  /// Text of `ids`; byte pieces joined and decoded as UTF-8 (see the top of this file). Throws
  /// gemma4::Error naming the id if one is outside [0, vocab_size()).
  ///   tok.decode({432, 398})  // "\u00A0" (<0xC2><0xA0>)
  std::string decode(std::span<const TokenId> ids, bool skip_special_tokens = false) const {
    std::string out;
    std::string bytes;
    for (const TokenId id : ids) decode_one(id, skip_special_tokens, out, bytes);
    flush_bytes(bytes, out);
    return out;
  }

  /// The piece string of `id` as stored in the file (e.g. "▁hello", "<0x0A>", "<|turn>").
  std::string_view piece(TokenId id) const {
    check_id(id, "Tokenizer::piece");
    return pieces_[static_cast<std::size_t>(id)];
  }

  /// The id of the piece spelled exactly `piece` (model vocabulary or added token), if any.
  std::optional<TokenId> token_id(std::string_view piece) const {
    const auto it = piece_to_id_.find(piece);
    if (it == piece_to_id_.end()) return std::nullopt;
    return it->second;
  }

  /// True for added tokens marked "special" in the file (Gemma 4: 24 ids, spec §2).
  bool is_special(TokenId id) const {
    check_id(id, "Tokenizer::is_special");
    return special_[static_cast<std::size_t>(id)];
  }

  /// Number of ids: model vocabulary plus added tokens outside it (Gemma 4: 262 144).
  std::size_t vocab_size() const { return pieces_.size(); }

  /// The ids of all special tokens, ascending.
  std::vector<TokenId> special_ids() const {
    std::vector<TokenId> out;
    for (std::size_t i = 0; i < special_.size(); ++i)
      if (special_[i]) out.push_back(static_cast<TokenId>(i));
    return out;
  }

  /// The file or name this tokenizer was loaded from.
  const std::string& source() const { return source_; }

 private:
  friend class StreamDecoder;

  /// Decodes one id into `out`; byte pieces go to `bytes`, the pending run, which is flushed into
  /// `out` by the next non-byte piece (shared by decode() and StreamDecoder).
  void decode_one(TokenId id, bool skip_special_tokens, std::string& out,
                  std::string& bytes) const {
    check_id(id, "Tokenizer::decode");
    const auto i = static_cast<std::size_t>(id);
    if (skip_special_tokens && special_[i]) return;  // (does not end a byte run, as in HF)
    if (byte_value_[i] >= 0) {
      bytes += static_cast<char>(byte_value_[i]);
      return;
    }
    flush_bytes(bytes, out);
    append_piece_text(pieces_[i], out);
  }

  /// Emits a run of byte-piece bytes: as is if valid UTF-8, else one U+FFFD per byte (HF).
  static void flush_bytes(std::string& bytes, std::string& out) {
    if (bytes.empty()) return;
    if (detail::utf8_valid(bytes)) {
      out += bytes;
    } else {
      for (std::size_t i = 0; i < bytes.size(); ++i) out += detail::kReplacementChar;
    }
    bytes.clear();
  }

  struct Scratch {
    std::string normalized, renormalized;  // normaliser output (two buffers for chained steps)
    std::vector<TokenId> word;
    detail::BpeScratch bpe;
  };
  struct Replace {
    std::string pattern, content;
  };
  enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious };

  Tokenizer() = default;

  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    detail::fail(source_, ": ", args...);
  }

  static std::string hex_byte(unsigned char b) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    return {kHex[b >> 4], kHex[b & 15]};
  }

  void check_id(TokenId id, const char* where) const {
    if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size())
      detail::fail(where, ": token id ", id, " is out of range [0, ", pieces_.size(), ") of ",
                   source_);
  }

  // ---- loading -------------------------------------------------------------------------------

  static const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    const auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  std::string string_field(const nlohmann::json& obj, const char* key, const char* where) const {
    const nlohmann::json* v = member(obj, key);
    if (!v || !v->is_string()) fail(where, ".", key, " must be a string");
    return v->get<std::string>();
  }

  bool bool_field(const nlohmann::json& obj, const char* key, bool fallback,
                  std::string_view where = "model") const {
    const nlohmann::json* v = member(obj, key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(where, ".", key, " = ", v->dump(), " must be true or false");
    return v->get<bool>();
  }

  // A `{"String": "..."}` pattern; regex patterns are not supported.
  std::string string_pattern(const nlohmann::json& obj, const char* where) const {
    const nlohmann::json* p = member(obj, "pattern");
    if (!p || !p->is_object() || !member(*p, "String"))
      fail(where, ": only {\"String\": ...} patterns are supported, got ",
           p ? p->dump() : std::string("none"));
    return string_field(*p, "String", where);
  }

  void load(const nlohmann::json& doc) {
    if (!doc.is_object()) fail("top level is not a JSON object");
    const nlohmann::json* model = member(doc, "model");
    if (!model || !model->is_object()) fail("no \"model\" object");
    load_model(*model);
    load_added_tokens(doc);
    load_normalizer(member(doc, "normalizer"));
    load_pre_tokenizer(member(doc, "pre_tokenizer"));
    load_decoder(member(doc, "decoder"));
  }

  void load_model(const nlohmann::json& model) {
    const nlohmann::json* type = member(model, "type");
    if (!type || !type->is_string() || type->get<std::string>() != "BPE")
      fail("model.type is ", type ? type->dump() : std::string("missing"),
           ", only \"BPE\" is supported");
    if (const nlohmann::json* d = member(model, "dropout"); d && !(d->is_number() && *d == 0))
      fail("model.dropout = ", d->dump(), " is not supported (encoding must be deterministic)");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (const nlohmann::json* v = member(model, key); v && !(v->is_string() && v->empty()))
        fail("model.", key, " = ", v->dump(), " is not supported");
    byte_fallback_ = bool_field(model, "byte_fallback", false);
    fuse_unk_ = bool_field(model, "fuse_unk", false);
    ignore_merges_ = bool_field(model, "ignore_merges", false);

    // model.vocab: piece -> id, ids must be exactly 0 ... n-1.
    const nlohmann::json* vocab = member(model, "vocab");
    if (!vocab || !vocab->is_object()) fail("model.vocab must be an object {piece: id}");
    const std::size_t n = vocab->size();
    pieces_.assign(n, std::string());
    std::vector<bool> seen(n, false);
    piece_to_id_.reserve(n + 1024);
    for (const auto& [piece, value] : vocab->items()) {
      if (!value.is_number_integer()) fail("model.vocab[\"", piece, "\"] is not an integer id");
      const auto id = value.get<std::int64_t>();
      if (id < 0 || static_cast<std::size_t>(id) >= n)
        fail("model.vocab[\"", piece, "\"] = ", id, " is outside [0, ", n,
             "): ids must be 0 ... vocab size - 1");
      if (seen[static_cast<std::size_t>(id)])
        fail("model.vocab: id ", id, " is used twice (\"", pieces_[static_cast<std::size_t>(id)],
             "\" and \"", piece, "\")");
      seen[static_cast<std::size_t>(id)] = true;
      pieces_[static_cast<std::size_t>(id)] = piece;
      piece_to_id_.emplace(piece, static_cast<TokenId>(id));
    }
    model_vocab_size_ = n;

    // Symbols of step 4: one-code-point pieces, and byte pieces.
    bmp_piece_.assign(0x10000, -1);
    byte_piece_.fill(-1);
    for (std::size_t id = 0; id < n; ++id) {
      const std::string& p = pieces_[id];
      char32_t cp = 0;
      if (!p.empty() && detail::utf8_decode(p, 0, cp) == p.size()) {
        if (cp < 0x10000)
          bmp_piece_[cp] = static_cast<TokenId>(id);
        else
          astral_piece_.emplace(cp, static_cast<TokenId>(id));
      }
    }
    for (int b = 0; b < 256; ++b) {
      // HF looks the byte up as format!("<{b:#04X}>"), i.e. "<0x0A>".
      const auto it = piece_to_id_.find("<0x" + hex_byte(static_cast<unsigned char>(b)) + ">");
      if (it != piece_to_id_.end()) byte_piece_[static_cast<std::size_t>(b)] = it->second;
    }
    if (const nlohmann::json* unk = member(model, "unk_token")) {
      if (!unk->is_string()) fail("model.unk_token must be a string");
      const auto it = piece_to_id_.find(unk->get<std::string>());
      if (it == piece_to_id_.end()) fail("model.unk_token ", unk->dump(), " is not in model.vocab");
      unk_id_ = it->second;
    }

    // model.merges: ["a b", ...] or [["a", "b"], ...]; rank = index.
    const nlohmann::json* merges = member(model, "merges");
    if (!merges || !merges->is_array()) fail("model.merges must be an array");
    merges_.reserve(merges->size());
    std::size_t rank = 0;
    std::string merged;  // a + b
    for (const auto& m : *merges) {
      std::string_view a, b;
      if (m.is_string()) {
        const std::string_view s = m.get_ref<const std::string&>();
        const std::size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
          fail("model.merges[", rank, "] = ", m.dump(), " is not \"left right\"");
        a = s.substr(0, space);
        b = s.substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        a = m[0].get_ref<const std::string&>();
        b = m[1].get_ref<const std::string&>();
      } else {
        fail("model.merges[", rank, "] = ", m.dump(), " is neither \"a b\" nor [\"a\", \"b\"]");
      }
      const auto ia = piece_to_id_.find(a), ib = piece_to_id_.find(b);
      if (ia == piece_to_id_.end())
        fail("model.merges[", rank, "] references unknown piece \"", a, "\"");
      if (ib == piece_to_id_.end())
        fail("model.merges[", rank, "] references unknown piece \"", b, "\"");
      merged.assign(a).append(b);
      const auto im = piece_to_id_.find(merged);
      if (im == piece_to_id_.end())
        fail("model.merges[", rank, "]: merged piece \"", merged, "\" is not in model.vocab");
      merges_.insert(ia->second, ib->second,
                     {static_cast<std::int32_t>(rank), static_cast<TokenId>(im->second)});
      ++rank;
    }
  }

  void load_added_tokens(const nlohmann::json& doc) {
    special_.assign(pieces_.size(), false);
    const nlohmann::json* added = member(doc, "added_tokens");
    if (!added) return;
    if (!added->is_array()) fail("added_tokens must be an array");
    for (std::size_t i = 0; i < added->size(); ++i) {
      const nlohmann::json& t = (*added)[i];
      const std::string where = detail::concat("added_tokens[", i, "]");
      const nlohmann::json* idv = member(t, "id");
      if (!idv || !idv->is_number_integer()) fail(where, ".id must be an integer");
      const auto id = idv->get<std::int64_t>();
      const std::string content = string_field(t, "content", where.c_str());
      if (content.empty()) fail(where, ": empty content");
      for (const char* flag : {"single_word", "lstrip", "rstrip", "normalized"})
        if (bool_field(t, flag, false, where))
          fail(where, " (\"", content, "\"): ", flag, " = true is not supported");
      if (const auto it = piece_to_id_.find(content); it != piece_to_id_.end()) {
        if (it->second != id)
          fail(where, " (\"", content, "\") has id ", id, " but the vocabulary says ", it->second);
      } else if (id == static_cast<std::int64_t>(pieces_.size())) {
        // Not in model.vocab: HF gives it the next id after the vocabulary.
        pieces_.push_back(content);
        special_.push_back(false);
        piece_to_id_.emplace(content, static_cast<TokenId>(id));
      } else {
        fail(where, " (\"", content, "\") has id ", id, ", which is neither its model.vocab id ",
             "nor the next free id ", pieces_.size());
      }
      special_[static_cast<std::size_t>(id)] = bool_field(t, "special", false, where);
      added_.add(content, static_cast<TokenId>(id));
    }
  }

  void load_normalizer(const nlohmann::json* n) {
    if (!n) return;
    const std::string type = string_field(*n, "type", "normalizer");
    if (type == "Sequence") {
      const nlohmann::json* list = member(*n, "normalizers");
      if (!list || !list->is_array()) fail("normalizer Sequence without a normalizers array");
      for (const auto& item : *list) load_normalizer(&item);
    } else if (type == "Replace") {
      normalizer_.push_back(
          {string_pattern(*n, "normalizer Replace"), string_field(*n, "content", "Replace")});
    } else {
      fail("normalizer type \"", type, "\" is not supported (only Replace with a string pattern)");
    }
  }

  void load_pre_tokenizer(const nlohmann::json* p) {
    if (!p) return;
    const std::string type = string_field(*p, "type", "pre_tokenizer");
    if (type != "Split") fail("pre_tokenizer type \"", type, "\" is not supported (only Split)");
    split_pattern_ = string_pattern(*p, "pre_tokenizer Split");
    if (split_pattern_.empty()) fail("pre_tokenizer Split: empty pattern");
    if (bool_field(*p, "invert", false, "pre_tokenizer"))
      fail("pre_tokenizer Split: invert = true not supported");
    const std::string behavior = string_field(*p, "behavior", "pre_tokenizer Split");
    if (behavior == "Removed") {
      split_behavior_ = SplitBehavior::kRemoved;
    } else if (behavior == "Isolated") {
      split_behavior_ = SplitBehavior::kIsolated;
    } else if (behavior == "MergedWithPrevious") {
      split_behavior_ = SplitBehavior::kMergedWithPrevious;
    } else {
      fail("pre_tokenizer Split: behavior \"", behavior, "\" is not supported");
    }
  }

  void load_decoder(const nlohmann::json* d) {
    byte_value_.assign(pieces_.size(), -1);
    if (!d) fail("no decoder (expected Sequence[Replace, ByteFallback, Fuse])");
    const std::string type = string_field(*d, "type", "decoder");
    if (type == "Sequence") {
      const nlohmann::json* list = member(*d, "decoders");
      if (!list || !list->is_array()) fail("decoder Sequence without a decoders array");
      for (const auto& item : *list) load_decoder_step(item);
    } else {
      load_decoder_step(*d);
    }
    if (decoder_byte_fallback_)
      for (std::size_t id = 0; id < pieces_.size(); ++id)
        if (const auto b = detail::byte_piece_value(pieces_[id])) byte_value_[id] = *b;
  }

  void load_decoder_step(const nlohmann::json& d) {
    const std::string type = string_field(d, "type", "decoder");
    if (type == "Replace") {
      if (decoder_byte_fallback_) fail("decoder: Replace after ByteFallback is not supported");
      decoder_replace_.push_back(
          {string_pattern(d, "decoder Replace"), string_field(d, "content", "decoder Replace")});
    } else if (type == "ByteFallback") {
      decoder_byte_fallback_ = true;
    } else if (type == "Fuse") {
      // Joining the pieces is what decode() does anyway.
    } else {
      fail("decoder type \"", type, "\" is not supported (only Replace, ByteFallback, Fuse)");
    }
  }

  // ---- encoding ------------------------------------------------------------------------------

  // Steps 1-5.
  void encode_impl(std::string_view text, std::vector<TokenId>& ids, bool reference) const {
    if (const auto bad = detail::utf8_first_invalid(text))
      detail::fail("Tokenizer::encode: input is not valid UTF-8 at byte offset ", *bad, " (byte 0x",
                   hex_byte(static_cast<unsigned char>(text[*bad])), ")");
    ids.reserve(ids.size() + text.size() / 3);
    Scratch scratch;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto match = added_.find(text, pos);
      if (match.begin > pos)
        encode_segment(text.substr(pos, match.begin - pos), ids, scratch, reference);
      if (match.length == 0) break;
      ids.push_back(match.id);
      pos = match.begin + match.length;
    }
  }

  // Steps 2-5 for one segment between added tokens.
  void encode_segment(std::string_view segment, std::vector<TokenId>& ids, Scratch& s,
                      bool reference) const {
    std::string_view text = segment;
    for (const Replace& r : normalizer_) {
      if (text.find(r.pattern) == std::string_view::npos) continue;
      std::string& out = text.data() == s.normalized.data() ? s.renormalized : s.normalized;
      out.clear();
      detail::append_replaced(text, r.pattern, r.content, out);
      text = out;
    }
    if (split_pattern_.empty()) {
      encode_word(text, ids, s, reference);
      return;
    }
    // Split on the pattern (spec §1.1: a no-op for Gemma, whose normaliser removed every " ").
    std::size_t start = 0;  // start of the current word
    std::size_t pos = 0;    // search position
    while (true) {
      const std::size_t hit = text.find(split_pattern_, pos);
      if (hit == std::string_view::npos) break;
      const std::size_t end = hit + split_pattern_.size();
      switch (split_behavior_) {
        case SplitBehavior::kRemoved:
          if (hit > start) encode_word(text.substr(start, hit - start), ids, s, reference);
          start = end;
          break;
        case SplitBehavior::kIsolated:
          if (hit > start) encode_word(text.substr(start, hit - start), ids, s, reference);
          encode_word(text.substr(hit, end - hit), ids, s, reference);
          start = end;
          break;
        case SplitBehavior::kMergedWithPrevious:
          // HF: a match joins the piece before it unless that piece is itself a match.
          encode_word(text.substr(start, end - start), ids, s, reference);
          start = end;
          break;
      }
      pos = end;
    }
    if (start < text.size()) encode_word(text.substr(start), ids, s, reference);
  }

  // Steps 4-5 for one word (HF BPE::tokenize_with_cache / merge_word).
  void encode_word(std::string_view word, std::vector<TokenId>& ids, Scratch& s,
                   bool reference) const {
    if (word.empty()) return;
    if (ignore_merges_) {
      if (const auto it = piece_to_id_.find(word);
          it != piece_to_id_.end() && static_cast<std::size_t>(it->second) < model_vocab_size_) {
        ids.push_back(it->second);
        return;
      }
    }
    auto& sym = s.word;
    sym.clear();
    bool pending_unk = false;  // a fused <unk> not yet emitted
    for (std::size_t pos = 0; pos < word.size();) {
      char32_t cp = 0;
      const std::size_t len = detail::utf8_decode(word, pos, cp);  // input validated: len > 0
      TokenId id = -1;
      if (cp < 0x10000) {
        id = bmp_piece_[cp];
      } else if (const auto it = astral_piece_.find(cp); it != astral_piece_.end()) {
        id = it->second;
      }
      if (id >= 0) {
        if (pending_unk) sym.push_back(unk_id_), pending_unk = false;
        sym.push_back(id);
      } else if (byte_fallback_ && all_bytes_known(word.substr(pos, len))) {
        // (sic) HF leaves a pending <unk> pending here, so "z" "é" "z" with no piece for z gives
        // <0xC3> <0xA9> <unk>: the two unknowns fuse across the bytes. Only reachable when some
        // byte piece is missing from the vocabulary (never in Gemma); copied to match HF.
        for (std::size_t i = 0; i < len; ++i)
          sym.push_back(byte_piece_[static_cast<unsigned char>(word[pos + i])]);
      } else if (unk_id_ >= 0) {
        if (pending_unk && !fuse_unk_) sym.push_back(unk_id_);
        pending_unk = true;
      }  // else: no unk token, HF drops the character
      pos += len;
    }
    if (pending_unk) sym.push_back(unk_id_);
    if (reference)
      detail::bpe_merge_reference(sym, merges_);
    else
      detail::bpe_merge(sym, merges_, s.bpe);
    ids.insert(ids.end(), sym.begin(), sym.end());
  }

  bool all_bytes_known(std::string_view bytes) const {
    for (const char c : bytes)
      if (byte_piece_[static_cast<unsigned char>(c)] < 0) return false;
    return true;
  }

  // ---- decoding ------------------------------------------------------------------------------

  void append_piece_text(std::string_view piece, std::string& out) const {
    if (decoder_replace_.empty()) {
      out += piece;
      return;
    }
    if (decoder_replace_.size() == 1) {  // Gemma: "▁" -> " ", straight into out
      detail::append_replaced(piece, decoder_replace_[0].pattern, decoder_replace_[0].content, out);
      return;
    }
    std::string text(piece);
    for (const Replace& r : decoder_replace_)
      if (text.find(r.pattern) != std::string::npos)
        text = detail::replace_all(text, r.pattern, r.content);
    out += text;
  }

  std::string source_;
  std::vector<std::string> pieces_;  // [vocab_size] id -> piece
  std::unordered_map<std::string, TokenId, detail::StringHash, std::equal_to<>> piece_to_id_;
  std::vector<bool> special_;             // [vocab_size]
  std::vector<std::int16_t> byte_value_;  // [vocab_size] byte of a "<0xHH>" piece, or -1
  std::size_t model_vocab_size_ = 0;

  // model
  detail::MergeTable merges_;
  std::vector<TokenId> bmp_piece_;  // [0x10000] code point -> one-character piece, or -1
  std::unordered_map<char32_t, TokenId> astral_piece_;  // same above U+FFFF
  std::array<TokenId, 256> byte_piece_{};               // byte -> "<0xHH>" piece, or -1
  TokenId unk_id_ = -1;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;

  // pipeline
  detail::AddedTokenMatcher added_;
  std::vector<Replace> normalizer_;
  std::string split_pattern_;  // empty: no pre-tokenizer
  SplitBehavior split_behavior_ = SplitBehavior::kMergedWithPrevious;
  std::vector<Replace> decoder_replace_;
  bool decoder_byte_fallback_ = false;
};

/// Incremental decoding for streaming generation: push ids one at a time, get back the text that
/// became final. Concatenating every push() result and finish() gives exactly
/// Tokenizer::decode(ids). A run of byte pieces is held back until it ends (at the next non-byte
/// piece or at finish()), because the whole run decides whether it is valid UTF-8 or becomes
/// U+FFFD per byte; so no partial UTF-8 sequence is ever returned.
///
///   gemma4::StreamDecoder stream(tok);
///   for (TokenId id : generated) std::cout << stream.push(id) << std::flush;
///   std::cout << stream.finish();
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false)
      : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {}

  /// Adds one id; returns the text that is now final (possibly empty).
  std::string push(TokenId id) {
    std::string out;
    tokenizer_->decode_one(id, skip_special_tokens_, out, pending_);
    return out;
  }

  /// Ends the stream: returns the text of a held-back run of byte pieces, if any.
  std::string finish() {
    std::string out;
    Tokenizer::flush_bytes(pending_, out);
    return out;
  }

  /// True if byte pieces are held back.
  bool has_pending() const { return !pending_.empty(); }

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  std::string pending_;  // bytes of the current run of byte pieces
};

}  // namespace gemma4
