// Tokenizer throughput on the real Gemma 4 vocabulary.
//
// Reads the tokenizer from $GEMMA4_TOKENIZER_JSON and the corpus (the >= 2000 texts of the HF
// differential test, ~1.2 MB: mixed scripts, emoji, whitespace runs, code, special-token
// spellings, a few long texts) from differential.jsonl next to it; both are made by
// tests/tokenizer/prepare.sh OUT_DIR. Reports bytes of UTF-8 input per second (encode) and of
// UTF-8 output per second (decode). The same corpus through HF tokenizers:
// `node tests/tokenizer/bench_hf.mjs OUT_DIR`.
//
//   GEMMA4_TOKENIZER_JSON=build/tests/tokenizer/gemma4-tokenizer.json build/bench/bench_tokenizer
#include <benchmark/benchmark.h>

#include <gemma4/tokenizer/tokenizer.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Fixture {
  std::unique_ptr<gemma4::Tokenizer> tokenizer;
  std::vector<std::string> corpus;
  std::size_t corpus_bytes = 0;
  std::string error;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    const char* env = std::getenv("GEMMA4_TOKENIZER_JSON");
    if (env == nullptr || *env == '\0') {
      out.error = "set GEMMA4_TOKENIZER_JSON (made by tests/tokenizer/prepare.sh OUT_DIR)";
      return out;
    }
    try {
      out.tokenizer = std::make_unique<gemma4::Tokenizer>(gemma4::Tokenizer::from_file(env));
    } catch (const gemma4::Error& e) {
      out.error = e.what();
      return out;
    }
    const auto corpus_path = std::filesystem::path(env).parent_path() / "differential.jsonl";
    std::ifstream in(corpus_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      out.corpus.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
      out.corpus_bytes += out.corpus.back().size();
    }
    if (out.corpus.empty()) out.error = "no texts in " + corpus_path.string();
    return out;
  }();
  return f;
}

// Whole corpus, one encode() per text.
void BM_EncodeCorpus(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const std::string& text : f.corpus) {
      auto ids = f.tokenizer->encode(text);
      tokens += ids.size();
      benchmark::DoNotOptimize(ids.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.corpus_bytes));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["bytes/token"] = static_cast<double>(f.corpus_bytes) / static_cast<double>(tokens);
}
BENCHMARK(BM_EncodeCorpus)->Unit(benchmark::kMillisecond);

// One segment (no newline, no added token) of growing length: bytes/s stays flat if encoding is
// not quadratic in the segment length.
void BM_EncodeOneSegment(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::string text;
  for (std::size_t i = 0; text.size() < static_cast<std::size_t>(state.range(0)); ++i) {
    for (const char c : f.corpus[100 + i % 1000])
      if (c != '\n' && c != '\t' && c != '<' && c != '[') text += c;  // no added tokens
    text += ' ';
  }
  text.resize(static_cast<std::size_t>(state.range(0)));
  while (!gemma4::detail::utf8_valid(text)) text.pop_back();  // cut at a code point boundary
  for (auto _ : state) {
    auto ids = f.tokenizer->encode(text);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeOneSegment)->RangeMultiplier(8)->Range(1 << 10, 1 << 19);

// Whole corpus decoded from its ids; bytes are bytes of text produced.
void BM_DecodeCorpus(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::vector<std::vector<gemma4::TokenId>> ids;
  for (const std::string& text : f.corpus) ids.push_back(f.tokenizer->encode(text));
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& seq : ids) bytes += f.tokenizer->decode(seq).size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_DecodeCorpus)->Unit(benchmark::kMillisecond);

// Loading tokenizer.json (33 MB pretty-printed upstream; the edited file is compact JSON).
void BM_LoadTokenizer(benchmark::State& state) {
  const char* env = std::getenv("GEMMA4_TOKENIZER_JSON");
  if (env == nullptr || *env == '\0') return state.SkipWithError("set GEMMA4_TOKENIZER_JSON");
  for (auto _ : state) {
    auto t = gemma4::Tokenizer::from_file(env);
    benchmark::DoNotOptimize(t.vocab_size());
  }
}
BENCHMARK(BM_LoadTokenizer)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
