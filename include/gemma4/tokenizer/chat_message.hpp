// gemma4/tokenizer/chat_message.hpp: what a Gemma 4 conversation is made of, before it is rendered:
// the special-token spellings of the chat format, messages (role, text, multimodal items, tool
// calls and results, reasoning), tool declarations and the rendering options.
//
// chat_template.hpp renders a std::vector<Message> to the prompt string; answer_parser.hpp turns
// a generated answer back into a Message.
//
//   std::vector<gemma4::Message> chat = {{gemma4::Role::User, "Hi there"}};
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gemma4/core/error.hpp"

namespace gemma4 {

// ------------------------------------------------------------------------------------------------
// Special token spellings (spec tokenizer.md §2).

namespace tokens {
inline constexpr std::string_view bos = "<bos>";
inline constexpr std::string_view eos = "<eos>";
inline constexpr std::string_view turn_start = "<|turn>";
inline constexpr std::string_view turn_end = "<turn|>";
inline constexpr std::string_view think = "<|think|>";
inline constexpr std::string_view channel_start = "<|channel>";
inline constexpr std::string_view channel_end = "<channel|>";
inline constexpr std::string_view tool_start = "<|tool>";
inline constexpr std::string_view tool_end = "<tool|>";
inline constexpr std::string_view tool_call_start = "<|tool_call>";
inline constexpr std::string_view tool_call_end = "<tool_call|>";
inline constexpr std::string_view tool_response_start = "<|tool_response>";
inline constexpr std::string_view tool_response_end = "<tool_response|>";
inline constexpr std::string_view string_delim = "<|\"|>";
inline constexpr std::string_view image_start = "<|image>";
inline constexpr std::string_view image_placeholder = "<|image|>";
inline constexpr std::string_view image_end = "<image|>";
inline constexpr std::string_view audio_start = "<|audio>";
inline constexpr std::string_view audio_placeholder = "<|audio|>";
inline constexpr std::string_view audio_end = "<audio|>";
inline constexpr std::string_view video_placeholder = "<|video|>";
}  // namespace tokens

// ------------------------------------------------------------------------------------------------
// A JSON-like value: tool-call arguments, tool results, tool parameter schemas.

/// A JSON value. Objects keep insertion order (rendering sorts keys like Jinja's dictsort).
class ToolValue {
 public:
  using Array = std::vector<ToolValue>;
  using Object = std::vector<std::pair<std::string, ToolValue>>;

  ToolValue() = default;  // null
  ToolValue(std::nullptr_t) {}
  ToolValue(bool b) : v_(b) {}
  ToolValue(int i) : v_(std::int64_t{i}) {}
  ToolValue(std::int64_t i) : v_(i) {}
  ToolValue(double d) : v_(d) {}
  ToolValue(const char* s) : v_(std::string(s)) {}
  ToolValue(std::string s) : v_(std::move(s)) {}
  ToolValue(std::string_view s) : v_(std::string(s)) {}
  ToolValue(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
  ToolValue(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

  /// {"key", value} pairs: ToolValue::object({{"a", 3}, {"b", "x"}}).
  static ToolValue object(Object o) { return ToolValue(std::move(o)); }
  static ToolValue array(Array a) { return ToolValue(std::move(a)); }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<Array>>(v_); }
  const Object& as_object() const { return *std::get<std::shared_ptr<Object>>(v_); }

  /// The value of `key` in an object, or nullptr (also when this is not an object).
  const ToolValue* find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : as_object())
      if (k == key) return &v;
    return nullptr;
  }

  /// Jinja truthiness: null, false, 0, 0.0, "", [] and {} are false.
  bool truthy() const {
    if (is_null()) return false;
    if (is_bool()) return as_bool();
    if (is_int()) return as_int() != 0;
    if (is_double()) return as_double() != 0.0;
    if (is_string()) return !as_string().empty();
    if (is_array()) return !as_array().empty();
    return !as_object().empty();
  }

  friend bool operator==(const ToolValue& a, const ToolValue& b) {
    if (a.v_.index() != b.v_.index()) return false;
    if (a.is_array()) return a.as_array() == b.as_array();
    if (a.is_object()) return a.as_object() == b.as_object();
    return a.v_ == b.v_;
  }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v_;
};

// ------------------------------------------------------------------------------------------------
// Conversation types.

/// Who speaks. `Model` is HF's "assistant" (rendered `model`); `Developer` is accepted as the first
/// message like `System`; `Tool` carries a tool result (OpenAI style: it follows the model message
/// that made the call and is folded into that model turn).
enum class Role { System, Developer, User, Model, Tool };

inline std::string_view role_name(Role r) {
  switch (r) {
    case Role::System:
      return "system";
    case Role::Developer:
      return "developer";
    case Role::User:
      return "user";
    case Role::Model:
      return "model";
    case Role::Tool:
      return "tool";
  }
  return "?";
}

/// A function call made by the model: `<|tool_call>call:NAME{k:v,...}<tool_call|>`.
/// `arguments` is an object (rendered key:value with keys sorted) or a string (rendered verbatim).
struct ToolCall {
  std::string name;
  ToolValue arguments = ToolValue::object({});
  std::string id;  // optional; matched against Message::tool_call_id of Role::Tool messages
  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

/// A tool result embedded on a model message (Gemma-native "tool_responses").
struct ToolResponse {
  std::string name;
  ToolValue response;  // an object renders {k:v,...}; anything else renders {value:...}
};

/// One item of multimodal content; Text items are trimmed (user) or thought-stripped (model).
struct ContentPart {
  enum class Kind { Text, Image, Audio, Video };
  Kind kind = Kind::Text;
  std::string text;
  static ContentPart image() { return {Kind::Image, {}}; }
  static ContentPart audio() { return {Kind::Audio, {}}; }
  static ContentPart video() { return {Kind::Video, {}}; }
  static ContentPart from_text(std::string t) { return {Kind::Text, std::move(t)}; }
};

/// One message of a conversation.
struct Message {
  Role role = Role::User;
  std::string content;             // used when `parts` is empty
  std::vector<ContentPart> parts;  // multimodal content (takes precedence over `content`)
  std::vector<ToolCall> tool_calls;
  /// Thought text of a model message; rendered as `<|channel>thought\n...\n<channel|>` only for a
  /// model message with tool calls after the last user message (as the template does).
  std::string reasoning;
  std::vector<ToolResponse> tool_responses;  // Gemma-native results on a model message
  // Role::Tool only:
  std::string name;                 // function name (used when tool_call_id matches no call)
  std::string tool_call_id;         // id of the ToolCall this answers
  std::optional<ToolValue> result;  // structured result; otherwise `content` (or text parts)
};

/// A function the model may call:
/// `<|tool>declaration:NAME{description:...,parameters:{...}}<tool|>`. `parameters` is a JSON
/// schema object ({"type": "object", "properties": {...}, "required": [...]}) and `response` an
/// optional schema of the result, both as HF's tool dictionaries hold them.
struct ToolDeclaration {
  std::string name;
  std::string description;
  ToolValue parameters;
  std::optional<ToolValue> response;
};

struct ChatOptions {
  bool add_generation_prompt = true;
  bool enable_thinking = false;
  std::vector<ToolDeclaration> tools;
  /// Newer templates: `<|turn>model\n<|channel>thought\n<channel|>` when thinking is off.
  bool empty_thought_when_not_thinking = true;
  /// Newer templates: `<|think|>\n`; the E4B template and Google's docs: `<|think|>`.
  bool newline_after_think = true;
  /// Written first (spec §5: a rendered chat starts with exactly one `<bos>`).
  std::string bos_token = "<bos>";
};

}  // namespace gemma4
