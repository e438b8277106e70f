// Tests of gemma4/generation/generate.hpp.
//
// The arbiter is the model's own full forward pass without a cache: greedy generation must be the
// argmax chain of forward(prompt + generated) (each generated id is the argmax of the logits at
// the position before it), and a conversation that reuses its cache must give what a fresh
// prefill gives. The model is the golden fixture text-e2b-tiny (vocab 300, sliding window 6, so
// generation runs past the window and through the KV-shared layers). Text streaming and stop
// strings use a toy tokenizer of 300 pieces (byte fallback, the Gemma special tokens at their
// real ids) and a scripted fake model whose next id is fixed per position.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "gemma4/generation/generate.hpp"
#include "gemma4/io/safetensors.hpp"
#include "special_tokens.hpp"
#include "toy_tokenizer.hpp"

#ifndef GEMMA4_TEST_DATA_DIR
#error "GEMMA4_TEST_DATA_DIR must be defined"
#endif

using gemma4::GenerateOptions;
using gemma4::StopReason;
using gemma4::TokenId;

namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny";

template <class T>
using Model = gemma4::TextModel<gemma4::Dynamic, T>;

const Model<double>& model_double() {
  static const Model<double> m = Model<double>::load(kFixture);
  return m;
}

std::vector<TokenId> fixture_prompt(std::size_t n) {
  const gemma4::SafetensorsFile golden(kFixture / "golden.safetensors");
  std::vector<TokenId> ids;
  for (std::int64_t v : golden.read<std::int64_t>("input_ids"))
    ids.push_back(static_cast<TokenId>(v));
  ids.resize(n);
  return ids;
}

std::vector<TokenId> concat(std::vector<TokenId> a, const std::vector<TokenId>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Checks that generated[i] is the argmax of the full forward's logits at position P-1+i.
template <class M>
void check_argmax_chain(const M& model, const std::vector<TokenId>& prompt,
                        const std::vector<TokenId>& generated) {
  const std::vector<TokenId> all = concat(prompt, generated);
  const auto logits = model.forward(std::span<const TokenId>(all), gemma4::LogitsFor::All);
  REQUIRE(logits.rows() == static_cast<Eigen::Index>(all.size()));
  for (std::size_t i = 0; i < generated.size(); ++i) {
    const Eigen::Index row = static_cast<Eigen::Index>(prompt.size() + i) - 1;
    Eigen::Index best = 0;
    logits.row(row).maxCoeff(&best);
    INFO("generated token " << i);
    CHECK(generated[i] == static_cast<TokenId>(best));
  }
}

// The 300-piece toy tokenizer (tests/toy_tokenizer.hpp): the Gemma special tokens at their real
// ids where they fit, byte pieces, "▁" and "a".."z".
const gemma4::Tokenizer& toy_tokenizer() {
  static const gemma4::Tokenizer tok = gemma4::test::make_toy_tokenizer(300);
  return tok;
}

// A model whose logits at absolute position p are one-hot (10) at script[p].
struct ScriptedModel {
  struct Cache {
    Eigen::Index n = 0;
    Eigen::Index size() const { return n; }
  };
  std::vector<TokenId> script;
  Cache make_cache() const { return {}; }
  gemma4::RowMatrix<double> forward(std::span<const TokenId> ids, Cache& c,
                                    gemma4::LogitsFor) const {
    c.n += static_cast<Eigen::Index>(ids.size());
    gemma4::RowMatrix<double> l = gemma4::RowMatrix<double>::Zero(1, 300);
    l(0, script.at(static_cast<std::size_t>(c.n - 1))) = 10.0;
    return l;
  }
};

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE_TEMPLATE("greedy generation is the argmax chain of the full forward", T, double, float) {
  const auto model = Model<T>::load(kFixture);
  const std::vector<TokenId> prompt = fixture_prompt(5);
  GenerateOptions o;
  o.max_new_tokens = 14;  // 5 + 14 positions: well past the sliding window of 6
  o.stop_ids = {};
  const auto r = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  REQUIRE(r.ids.size() == 14);
  CHECK(r.stop_reason == StopReason::MaxTokens);
  CHECK(r.prefill_tokens == 5);
  CHECK(r.decode_tokens == 13);  // the last id is returned, never fed
  check_argmax_chain(model, prompt, r.ids);
}

TEST_CASE(
    "sampling with a fixed seed is reproducible and stays inside the top-k of the full forward") {
  const auto& model = model_double();
  const std::vector<TokenId> prompt = fixture_prompt(4);
  GenerateOptions o;
  o.max_new_tokens = 16;
  o.stop_ids = {};
  o.sampling = {.temperature = 1.5, .top_k = 5, .seed = 11};
  const auto a = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  const auto b = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  o.sampling.seed = 12;
  const auto c = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  CHECK(a.ids == b.ids);
  CHECK(a.ids != c.ids);
  // Each sampled id must be among the 5 largest logits of the cache-free forward at its position.
  const std::vector<TokenId> all = concat(prompt, a.ids);
  const auto logits = model.forward(std::span<const TokenId>(all), gemma4::LogitsFor::All);
  for (std::size_t i = 0; i < a.ids.size(); ++i) {
    const auto row = logits.row(static_cast<Eigen::Index>(prompt.size() + i) - 1);
    const double mine = row(a.ids[i]);
    int larger = 0;
    for (Eigen::Index v = 0; v < row.size(); ++v) larger += row(v) > mine;
    INFO("sampled token " << i);
    CHECK(larger < 5);
  }
}

TEST_CASE("stop ids, max tokens and the token callback end generation") {
  const auto& model = model_double();
  const std::vector<TokenId> prompt = fixture_prompt(6);
  GenerateOptions free_run;
  free_run.max_new_tokens = 10;
  free_run.stop_ids = {};
  const auto g = gemma4::generate(model, std::span<const TokenId>(prompt), free_run).ids;
  REQUIRE(g.size() == 10);
  // Stop on the first id that did not occur before it in the chain.
  std::size_t k = 1;
  while (k < g.size() && std::find(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(k), g[k]) !=
                             g.begin() + static_cast<std::ptrdiff_t>(k))
    ++k;
  REQUIRE(k < g.size());
  GenerateOptions o = free_run;
  o.stop_ids = {g[k]};
  auto cache = model.make_cache();
  const auto r = gemma4::generate(model, cache, std::span<const TokenId>(prompt), o);
  CHECK(r.stop_reason == StopReason::StopToken);
  CHECK(r.ids == std::vector<TokenId>(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(k) + 1));
  CHECK(cache.size() == static_cast<Eigen::Index>(prompt.size() + k));  // stop id not fed

  o = free_run;
  o.max_new_tokens = 3;
  const auto m = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  CHECK(m.stop_reason == StopReason::MaxTokens);
  CHECK(m.ids == std::vector<TokenId>(g.begin(), g.begin() + 3));

  o = free_run;
  int calls = 0;
  o.on_token = [&](TokenId) { return ++calls < 2; };
  const auto cb = gemma4::generate(model, std::span<const TokenId>(prompt), o);
  CHECK(cb.stop_reason == StopReason::Callback);
  CHECK(cb.ids.size() == 2);

  o = free_run;
  o.max_new_tokens = 0;
  CHECK(gemma4::generate(model, std::span<const TokenId>(prompt), o).ids.empty());
  CHECK_THROWS_AS(gemma4::generate(model, std::span<const TokenId>(), o), gemma4::Error);
  // The default stop ids are Gemma's <eos>, <turn|>, <|tool_response>.
  CHECK(GenerateOptions{}.stop_ids == std::vector<TokenId>{1, 106, 50});
}

TEST_CASE("a conversation reuses its cache and matches a fresh prefill") {
  const auto& model = model_double();
  gemma4::Conversation<Model<double>> conv(model);
  GenerateOptions o;
  o.max_new_tokens = 5;
  o.stop_ids = {};
  const std::vector<TokenId> p1 = fixture_prompt(4);
  const auto r1 = conv.generate(p1, o);
  CHECK(r1.reused_tokens == 0);
  CHECK(r1.prefill_tokens == 4);
  // Turn 2: the whole sequence so far plus three new ids.
  const std::vector<TokenId> p2 = concat(concat(p1, r1.ids), {7, 8, 9});
  const auto r2 = conv.generate(p2, o);
  CHECK(r2.reused_tokens == p1.size() + r1.ids.size() - 1);
  CHECK(r2.prefill_tokens == 4);  // the unfed last id of turn 1 + 3 new ids
  const auto fresh = gemma4::generate(model, std::span<const TokenId>(p2), o);
  CHECK(r2.ids == fresh.ids);
  check_argmax_chain(model, p2, r2.ids);

  // The logits after the cached turns equal the logits of a cache-free forward.
  auto cache = conv.cache();
  const TokenId probe[] = {r2.ids.back()};
  const auto cached_logits = model.forward(std::span<const TokenId>(probe), cache);
  const std::vector<TokenId> all = concat(p2, r2.ids);
  const auto full = model.forward(std::span<const TokenId>(all), gemma4::LogitsFor::All);
  CHECK((cached_logits.row(0) - full.row(full.rows() - 1)).cwiseAbs().maxCoeff() < 1e-12);

  // A prompt that diverges from the cached ids restarts from an empty cache.
  std::vector<TokenId> p3 = p2;
  p3[1] = p3[1] == 10 ? 11 : 10;
  const auto r3 = conv.generate(p3, o);
  CHECK(r3.reused_tokens == 0);
  CHECK(r3.prefill_tokens == p3.size());
  CHECK(r3.ids == gemma4::generate(model, std::span<const TokenId>(p3), o).ids);
  CHECK(conv.cached_ids().size() == p3.size() + r3.ids.size() - 1);
}

TEST_CASE("streamed text is complete UTF-8 and adds up to the decoded text") {
  const auto& tok = toy_tokenizer();
  ScriptedModel model;
  const std::vector<TokenId> prompt = {2, 105};
  // After the prompt: "ab é€ cd" then <turn|>.
  std::vector<TokenId> answer = tok.encode("ab \xC3\xA9\xE2\x82\xAC cd");
  answer.push_back(106);
  model.script = concat({0}, answer);  // position p (from 1 = last prompt id) -> next id
  GenerateOptions o;
  std::vector<std::string> chunks;
  o.on_text = [&](std::string_view s) { chunks.emplace_back(s); };
  const auto r = gemma4::generate(model, std::span<const TokenId>(prompt), o, &tok);
  CHECK(r.stop_reason == StopReason::StopToken);
  CHECK(r.ids == answer);
  CHECK(r.text == "ab \xC3\xA9\xE2\x82\xAC cd");  // the stop id's "<turn|>" is not text
  std::string joined;
  for (const auto& c : chunks) {
    CHECK(valid_utf8(c));
    joined += c;
  }
  CHECK(joined == r.text);
}

TEST_CASE("stop strings cut the text and hold back what might become one") {
  const auto& tok = toy_tokenizer();
  ScriptedModel model;
  const std::vector<TokenId> prompt = {2};
  const std::vector<TokenId> answer = tok.encode("ab cd ef gh");
  model.script = answer;
  GenerateOptions o;
  o.max_new_tokens = answer.size();
  std::string streamed;
  o.on_text = [&](std::string_view s) { streamed += s; };
  o.stop_strings = {"d e"};
  const auto r = gemma4::generate(model, std::span<const TokenId>(prompt), o, &tok);
  CHECK(r.stop_reason == StopReason::StopString);
  CHECK(r.text == "ab c");
  CHECK(streamed == "ab c");
  // "ab cd e" is 7 pieces (a b ▁ c d ▁ e): generation stops at the one completing "d e".
  CHECK(r.ids.size() == 7);

  // A stop string that never completes: everything is emitted in the end, and the partial match
  // "c" was held back until "d" showed it was not "cx".
  streamed.clear();
  std::vector<std::string> seen;
  o.on_text = [&](std::string_view s) { seen.emplace_back(s); };
  o.stop_strings = {"cx"};
  const auto r2 = gemma4::generate(model, std::span<const TokenId>(prompt), o, &tok);
  CHECK(r2.stop_reason == StopReason::MaxTokens);
  CHECK(r2.text == "ab cd ef gh");
  std::string joined;
  for (const auto& s : seen) {
    CHECK_FALSE(std::string_view(s).ends_with("c"));
    joined += s;
  }
  CHECK(joined == "ab cd ef gh");
  CHECK_THROWS_AS(gemma4::generate(model, std::span<const TokenId>(prompt), o), gemma4::Error);
}

TEST_CASE("text conversation: rendered prompts, thought parsing, KeepTokens cache reuse") {
  const auto& tok = toy_tokenizer();
  const auto& model = model_double();
  GenerateOptions o;
  o.max_new_tokens = 6;

  // Rerender: the prompt is exactly the tokenized chat template.
  gemma4::Conversation<Model<double>> chat(model, &tok);
  const auto r1 = chat.say("hi", o);
  const std::vector<TokenId> expected_prompt =
      tok.encode("<bos><|turn>user\nhi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
  CHECK(expected_prompt.front() == 2);
  CHECK(r1.ids == gemma4::generate(model, std::span<const TokenId>(expected_prompt), o).ids);
  REQUIRE(chat.messages().size() == 2);
  CHECK(chat.messages()[1].role == gemma4::Role::Model);
  CHECK(chat.messages()[1].content == gemma4::parse_answer(r1.text).content);
  const auto r2 = chat.say("ok", o);
  const std::vector<TokenId> p2 = tok.encode(gemma4::render_chat(
      std::span<const gemma4::Message>(chat.messages().data(), 3), chat.chat_options()));
  CHECK(r2.ids == gemma4::generate(model, std::span<const TokenId>(p2), o).ids);

  // KeepTokens: turn 2 extends what the model saw, so the whole cache is reused.
  gemma4::Conversation<Model<double>> keep(
      model, &tok, {}, gemma4::Conversation<Model<double>>::History::KeepTokens);
  const auto k1 = keep.say("hi", o);
  CHECK(k1.ids == r1.ids);
  const std::size_t cached = keep.cached_ids().size();
  const auto k2 = keep.say("ok", o);
  CHECK(k2.reused_tokens == cached);
  // The ids the model saw and its last id (<eos> / <|tool_response> would be replaced by <turn|>,
  // an ordinary last id kept and the turn closed after it).
  std::vector<TokenId> full = concat(expected_prompt, k1.ids);
  if (full.back() == 1 || full.back() == 50) full.pop_back();
  if (k1.ids.back() != 106) full = concat(full, tok.encode("<turn|>"));
  full = concat(
      full, tok.encode("\n<|turn>user\nok<turn|>\n<|turn>model\n<|channel>thought\n<channel|>"));
  CHECK(k2.ids == gemma4::generate(model, std::span<const TokenId>(full), o).ids);
}

TEST_CASE("scripted conversation: KeepTokens after <turn|>, and a tool call answered by Rerender") {
  const auto& tok = toy_tokenizer();
  using Conv = gemma4::Conversation<ScriptedModel>;
  GenerateOptions o;
  o.max_new_tokens = 20;

  SUBCASE("KeepTokens: the next turn follows the <turn|> the model generated") {
    ScriptedModel model;
    model.script.assign(200, 0);
    const auto p1 =
        tok.encode("<bos><|turn>user\nhi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
    std::vector<TokenId> a1 = tok.encode("ab");
    a1.push_back(106);
    std::copy(a1.begin(), a1.end(),
              model.script.begin() + static_cast<std::ptrdiff_t>(p1.size()) - 1);
    const auto p2 = concat(concat(p1, a1), tok.encode("\n<|turn>user\nok<turn|>\n<|turn>model\n"
                                                      "<|channel>thought\n<channel|>"));
    std::vector<TokenId> a2 = tok.encode("cd");
    a2.push_back(1);
    std::copy(a2.begin(), a2.end(),
              model.script.begin() + static_cast<std::ptrdiff_t>(p2.size()) - 1);
    Conv conv(model, &tok, {}, Conv::History::KeepTokens);
    const auto r1 = conv.say("hi", o);
    CHECK(r1.ids == a1);
    CHECK(r1.text == "ab");
    const auto r2 = conv.say("ok", o);
    CHECK(r2.ids == a2);
    CHECK(r2.reused_tokens == p1.size() + a1.size() - 1);
    CHECK(r2.prefill_tokens == p2.size() - r2.reused_tokens);
    REQUIRE(conv.messages().size() == 4);
    CHECK(conv.messages()[1].content == "ab");
    CHECK(conv.messages()[3].content == "cd");
  }

  SUBCASE("Rerender: a tool call, its result, and the cache kept across the call") {
    ScriptedModel model;
    model.script.assign(300, 0);
    gemma4::ChatOptions chat;
    chat.empty_thought_when_not_thinking = false;  // E2B conversion-time template
    const auto p1 = tok.encode("<bos><|turn>user\nhi<turn|>\n<|turn>model\n");
    std::vector<TokenId> call = tok.encode("<|tool_call>call:f{a:1}<tool_call|>");
    call.push_back(50);  // <|tool_response>: stop, the caller runs the tool
    std::copy(call.begin(), call.end(),
              model.script.begin() + static_cast<std::ptrdiff_t>(p1.size()) - 1);
    Conv conv(model, &tok, chat);
    const auto r1 = conv.say("hi", o);
    CHECK(r1.ids == call);
    REQUIRE(conv.messages().size() == 2);
    REQUIRE(conv.messages()[1].tool_calls.size() == 1);
    CHECK(conv.messages()[1].tool_calls[0].name == "f");
    CHECK(conv.messages()[1].tool_calls[0].arguments == gemma4::ToolValue::object({{"a", 1}}));
    // The template renders the call, <|tool_response>response:f{...}<tool_response|>, and no
    // generation prompt: the rendered ids extend what the model saw, so the cache is kept.
    const auto p2 = tok.encode(
        "<bos><|turn>user\nhi<turn|>\n<|turn>model\n<|tool_call>call:f{a:1}<tool_call|>"
        "<|tool_response>response:f{value:<|\"|>ok<|\"|>}<tool_response|>");
    std::vector<TokenId> a2 = tok.encode("done");
    a2.push_back(106);
    std::copy(a2.begin(), a2.end(),
              model.script.begin() + static_cast<std::ptrdiff_t>(p2.size()) - 1);
    gemma4::Message result;
    result.role = gemma4::Role::Tool;
    result.name = "f";
    result.content = "ok";
    const auto r2 = conv.respond(result, o);
    CHECK(r2.ids == a2);
    CHECK(r2.reused_tokens == p1.size() + call.size() - 1);
    CHECK(r2.text == "done");
    CHECK(conv.cached_ids().size() == p2.size() + a2.size() - 1);
  }
}
