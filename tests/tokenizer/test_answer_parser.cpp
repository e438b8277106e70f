// Tests of gemma4/tokenizer/answer_parser.hpp: the cases of HF's Gemma 4 response-template
// tests, and the round trip through render_chat (what the template writes, the parser reads).
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "gemma4/tokenizer/answer_parser.hpp"
#include "gemma4/tokenizer/chat_template.hpp"

using gemma4::ChatOptions;
using gemma4::Message;
using gemma4::Role;
using gemma4::ToolCall;
using gemma4::ToolValue;

namespace {

Message msg(Role r, std::string content) {
  Message m;
  m.role = r;
  m.content = std::move(content);
  return m;
}

}  // namespace

TEST_CASE("parse_answer: the cases of HF's Gemma 4 response-template tests") {
  // tests/models/gemma4/test_response_template_gemma4.py
  auto a = gemma4::parse_answer(
      "<|channel>thought\nI should multiply.\n<channel|>"
      "<|tool_call>call:multiply{a:3,b:4}<tool_call|><|tool_response>");
  CHECK(a.thinking == "I should multiply.");
  REQUIRE(a.tool_calls.size() == 1);
  CHECK(a.tool_calls[0].name == "multiply");
  CHECK(a.tool_calls[0].arguments == ToolValue::object({{"a", 3}, {"b", 4}}));
  CHECK(a.content.empty());
  CHECK(a.awaits_tool_response);

  auto b =
      gemma4::parse_answer("<|channel>thought\nLet me check.\n<channel|>The answer is 12.<turn|>");
  CHECK(b.thinking == "Let me check.");
  CHECK(b.content == "The answer is 12.");
  CHECK(b.tool_calls.empty());
  CHECK_FALSE(b.awaits_tool_response);

  auto c = gemma4::parse_answer("12<turn|>");
  CHECK(c.content == "12");
  CHECK(c.thinking.empty());
}

TEST_CASE("parse_answer reads back what render_chat writes") {
  ToolValue args = ToolValue::object({{"city", "Paris, {France}"},
                                      {"n", -3},
                                      {"x", 0.25},
                                      {"flags", ToolValue::array({true, false, nullptr})},
                                      {"nested", ToolValue::object({{"k", "v"}})}});
  Message m;
  m.role = Role::Model;
  m.tool_calls = {ToolCall{"lookup", args, {}}};
  ChatOptions o;
  o.add_generation_prompt = false;
  std::string r = gemma4::render_chat({msg(Role::User, "q"), m}, o);
  std::string answer = r.substr(r.find("<|tool_call>"));
  auto p = gemma4::parse_answer(answer);
  REQUIRE(p.tool_calls.size() == 1);
  CHECK(p.tool_calls[0].name == "lookup");
  // Keys come back in rendered (sorted) order.
  CHECK(p.tool_calls[0].arguments ==
        ToolValue::object({{"city", "Paris, {France}"},
                           {"flags", ToolValue::array({true, false, nullptr})},
                           {"n", -3},
                           {"nested", ToolValue::object({{"k", "v"}})},
                           {"x", 0.25}}));
  CHECK(p.awaits_tool_response);
  // Generation stopped inside the thought channel: all of it is thought.
  auto q = gemma4::parse_answer("<|channel>thought\nhalf a th");
  CHECK(q.thinking == "half a th");
  CHECK(q.content.empty());
  CHECK_THROWS_AS(gemma4::parse_answer("<|tool_call>call:f{a:<tool_call|>"), gemma4::Error);
  // answer_message keeps the thought for the template's reasoning rule.
  Message back = gemma4::answer_message("<|channel>thought\nhmm\n<channel|>Yes.<turn|>");
  CHECK(back.role == Role::Model);
  CHECK(back.content == "Yes.");
  CHECK(back.reasoning == "hmm");
}
