// gemma4/tokenizer/chat_template.hpp: the Gemma 4 chat format: a conversation (chat_message.hpp)
// rendered to the prompt string, and multimodal placeholder expansion. The way back, from a
// generated answer to a message, is answer_parser.hpp.
//
// A rendered conversation (spec tokenizer.md §6; `\n` is one newline character, id 107):
//
//   <bos><|turn>system\n[<|think|>\n][system text][<|tool>declaration:NAME{...}<tool|>...]<turn|>\n
//   <|turn>user\n{text, trimmed}<turn|>\n
//   <|turn>model\n[<|tool_call>call:NAME{k:v,...}<tool_call|>][<|tool_response>response:NAME{...}
//       <tool_response|>]{answer with every <|channel>...<channel|> stripped, trimmed}<turn|>\n
//   <|turn>model\n[<|channel>thought\n<channel|>]                      <- add_generation_prompt
//
// This is a line-by-line port of one revision of Hugging Face's `chat_template.jinja` for Gemma 4
// (the revision shipped with gemma-4-26B-A4B-it / 31B-it: `<|think|>\n`, OpenAI-style `tool`
// messages folded into the preceding model turn, `reasoning` rendered before tool calls, an empty
// thought channel appended to the generation prompt when thinking is off). Revisions differ
// (spec tokenizer.md §10.3); the two differences that change a prompt are switches in
// ChatOptions:
//   * `empty_thought_when_not_thinking` (default true): the generation prompt ends with
//     `<|turn>model\n<|channel>thought\n<channel|>` when thinking is off. The E2B/E4B template at
//     conversion time ended at `<|turn>model\n` (set it to false for that).
//   * `newline_after_think` (default true): `<|think|>\n`; the official prompt-formatting page and
//     the E4B template render `<|think|>` with no newline.
// Jinja details reproduced on purpose: `| trim` is Python's str.strip() (Unicode whitespace),
// `| dictsort` orders mapping keys case-insensitively, numbers print like Python (`3`, `2.5`,
// `1e-05`), strings inside tool syntax are wrapped in `<|"|>...<|"|>`, a missing description
// renders as empty text.
//
//   std::vector<gemma4::Message> chat = {{gemma4::Role::User, "Hi there"}};
//   std::string prompt = gemma4::render_chat(chat, {});
//   // "<bos><|turn>user\nHi there<turn|>\n<|turn>model\n<|channel>thought\n<channel|>"
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/tokenizer/chat_message.hpp"

namespace gemma4 {

// ------------------------------------------------------------------------------------------------
// Jinja / Python building blocks.

namespace detail {

/// Length of the UTF-8 sequence starting at s[i] if it is a Python whitespace character
/// (str.isspace: \t\n\v\f\r, \x1c-\x1f, space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
/// U+2029, U+202F, U+205F, U+3000), else 0.
inline std::size_t py_space_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  auto b = [&](std::size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  if (c == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (c == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && b(1) == 0x80) {
    unsigned t = b(2);
    if ((t >= 0x80 && t <= 0x8A) || t == 0xA8 || t == 0xA9 || t == 0xAF) return 3;
  }
  if (c == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
  return 0;
}

/// Python's str.strip() (Jinja's `trim`) on UTF-8 text.
inline std::string py_strip(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    std::size_t n = py_space_at(s, begin);
    if (n == 0) break;
    begin += n;
  }
  std::size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the last code point.
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t n = py_space_at(s, start);
    if (n == 0 || start + n != end) break;
    end = start;
  }
  return std::string(s.substr(begin, end - begin));
}

/// Python's str.upper() for ASCII (schema type names).
inline std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Python's repr() of a float: the shortest digits that round-trip, positional for exponents in
/// [-4, 16), otherwise `d.ddde[+-]XX`; integral values keep ".0" (1.0, 1e+16, 1e-05, 0.0001).
inline std::string py_float_repr(double v) {
  if (v != v) return "nan";
  if (v == 1.0 / 0.0) return "inf";
  if (v == -1.0 / 0.0) return "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e+02"
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  std::size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(exp) + 1) + "." +
            digits.substr(static_cast<std::size_t>(exp) + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  }
  return neg ? "-" + out : out;
}

/// Jinja's `| dictsort`: the entries of an object ordered by key, case-insensitively (stable).
inline std::vector<const std::pair<std::string, ToolValue>*> dictsort(const ToolValue& obj) {
  std::vector<const std::pair<std::string, ToolValue>*> out;
  for (const auto& kv : obj.as_object()) out.push_back(&kv);
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return ascii_lower(a->first) < ascii_lower(b->first);
  });
  return out;
}

/// `{{ value }}` of a scalar as Jinja prints a Python value.
inline std::string jinja_print(const ToolValue& v) {
  if (v.is_null()) return "None";
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_double()) return py_float_repr(v.as_double());
  if (v.is_string()) return v.as_string();
  fail("chat template: cannot print an array or object as a scalar");
}

/// The string of a schema field (`value['type']`, `value['description']`): "" when missing, as
/// Jinja prints an undefined value.
inline std::string field_text(const ToolValue& v, std::string_view key) {
  const ToolValue* f = v.find(key);
  if (!f || f->is_null()) return "";
  return jinja_print(*f);
}

inline bool field_truthy(const ToolValue& v, std::string_view key) {
  const ToolValue* f = v.find(key);
  return f && f->truthy();
}

/// Template macro format_argument(argument, escape_keys): strings in <|"|>, booleans true/false,
/// mappings {k:v} with sorted keys (keys in <|"|> when escape_keys), sequences [a,b], else as is.
inline void format_argument(std::string& out, const ToolValue& a, bool escape_keys) {
  if (a.is_string()) {
    out += tokens::string_delim;
    out += a.as_string();
    out += tokens::string_delim;
  } else if (a.is_bool()) {
    out += a.as_bool() ? "true" : "false";
  } else if (a.is_object()) {
    out += '{';
    bool first = true;
    for (const auto* kv : dictsort(a)) {
      if (!first) out += ',';
      first = false;
      if (escape_keys) {
        out += tokens::string_delim;
        out += kv->first;
        out += tokens::string_delim;
      } else {
        out += kv->first;
      }
      out += ':';
      format_argument(out, kv->second, escape_keys);
    }
    out += '}';
  } else if (a.is_array()) {
    out += '[';
    const auto& arr = a.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (i) out += ',';
      format_argument(out, arr[i], escape_keys);
    }
    out += ']';
  } else {
    out += jinja_print(a);
  }
}

inline std::string format_argument(const ToolValue& a, bool escape_keys = true) {
  std::string out;
  format_argument(out, a, escape_keys);
  return out;
}

/// `required:[<|"|>a<|"|>,<|"|>b<|"|>]` items of a list.
inline void format_required_items(std::string& out, const ToolValue* list) {
  if (!list || !list->is_array()) return;
  const auto& arr = list->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    out += tokens::string_delim;
    out += jinja_print(arr[i]);
    out += tokens::string_delim;
    if (i + 1 < arr.size()) out += ',';
  }
}

/// Template macro format_parameters(properties, required): one `name:{...}` per property.
inline void format_parameters(std::string& out, const ToolValue& properties) {
  static constexpr std::string_view standard_keys[] = {"description", "type", "properties",
                                                       "required", "nullable"};
  if (!properties.is_object()) return;
  bool found_first = false;
  for (const auto* kv : dictsort(properties)) {
    const std::string& key = kv->first;
    const ToolValue& value = kv->second;
    if (std::find(std::begin(standard_keys), std::end(standard_keys), key) !=
        std::end(standard_keys))
      continue;
    bool add_comma = false;
    auto comma = [&] {
      if (add_comma)
        out += ',';
      else
        add_comma = true;
    };
    if (found_first) out += ',';
    found_first = true;
    out += key;
    out += ":{";
    if (field_truthy(value, "description")) {
      out += "description:<|\"|>" + field_text(value, "description") + "<|\"|>";
      add_comma = true;
    }
    const std::string type = ascii_upper(field_text(value, "type"));
    if (type == "STRING") {
      if (field_truthy(value, "enum")) {
        comma();
        out += "enum:" + format_argument(*value.find("enum"));
      }
    } else if (type == "ARRAY") {
      const ToolValue* items = value.find("items");
      if (items && items->is_object() && items->truthy()) {
        comma();
        out += "items:{";
        bool found_item = false;
        for (const auto* ikv : dictsort(*items)) {
          const std::string& item_key = ikv->first;
          const ToolValue& item_value = ikv->second;
          if (item_value.is_null()) continue;
          if (found_item) out += ',';
          found_item = true;
          if (item_key == "properties") {
            out += "properties:{";
            if (item_value.is_object()) format_parameters(out, item_value);
            out += '}';
          } else if (item_key == "required") {
            out += "required:[";
            format_required_items(out, &item_value);
            out += ']';
          } else if (item_key == "type") {
            if (item_value.is_string()) {
              out += "type:" + format_argument(ToolValue(ascii_upper(item_value.as_string())));
            } else {
              ToolValue::Array upper;
              if (item_value.is_array())
                for (const auto& t : item_value.as_array())
                  upper.emplace_back(ascii_upper(jinja_print(t)));
              out += "type:" + format_argument(ToolValue(std::move(upper)));
            }
          } else {
            out += item_key + ":" + format_argument(item_value);
          }
        }
        out += '}';
      }
    }
    if (field_truthy(value, "nullable")) {
      comma();
      out += "nullable:true";
    }
    if (type == "OBJECT") {
      const ToolValue* props = value.find("properties");
      if (props && props->is_object()) {
        comma();
        out += "properties:{";
        format_parameters(out, *props);
        out += '}';
      } else if (value.is_object()) {
        comma();
        out += "properties:{";
        format_parameters(out, value);
        out += '}';
      }
      if (field_truthy(value, "required")) {
        comma();
        out += "required:[";
        format_required_items(out, value.find("required"));
        out += ']';
      }
    }
    comma();
    out += "type:<|\"|>" + type + "<|\"|>}";
  }
}

/// Template macro format_function_declaration(tool), without the surrounding <|tool>...<tool|>.
/// Reproduced as written, including that a parameters object without "type" leaves its `{` open.
inline std::string format_function_declaration(const ToolDeclaration& tool) {
  std::string out =
      "declaration:" + tool.name + "{description:<|\"|>" + tool.description + "<|\"|>";
  const ToolValue& params = tool.parameters;
  if (params.truthy()) {
    out += ",parameters:{";
    if (params.is_object()) {
      if (field_truthy(params, "properties")) {
        out += "properties:{";
        format_parameters(out, *params.find("properties"));
        out += "},";
      }
      if (field_truthy(params, "required")) {
        out += "required:[";
        format_required_items(out, params.find("required"));
        out += "],";
      }
      if (field_truthy(params, "type"))
        out += "type:<|\"|>" + ascii_upper(field_text(params, "type")) + "<|\"|>}";
    }
  }
  if (tool.response) {
    const ToolValue& r = *tool.response;
    out += ",response:{";
    if (field_truthy(r, "description"))
      out += "description:<|\"|>" + field_text(r, "description") + "<|\"|>,";
    if (ascii_upper(field_text(r, "type")) == "OBJECT") out += "type:<|\"|>OBJECT<|\"|>}";
  }
  out += '}';
  return py_strip(out);
}

/// Template macro format_tool_response_block(name, response).
inline std::string format_tool_response_block(std::string_view name, const ToolValue& response) {
  std::string out(tokens::tool_response_start);
  out += "response:";
  out += name;
  if (response.is_object()) {
    out += '{';
    bool first = true;
    for (const auto* kv : dictsort(response)) {
      if (!first) out += ',';
      first = false;
      out += kv->first + ":";
      format_argument(out, kv->second, /*escape_keys=*/false);
    }
    out += '}';
  } else {
    out += "{value:" + format_argument(response, /*escape_keys=*/false) + "}";
  }
  out += tokens::tool_response_end;
  return out;
}

/// Python str.split(sep) (sep non-empty).
inline std::vector<std::string_view> py_split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) break;
    parts.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace detail

/// Template macro strip_thinking: drops every `<|channel>...<channel|>` span (and an unterminated
/// `<|channel>...` tail), then trims. "A<|channel>thought\nx<channel|>B" -> "AB".
inline std::string strip_thinking(std::string_view text) {
  std::string result;
  for (std::string_view part : detail::py_split(text, tokens::channel_end)) {
    std::size_t open = part.find(tokens::channel_start);
    result += open == std::string_view::npos ? part : part.substr(0, open);
  }
  return detail::py_strip(result);
}

/// Renders a conversation as the Gemma 4 chat template does (see the top of this file).
/// Throws gemma4::Error for an empty conversation.
inline std::string render_chat(std::span<const Message> messages, const ChatOptions& options = {}) {
  using detail::py_strip;
  if (messages.empty()) detail::fail("render_chat: the conversation has no messages");
  enum class Prev { None, Think, Tool, ToolCall, ToolResponse, Image, Audio, Video };
  Prev prev = Prev::None;
  std::string out = options.bos_token;

  std::span<const Message> loop = messages;
  const bool first_is_system =
      messages[0].role == Role::System || messages[0].role == Role::Developer;
  if (options.enable_thinking || !options.tools.empty() || first_is_system) {
    out += "<|turn>system\n";
    if (options.enable_thinking) {
      out += tokens::think;
      if (options.newline_after_think) out += '\n';
      prev = Prev::Think;
    }
    if (first_is_system) {
      out += py_strip(messages[0].content);
      loop = messages.subspan(1);
    }
    for (const ToolDeclaration& tool : options.tools) {
      out += tokens::tool_start;
      out += detail::format_function_declaration(tool);
      out += tokens::tool_end;
      prev = Prev::Tool;
    }
    out += "<turn|>\n";
  }

  std::ptrdiff_t last_user = -1;
  for (std::size_t i = 0; i < loop.size(); ++i)
    if (loop[i].role == Role::User) last_user = static_cast<std::ptrdiff_t>(i);

  for (std::size_t i = 0; i < loop.size(); ++i) {
    const Message& m = loop[i];
    if (m.role == Role::Tool) continue;  // folded into the model message that called the tool
    prev = Prev::None;
    const bool is_model = m.role == Role::Model;
    // A model message directly after a model message (tool messages between them skipped)
    // continues the same turn: no second <|turn>model.
    std::optional<Role> prev_role;
    for (std::size_t j = i; j-- > 0;) {
      if (loop[j].role != Role::Tool) {
        prev_role = loop[j].role;
        break;
      }
    }
    if (!(is_model && prev_role == Role::Model)) {
      out += tokens::turn_start;
      out += role_name(m.role);
      out += '\n';
    }
    if (!m.reasoning.empty() && static_cast<std::ptrdiff_t>(i) > last_user && !m.tool_calls.empty())
      out += "<|channel>thought\n" + m.reasoning + "\n<channel|>";
    if (!m.tool_calls.empty()) {
      for (const ToolCall& call : m.tool_calls) {
        out += "<|tool_call>call:" + call.name + "{";
        if (call.arguments.is_object()) {
          bool first = true;
          for (const auto* kv : detail::dictsort(call.arguments)) {
            if (!first) out += ',';
            first = false;
            out += kv->first + ":";
            detail::format_argument(out, kv->second, /*escape_keys=*/false);
          }
        } else if (call.arguments.is_string()) {
          out += call.arguments.as_string();
        }
        out += "}<tool_call|>";
      }
      prev = Prev::ToolCall;
    }
    bool responses_out = false;
    if (!m.tool_responses.empty()) {
      for (const ToolResponse& r : m.tool_responses) {
        out += detail::format_tool_response_block(r.name.empty() ? "unknown" : r.name, r.response);
        responses_out = true;
        prev = Prev::ToolResponse;
      }
    } else if (!m.tool_calls.empty()) {
      for (std::size_t k = i + 1; k < loop.size() && loop[k].role == Role::Tool; ++k) {
        const Message& follow = loop[k];
        std::string name = follow.name.empty() ? "unknown" : follow.name;
        for (const ToolCall& tc : m.tool_calls)
          if (tc.id == follow.tool_call_id) name = tc.name;
        ToolValue body;
        if (follow.result) {
          body = *follow.result;
        } else if (!follow.parts.empty()) {
          std::string s;
          for (const ContentPart& p : follow.parts)
            if (p.kind == ContentPart::Kind::Text) s += p.text;
          body = ToolValue(std::move(s));
        } else {
          body = ToolValue(follow.content);
        }
        out += detail::format_tool_response_block(name, body);
        responses_out = true;
        prev = Prev::ToolResponse;
      }
    }
    if (m.parts.empty()) {
      out += is_model ? strip_thinking(m.content) : py_strip(m.content);
    } else {
      for (const ContentPart& p : m.parts) {
        switch (p.kind) {
          case ContentPart::Kind::Text:
            out += is_model ? strip_thinking(p.text) : py_strip(p.text);
            break;
          case ContentPart::Kind::Image:
            out += "\n\n<|image|>\n\n";
            prev = Prev::Image;
            break;
          case ContentPart::Kind::Audio:
            out += tokens::audio_placeholder;
            prev = Prev::Audio;
            break;
          case ContentPart::Kind::Video:
            out += "\n\n<|video|>\n\n";
            prev = Prev::Video;
            break;
        }
      }
    }
    const bool has_content = !m.content.empty() || !m.parts.empty();
    if (prev == Prev::ToolCall && !responses_out) {
      out += tokens::tool_response_start;  // the caller answers the call next
    } else if (!(responses_out && !has_content)) {
      out += "<turn|>\n";
    }
  }

  if (options.add_generation_prompt && prev != Prev::ToolResponse && prev != Prev::ToolCall) {
    out += "<|turn>model\n";
    if (!options.enable_thinking && options.empty_thought_when_not_thinking)
      out += "<|channel>thought\n<channel|>";
  }
  return out;
}

inline std::string render_chat(const std::vector<Message>& messages,
                               const ChatOptions& options = {}) {
  return render_chat(std::span<const Message>(messages), options);
}

// ------------------------------------------------------------------------------------------------
// Multimodal placeholder expansion (spec tokenizer.md §8, multimodal-merge.md §2).

/// `<|image>` + n x `<|image|>` + `<image|>`: what one `<|image|>` of a rendered prompt becomes
/// once the vision front end knows the image yields n soft tokens.
inline std::string expand_image(std::size_t n) {
  std::string out(tokens::image_start);
  for (std::size_t i = 0; i < n; ++i) out += tokens::image_placeholder;
  out += tokens::image_end;
  return out;
}

/// `<|audio>` + n x `<|audio|>` + `<audio|>`.
inline std::string expand_audio(std::size_t n) {
  std::string out(tokens::audio_start);
  for (std::size_t i = 0; i < n; ++i) out += tokens::audio_placeholder;
  out += tokens::audio_end;
  return out;
}

/// A frame's timestamp as HF's video prompt writes it: "mm:ss", both parts floored (65.9 s ->
/// "01:05"; minutes are not capped at 59).
inline std::string video_timestamp(double seconds) {
  if (!(seconds >= 0)) detail::fail("video_timestamp: ", seconds, " s is not a time");
  const auto whole = static_cast<long long>(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", whole / 60, whole % 60);
  return buf;
}

/// The timestamps of sampled frames: index / fps (HF's video metadata; fps 24 when unknown).
inline std::vector<double> video_frame_timestamps(std::span<const int> frame_indices,
                                                  double fps = 24.0) {
  if (!(fps > 0)) detail::fail("video_frame_timestamps: fps ", fps, " must be positive");
  std::vector<double> t;
  for (int i : frame_indices) t.push_back(i / fps);
  return t;
}

/// What one `<|video|>` of a rendered prompt becomes (HF `replace_video_token`): per frame
/// "mm:ss " + `<|image>` + n x `<|video|>` + `<image|>` (the image boundaries are reused), the
/// frames joined by one space; n soft tokens per frame (budget 70 by default, vision.md §11).
inline std::string expand_video(std::span<const double> frame_seconds, std::size_t n) {
  std::string out;
  for (std::size_t f = 0; f < frame_seconds.size(); ++f) {
    if (f > 0) out += ' ';
    out += video_timestamp(frame_seconds[f]);
    out += ' ';
    out += tokens::image_start;
    for (std::size_t i = 0; i < n; ++i) out += tokens::video_placeholder;
    out += tokens::image_end;
  }
  return out;
}

/// A video of a prompt: its sampled frames' times and the soft tokens of each frame.
struct VideoPrompt {
  std::vector<double> frame_seconds;
  std::size_t tokens_per_frame = 0;
};

/// Replaces the i-th `<|image|>` of `text` by expand_image(image_tokens[i]), the j-th
/// `<|audio|>` by expand_audio(audio_tokens[j]) and the k-th `<|video|>` by
/// expand_video(videos[k]). The counts must match the placeholders.
inline std::string expand_placeholders(std::string_view text,
                                       std::span<const std::size_t> image_tokens,
                                       std::span<const std::size_t> audio_tokens = {},
                                       std::span<const VideoPrompt> videos = {}) {
  const std::string_view kinds[3] = {tokens::image_placeholder, tokens::audio_placeholder,
                                     tokens::video_placeholder};
  const std::size_t given[3] = {image_tokens.size(), audio_tokens.size(), videos.size()};
  std::size_t used[3] = {0, 0, 0};
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    int kind = -1;
    std::size_t next = std::string_view::npos;
    for (int k = 0; k < 3; ++k)
      if (const std::size_t at = text.find(kinds[k], pos); at < next) next = at, kind = k;
    if (kind < 0) break;
    out += text.substr(pos, next - pos);
    if (used[kind] >= given[kind])
      detail::fail("expand_placeholders: more ", kinds[kind], " placeholders than the ",
                   given[kind], " counts given");
    const std::size_t i = used[kind]++;
    out += kind == 0   ? expand_image(image_tokens[i])
           : kind == 1 ? expand_audio(audio_tokens[i])
                       : expand_video(videos[i].frame_seconds, videos[i].tokens_per_frame);
    pos = next + kinds[kind].size();
  }
  out += text.substr(pos);
  if (used[0] != given[0] || used[1] != given[1] || used[2] != given[2])
    detail::fail("expand_placeholders: ", used[0], " <|image|>, ", used[1], " <|audio|> and ",
                 used[2], " <|video|> placeholders in the text, but ", given[0], ", ", given[1],
                 " and ", given[2], " counts given");
  return out;
}

}  // namespace gemma4
