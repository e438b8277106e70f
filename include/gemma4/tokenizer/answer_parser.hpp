// gemma4/tokenizer/answer_parser.hpp: reading a Gemma 4 model answer back: its thought channel,
// its text and its tool calls, as a Message to append to the conversation.
//
// An answer is what the model generates after `<|turn>model\n` (spec tokenizer.md §6-§7):
//
//   [<|channel>thought\n{thinking}<channel|>]{text}[<|tool_call>call:NAME{k:v,...}<tool_call|>]...
//   [<|tool_response>]                  <- the model stops here to wait for tool results
//
// Tool-call values use the template's own syntax ({k:v}, [a,b], <|"|>text<|"|>, numbers,
// true/false/null), the inverse of format_argument in chat_template.hpp.
//
//   gemma4::ParsedAnswer a = gemma4::parse_answer("<|tool_call>call:f{x:1}<tool_call|>");
//   // a.tool_calls[0].name == "f"
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/tokenizer/chat_message.hpp"
#include "gemma4/tokenizer/chat_template.hpp"

namespace gemma4 {

// ------------------------------------------------------------------------------------------------
// Parsing a model answer.

/// What a model answer (the text generated after `<|turn>model\n`) says.
struct ParsedAnswer {
  std::string thinking;  // the thought channel (without "thought\n"), trimmed; "" if none
  std::string content;   // the text outside thought channels and tool calls, trimmed
  std::vector<ToolCall> tool_calls;
  /// Ended with `<|tool_response>`: the model waits for tool results.
  bool awaits_tool_response = false;
};

namespace detail {

/// Parser of the Gemma 4 tool-call value syntax: {k:v,...}, [a,...], <|"|>text<|"|>, numbers,
/// true/false/null; keys bare or wrapped in <|"|>.
class ToolSyntaxParser {
 public:
  explicit ToolSyntaxParser(std::string_view s) : s_(s) {}

  ToolValue parse_value() {
    skip_space();
    if (at_end()) fail("tool call: value expected at end of \"", s_, "\"");
    if (starts_with(tokens::string_delim)) return ToolValue(parse_string());
    char c = s_[i_];
    if (c == '{') return parse_object();
    if (c == '[') return parse_array();
    return parse_scalar();
  }

  ToolValue parse_object() {
    expect('{');
    ToolValue::Object obj;
    skip_space();
    if (peek('}')) {
      ++i_;
      return ToolValue(std::move(obj));
    }
    for (;;) {
      skip_space();
      std::string key = starts_with(tokens::string_delim) ? parse_string() : parse_bare_key();
      skip_space();
      expect(':');
      obj.emplace_back(std::move(key), parse_value());
      skip_space();
      if (peek(',')) {
        ++i_;
        continue;
      }
      expect('}');
      return ToolValue(std::move(obj));
    }
  }

  bool at_end() const { return i_ >= s_.size(); }
  std::size_t position() const { return i_; }

 private:
  ToolValue parse_array() {
    expect('[');
    ToolValue::Array arr;
    skip_space();
    if (peek(']')) {
      ++i_;
      return ToolValue(std::move(arr));
    }
    for (;;) {
      arr.push_back(parse_value());
      skip_space();
      if (peek(',')) {
        ++i_;
        continue;
      }
      expect(']');
      return ToolValue(std::move(arr));
    }
  }

  std::string parse_string() {
    i_ += tokens::string_delim.size();
    std::size_t end = s_.find(tokens::string_delim, i_);
    if (end == std::string_view::npos)
      fail("tool call: unterminated <|\"|> string in \"", s_, "\"");
    std::string out(s_.substr(i_, end - i_));
    i_ = end + tokens::string_delim.size();
    return out;
  }

  std::string parse_bare_key() {
    std::size_t start = i_;
    while (!at_end() && s_[i_] != ':' && s_[i_] != ',' && s_[i_] != '}') ++i_;
    return py_strip(s_.substr(start, i_ - start));
  }

  ToolValue parse_scalar() {
    std::size_t start = i_;
    while (!at_end() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') ++i_;
    std::string word = py_strip(s_.substr(start, i_ - start));
    if (word == "true" || word == "True") return ToolValue(true);
    if (word == "false" || word == "False") return ToolValue(false);
    if (word == "null" || word == "None") return ToolValue();
    std::int64_t iv = 0;
    auto ri = std::from_chars(word.data(), word.data() + word.size(), iv);
    if (ri.ec == std::errc() && ri.ptr == word.data() + word.size()) return ToolValue(iv);
    double dv = 0;
    auto rd = std::from_chars(word.data(), word.data() + word.size(), dv);
    if (rd.ec == std::errc() && rd.ptr == word.data() + word.size()) return ToolValue(dv);
    return ToolValue(std::move(word));  // lenient: an unquoted word is a string
  }

  void skip_space() {
    while (!at_end() && py_space_at(s_, i_)) i_ += py_space_at(s_, i_);
  }
  bool peek(char c) const { return !at_end() && s_[i_] == c; }
  bool starts_with(std::string_view t) const { return s_.substr(i_).starts_with(t); }
  void expect(char c) {
    if (!peek(c)) fail("tool call: expected '", c, "' at offset ", i_, " of \"", s_, "\"");
    ++i_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace detail

/// Parses the body of one tool call, `call:NAME{k:v,...}` (without <|tool_call> / <tool_call|>).
inline ToolCall parse_tool_call(std::string_view body) {
  std::string stripped = detail::py_strip(body);
  std::string_view s = stripped;
  if (!s.starts_with("call:")) detail::fail("tool call: \"", s, "\" does not start with call:");
  s.remove_prefix(5);
  std::size_t brace = s.find('{');
  if (brace == std::string_view::npos) detail::fail("tool call: no '{' in \"", s, "\"");
  ToolCall call;
  call.name = detail::py_strip(s.substr(0, brace));
  detail::ToolSyntaxParser parser(s.substr(brace));
  call.arguments = parser.parse_object();
  return call;
}

/// Splits a model answer into its thought channel, its final text and its tool calls. A trailing
/// stop token (`<turn|>`, `<eos>`, `<|tool_response>`) may be present. The thought follows HF's
/// response schema `<|channel>(?:thought\n)?(.+?)<channel|>` (first channel; several are joined
/// with "\n"); an unterminated channel (generation stopped inside it) counts as thought too.
inline ParsedAnswer parse_answer(std::string_view text) {
  ParsedAnswer result;
  std::string rest;  // text outside channels and tool calls
  std::size_t pos = 0;
  std::vector<std::string> thoughts;
  while (pos < text.size()) {
    std::size_t ch = text.find(tokens::channel_start, pos);
    std::size_t tc = text.find(tokens::tool_call_start, pos);
    std::size_t next = std::min(ch, tc);
    if (next == std::string_view::npos) {
      rest += text.substr(pos);
      break;
    }
    rest += text.substr(pos, next - pos);
    if (next == ch) {
      std::size_t start = ch + tokens::channel_start.size();
      std::size_t end = text.find(tokens::channel_end, start);
      std::string_view inner =
          text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (inner.starts_with("thought\n")) inner.remove_prefix(8);
      thoughts.push_back(detail::py_strip(inner));
      pos = end == std::string_view::npos ? text.size() : end + tokens::channel_end.size();
    } else {
      std::size_t start = tc + tokens::tool_call_start.size();
      std::size_t end = text.find(tokens::tool_call_end, start);
      if (end == std::string_view::npos)
        detail::fail("parse_answer: unterminated <|tool_call> in \"", text, "\"");
      result.tool_calls.push_back(parse_tool_call(text.substr(start, end - start)));
      pos = end + tokens::tool_call_end.size();
    }
  }
  for (std::size_t i = 0; i < thoughts.size(); ++i)
    result.thinking += (i ? "\n" : "") + thoughts[i];
  // Drop trailing stop tokens (and the whitespace around them).
  std::string content = detail::py_strip(rest);
  for (bool again = true; again;) {
    again = false;
    for (std::string_view stop : {tokens::turn_end, tokens::eos, tokens::tool_response_start}) {
      if (std::string_view(content).ends_with(stop)) {
        if (stop == tokens::tool_response_start) result.awaits_tool_response = true;
        content =
            detail::py_strip(std::string_view(content).substr(0, content.size() - stop.size()));
        again = true;
      }
    }
  }
  result.content = std::move(content);
  return result;
}

/// The model message to append to a conversation for a generated answer: content and tool calls
/// from parse_answer, with the thought kept in `reasoning` (rendered back only where the template
/// does, i.e. before tool calls of the current turn).
inline Message answer_message(std::string_view generated_text) {
  ParsedAnswer p = parse_answer(generated_text);
  Message m;
  m.role = Role::Model;
  m.content = std::move(p.content);
  m.tool_calls = std::move(p.tool_calls);
  m.reasoning = std::move(p.thinking);
  return m;
}

}  // namespace gemma4
