// Tests of gemma4/tokenizer/chat_template.hpp.
//
// Expected strings come from (a) the spec (../shared/spec/tokenizer.md §6: the real llama.cpp
// example, the official thinking example, the decode check), (b) Google's prompt-formatting and
// function-calling pages (the dialogue example, `call:get_current_temperature{...}`,
// `response:get_current_weather{...}`), (c) a rendering of the E4B template recorded in public
// material, and (d) the template text, walked by hand (each such case says which branches it
// takes). Ids come from the spec only.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gemma4/tokenizer/chat_template.hpp"
#include "gemma4/tokenizer/tokenizer.hpp"
#include "special_tokens.hpp"

using gemma4::ChatOptions;
using gemma4::ContentPart;
using gemma4::Message;
using gemma4::Role;
using gemma4::TokenId;
using gemma4::ToolCall;
using gemma4::ToolDeclaration;
using gemma4::ToolValue;

namespace {

Message msg(Role r, std::string content) {
  Message m;
  m.role = r;
  m.content = std::move(content);
  return m;
}

// The weather tool of Google's function-calling page, as an HF tool dictionary.
ToolDeclaration weather_tool() {
  ToolDeclaration t;
  t.name = "get_current_temperature";
  t.description = "Gets the current temperature";
  t.parameters = ToolValue::object({
      {"type", "object"},
      {"properties",
       ToolValue::object({
           {"location", ToolValue::object({{"type", "string"}, {"description", "The city"}})},
           {"unit", ToolValue::object({{"type", "string"},
                                       {"enum", ToolValue::array({"celsius", "fahrenheit"})}})},
       })},
      {"required", ToolValue::array({"location"})},
  });
  return t;
}

}  // namespace

TEST_CASE("real example of the spec: user turn, generation prompt with empty thought channel") {
  // tokenizer.md §6 "Real example (llama.cpp, released vocabulary)".
  std::vector<Message> chat = {
      msg(Role::User, "What is 17 multiplied by 23? Answer with the number only.")};
  CHECK(gemma4::render_chat(chat) ==
        "<bos><|turn>user\nWhat is 17 multiplied by 23? Answer with the number "
        "only.<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
  // The E2B/E4B template at conversion time ends the prompt at <|turn>model\n.
  ChatOptions old;
  old.empty_thought_when_not_thinking = false;
  CHECK(gemma4::render_chat(chat, old) ==
        "<bos><|turn>user\nWhat is 17 multiplied by 23? Answer with the number "
        "only.<turn|>\n<|turn>model\n");
}

TEST_CASE("decode check of the spec: one user turn without generation prompt") {
  // tokenizer.md §6: [2, 105, 2364, 107, 10979, 993, 106] -> "<bos><|turn>user\nHi there<turn|>";
  // a complete turn is followed by "\n".
  ChatOptions o;
  o.add_generation_prompt = false;
  CHECK(gemma4::render_chat({msg(Role::User, "Hi there")}, o) ==
        "<bos><|turn>user\nHi there<turn|>\n");
}

TEST_CASE("Google's dialogue example: system and user turns") {
  ChatOptions o;
  o.add_generation_prompt = false;
  CHECK(gemma4::render_chat(
            {msg(Role::System, "You are a helpful assistant."), msg(Role::User, "Hello.")}, o) ==
        "<bos><|turn>system\nYou are a helpful assistant.<turn|>\n<|turn>user\nHello.<turn|>\n");
  // "developer" is a system message too; "assistant" is rendered "model".
  CHECK(gemma4::render_chat(
            {msg(Role::Developer, "Be brief."), msg(Role::User, "Hi"), msg(Role::Model, "Hello!")},
            o) ==
        "<bos><|turn>system\nBe "
        "brief.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\nHello!<turn|>\n");
}

TEST_CASE("thinking on: <|think|> opens the system turn, the thought is stripped from history") {
  // tokenizer.md §6 official example (no newline after <|think|>, as on Google's page).
  ChatOptions o;
  o.enable_thinking = true;
  o.newline_after_think = false;
  std::vector<Message> chat = {msg(Role::User, "What is the water formula?")};
  CHECK(gemma4::render_chat(chat, o) ==
        "<bos><|turn>system\n<|think|><turn|>\n<|turn>user\nWhat is the water "
        "formula?<turn|>\n<|turn>model\n");
  // The answer of the official example, fed back as history: the channel is stripped.
  chat.push_back(
      msg(Role::Model, "<|channel>thought\n...\n<channel|>The most common interpretation ..."));
  chat.push_back(msg(Role::User, "Thanks"));
  CHECK(gemma4::render_chat(chat, o) ==
        "<bos><|turn>system\n<|think|><turn|>\n<|turn>user\nWhat is the water "
        "formula?<turn|>\n<|turn>model\nThe most common interpretation ...<turn|>\n"
        "<|turn>user\nThanks<turn|>\n<|turn>model\n");
  // A rendering of the E4B template: thinking and a system message share one system turn.
  CHECK(gemma4::render_chat(
            {msg(Role::System, "You are a concise assistant."), msg(Role::User, "Answer with OK.")},
            o) ==
        "<bos><|turn>system\n<|think|>You are a concise assistant.<turn|>\n<|turn>user\nAnswer "
        "with OK.<turn|>\n<|turn>model\n");
  // The pinned (newer) revision writes "<|think|>\n".
  o.newline_after_think = true;
  CHECK(gemma4::render_chat({msg(Role::User, "Hi")}, o) ==
        "<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n");
}

TEST_CASE("trim is Python's str.strip(): Unicode spaces go, other characters stay") {
  ChatOptions o;
  o.add_generation_prompt = false;
  // U+00A0 NBSP and U+3000 ideographic space are str.isspace(); U+200B ZWSP is not.
  CHECK(gemma4::render_chat({msg(Role::User, "\xC2\xA0 \t\nHi\n\xE3\x80\x80")}, o) ==
        "<bos><|turn>user\nHi<turn|>\n");
  CHECK(gemma4::render_chat({msg(Role::User, "\xE2\x80\x8BHi ")}, o) ==
        "<bos><|turn>user\n\xE2\x80\x8BHi<turn|>\n");
}

TEST_CASE("strip_thinking follows the template macro") {
  CHECK(gemma4::strip_thinking("A<|channel>thought\nx<channel|>B") == "AB");
  CHECK(gemma4::strip_thinking("  <|channel>t1<channel|>A<|channel>t2<channel|> B  ") == "A B");
  // An unterminated channel drops the tail; a stray <channel|> just disappears.
  CHECK(gemma4::strip_thinking("A<|channel>thought\nunfinished") == "A");
  CHECK(gemma4::strip_thinking("A<channel|>B") == "AB");
}

TEST_CASE("tool declaration: walked through format_function_declaration by hand") {
  // properties sorted (location, unit); location: description then type; unit: no description,
  // so enum comes first without a comma, then type; then required, then type closes parameters,
  // and the final "}" closes the declaration.
  CHECK(gemma4::detail::format_function_declaration(weather_tool()) ==
        "declaration:get_current_temperature{description:<|\"|>Gets the current "
        "temperature<|\"|>,parameters:{properties:{location:{description:<|\"|>The "
        "city<|\"|>,type:<|\"|>STRING<|\"|>},unit:{enum:[<|\"|>celsius<|\"|>,<|\"|>fahrenheit<|\"|>"
        "],type:<|\"|>STRING<|\"|>}},required:[<|\"|>location<|\"|>],type:<|\"|>OBJECT<|\"|>}}");
  // No parameters: only the description; missing description renders empty.
  ToolDeclaration bare;
  bare.name = "ping";
  CHECK(gemma4::detail::format_function_declaration(bare) ==
        "declaration:ping{description:<|\"|><|\"|>}");
  // Nested object, array items, nullable; "required" of a nested object after its properties.
  ToolDeclaration nested;
  nested.name = "f";
  nested.description = "d";
  nested.parameters = ToolValue::object({
      {"type", "object"},
      {"properties",
       ToolValue::object({
           {"tags", ToolValue::object(
                        {{"type", "array"}, {"items", ToolValue::object({{"type", "string"}})}})},
           {"opt", ToolValue::object(
                       {{"type", "object"},
                        {"nullable", true},
                        {"properties",
                         ToolValue::object({{"k", ToolValue::object({{"type", "integer"}})}})},
                        {"required", ToolValue::array({"k"})}})},
       })},
  });
  // opt: no description; nullable -> "nullable:true" (no comma: first field); OBJECT ->
  // ",properties:{k:{type:INTEGER}}" ",required:[k]" ",type:OBJECT". tags: ARRAY with items
  // {type:string} -> "items:{type:<|"|>STRING<|"|>}" then ",type:ARRAY". No "required" at the top,
  // so parameters is closed by "type:OBJECT}".
  CHECK(
      gemma4::detail::format_function_declaration(nested) ==
      "declaration:f{description:<|\"|>d<|\"|>,parameters:{properties:{opt:{nullable:true,"
      "properties:{k:{type:<|\"|>INTEGER<|\"|>}},required:[<|\"|>k<|\"|>],type:<|\"|>OBJECT<|\"|>"
      "},tags:{items:{type:<|\"|>STRING<|\"|>},type:<|\"|>ARRAY<|\"|>}},type:<|\"|>OBJECT<|\"|>}}");
}

TEST_CASE("tool flow: declaration, call, response and final answer in one model turn") {
  ChatOptions o;
  o.tools = {weather_tool()};
  Message call;
  call.role = Role::Model;
  call.reasoning = "Need the tool.";
  call.tool_calls = {
      ToolCall{"get_current_temperature", ToolValue::object({{"location", "London"}}), "c1"}};
  Message result;
  result.role = Role::Tool;
  result.tool_call_id = "c1";
  result.result = ToolValue::object({{"weather", "sunny"}, {"temperature", 15}});
  std::vector<Message> chat = {msg(Role::System, "You are a weather bot."),
                               msg(Role::User, "  Weather in London?  \n"), call, result,
                               msg(Role::Model, "It is 15 degrees and sunny.")};
  const std::string decl =
      "<|tool>" + gemma4::detail::format_function_declaration(weather_tool()) + "<tool|>";
  // The call message is after the last user message and has tool calls, so its reasoning is
  // rendered; the tool result (name taken from the call with the matching id) follows in the same
  // turn; an empty content after results closes nothing; the final answer continues the turn.
  // Call and response syntax as on Google's function-calling page.
  CHECK(gemma4::render_chat(chat, o) ==
        "<bos><|turn>system\nYou are a weather bot." + decl +
            "<turn|>\n<|turn>user\nWeather in London?<turn|>\n<|turn>model\n"
            "<|channel>thought\nNeed the tool.\n<channel|>"
            "<|tool_call>call:get_current_temperature{location:<|\"|>London<|\"|>}<tool_call|>"
            "<|tool_response>response:get_current_temperature{temperature:15,weather:<|\"|>sunny"
            "<|\"|>}<tool_response|>It is 15 degrees and sunny.<turn|>\n"
            "<|turn>model\n<|channel>thought\n<channel|>");

  // Stopping after the results: no <turn|>, no generation prompt (the model continues its turn).
  chat.pop_back();
  CHECK(gemma4::render_chat(chat, o) ==
        "<bos><|turn>system\nYou are a weather bot." + decl +
            "<turn|>\n<|turn>user\nWeather in London?<turn|>\n<|turn>model\n"
            "<|channel>thought\nNeed the tool.\n<channel|>"
            "<|tool_call>call:get_current_temperature{location:<|\"|>London<|\"|>}<tool_call|>"
            "<|tool_response>response:get_current_temperature{temperature:15,weather:<|\"|>sunny"
            "<|\"|>}<tool_response|>");

  // A call without results yet: the turn ends with <|tool_response> (stop token 50) and no
  // generation prompt follows. A plain string result renders as {value:<|"|>...<|"|>}.
  chat.pop_back();
  std::string open = gemma4::render_chat(chat, o);
  CHECK(open.ends_with("<tool_call|><|tool_response>"));
  Message text_result;
  text_result.role = Role::Tool;
  text_result.name = "get_current_temperature";
  text_result.content = "15 C";
  chat.push_back(text_result);
  CHECK(gemma4::render_chat(chat, o).ends_with(
      "<|tool_response>response:get_current_temperature{value:<|\"|>15 C<|\"|>}<tool_response|>"));
}

TEST_CASE("tool-call arguments: dictsort is case-insensitive; values print like Python") {
  Message m;
  m.role = Role::Model;
  m.tool_calls = {ToolCall{"f",
                           ToolValue::object({{"x", nullptr},
                                              {"ok", true},
                                              {"B", 2.5},
                                              {"a", 1},
                                              {"list", ToolValue::array({1, "s"})},
                                              {"obj", ToolValue::object({{"k", "v"}})}}),
                           {}}};
  ChatOptions o;
  o.add_generation_prompt = false;
  CHECK(gemma4::render_chat({msg(Role::User, "go"), m}, o) ==
        "<bos><|turn>user\ngo<turn|>\n<|turn>model\n<|tool_call>call:f{a:1,B:2.5,list:[1,<|\"|>s<|"
        "\"|>],obj:{k:<|\"|>v<|\"|>},ok:true,x:None}<tool_call|><|tool_response>");
}

TEST_CASE("Python float repr") {
  using gemma4::detail::py_float_repr;
  CHECK(py_float_repr(2.5) == "2.5");
  CHECK(py_float_repr(100.0) == "100.0");
  CHECK(py_float_repr(0.1) == "0.1");
  CHECK(py_float_repr(0.0001) == "0.0001");
  CHECK(py_float_repr(1e-5) == "1e-05");
  CHECK(py_float_repr(1e16) == "1e+16");
  CHECK(py_float_repr(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(py_float_repr(-0.5) == "-0.5");
  CHECK(py_float_repr(1234567890123456.0) == "1234567890123456.0");
}

TEST_CASE("multimodal content items and placeholder expansion") {
  Message m;
  m.role = Role::User;
  m.parts = {ContentPart::from_text(" Describe "), ContentPart::image(),
             ContentPart::from_text("and this:"), ContentPart::audio()};
  ChatOptions o;
  o.add_generation_prompt = false;
  // Items: text trimmed; image -> "\n\n<|image|>\n\n"; audio -> "<|audio|>" (tokenizer.md §6).
  const std::string rendered = gemma4::render_chat({m}, o);
  CHECK(rendered == "<bos><|turn>user\nDescribe\n\n<|image|>\n\nand this:<|audio|><turn|>\n");
  CHECK(gemma4::expand_image(3) == "<|image><|image|><|image|><|image|><image|>");
  CHECK(gemma4::expand_audio(0) == "<|audio><audio|>");
  const std::size_t images[] = {2};
  const std::size_t audios[] = {1};
  CHECK(gemma4::expand_placeholders(rendered, images, audios) ==
        "<bos><|turn>user\nDescribe\n\n<|image><|image|><|image|><image|>\n\nand "
        "this:<|audio><|audio|><audio|><turn|>\n");
  CHECK_THROWS_AS(gemma4::expand_placeholders(rendered, {}, audios), gemma4::Error);
  const std::size_t two[] = {1, 1};
  CHECK_THROWS_AS(gemma4::expand_placeholders(rendered, two, audios), gemma4::Error);
  CHECK_THROWS_AS(gemma4::render_chat(std::vector<Message>{}), gemma4::Error);
}

namespace {

// The Gemma 4 tokenizer.json built by tests/tokenizer/prepare.sh (the build provides the path).
const gemma4::Tokenizer& real_tokenizer() {
  static const gemma4::Tokenizer tok = [] {
    const char* env = std::getenv("GEMMA4_TOKENIZER_JSON");
    if (env == nullptr || *env == '\0')
      throw gemma4::Error(
          "GEMMA4_TOKENIZER_JSON is not set. Build the fixture with "
          "`tests/tokenizer/prepare.sh BUILD_DIR/tokenizer` (needs node + npm) and set "
          "GEMMA4_TOKENIZER_JSON=BUILD_DIR/tokenizer/gemma4-tokenizer.json");
    return gemma4::Tokenizer::from_file(env);
  }();
  return tok;
}

}  // namespace

TEST_CASE("rendered chats tokenize to the ids of the spec (real Gemma 4 vocabulary)") {
  const gemma4::Tokenizer& tok = real_tokenizer();
  // tokenizer.md §6, real example: the rendered prompt and llama.cpp's ids for it.
  std::vector<Message> chat = {
      msg(Role::User, "What is 17 multiplied by 23? Answer with the number only.")};
  CHECK(tok.encode(gemma4::render_chat(chat)) ==
        std::vector<TokenId>{2,      105,   2364, 107,    3689,   563,    236743, 236770,
                             236832, 37764, 684,  236743, 236778, 236800, 236881, 25685,
                             607,    506,   1548, 1186,   236761, 106,    107,    105,
                             4368,   107,   100,  45518,  107,    101});
  // tokenizer.md §6, decode check.
  const std::vector<TokenId> hi = {2, 105, 2364, 107, 10979, 993, 106};
  CHECK(tok.decode(hi) == "<bos><|turn>user\nHi there<turn|>");
  ChatOptions o;
  o.add_generation_prompt = false;
  std::vector<TokenId> with_newline = hi;
  with_newline.push_back(107);
  CHECK(tok.encode(gemma4::render_chat({msg(Role::User, "Hi there")}, o)) == with_newline);
}

TEST_CASE("every control-token spelling of the template is one token with the spec's id") {
  const gemma4::Tokenizer& tok = real_tokenizer();
  namespace t = gemma4::tokens;
  // Each spelling must be a special token of tokenizer.md §2 (tests/special_tokens.hpp) and
  // encode to its id alone.
  const std::string_view spellings[] = {t::bos,
                                        t::eos,
                                        t::tool_start,
                                        t::tool_end,
                                        t::tool_call_start,
                                        t::tool_call_end,
                                        t::tool_response_start,
                                        t::tool_response_end,
                                        t::string_delim,
                                        t::think,
                                        t::channel_start,
                                        t::channel_end,
                                        t::turn_start,
                                        t::turn_end,
                                        t::image_start,
                                        t::audio_start,
                                        t::image_placeholder,
                                        t::audio_placeholder,
                                        t::image_end,
                                        t::audio_end,
                                        t::video_placeholder};
  for (const std::string_view spelling : spellings) {
    INFO(spelling);
    const TokenId id = gemma4::test::special_token_id(spelling);
    CHECK(id >= 0);
    CHECK(tok.encode(spelling) == std::vector<TokenId>{id});
  }
  // An expanded image: BOI, n placeholders, EOI (multimodal-merge.md §1).
  CHECK(tok.encode(gemma4::expand_image(2)) ==
        std::vector<TokenId>{255999, 258880, 258880, 258882});
  CHECK(tok.encode(gemma4::expand_audio(1)) == std::vector<TokenId>{256000, 258881, 258883});
}

TEST_CASE(
    "video: per frame \"mm:ss \" + <|image> n x <|video|> <image|>, frames joined by a space") {
  // HF replace_video_token: f"{int(s // 60):02d}:{int(s % 60):02d}", " ".join(frames).
  CHECK(gemma4::video_timestamp(0.0) == "00:00");
  CHECK(gemma4::video_timestamp(65.9) == "01:05");
  CHECK(gemma4::video_timestamp(3600.0) == "60:00");
  CHECK_THROWS_AS(gemma4::video_timestamp(-1.0), gemma4::Error);
  // Frames 0, 24, 48 at the default 24 fps are 0 s, 1 s, 2 s.
  const int frames[] = {0, 24, 48};
  const std::vector<double> t = gemma4::video_frame_timestamps(frames);
  CHECK(t == std::vector<double>{0.0, 1.0, 2.0});
  CHECK(gemma4::expand_video(std::vector<double>{0.0, 1.5}, 2) ==
        "00:00 <|image><|video|><|video|><image|> 00:01 <|image><|video|><|video|><image|>");
  CHECK_THROWS_AS(gemma4::video_frame_timestamps(frames, 0.0), gemma4::Error);
}
