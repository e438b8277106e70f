// examples/gemma4/cmd_generate.hpp: `gemma4 generate`, streamed text generation.
//
//   gemma4 generate --model DIR [--tokenizer FILE] [--prompt TEXT | --chat | --ids 2,10,...]
//                   [--system TEXT] [--think] [--raw] [--max-tokens N] [--temperature T]
//                   [--top-k K] [--top-p P] [--min-p P] [--repetition-penalty R] [--seed S]
//                   [--dtype bf16|f32|double] [--history keep|rerender]
//                   [--image FILE]... [--image-budget 70|140|280|560|1120] [--audio FILE.wav]...
//   gemma4 generate --model DIR --image a.png --image-budget 280 --audio b.wav "prompt"
//
// With --image / --audio the whole model is loaded (gemma4::Model: text decoder + towers) and
// the first user turn holds the images, then the clips, then the prompt text (the chat
// template's image and audio items, expanded to the real soft-token counts); a clip at another
// rate is resampled to 16 kHz. The prompt may also be given as the last argument. --any-budget
// admits a budget off HF's 70/140/280/560/1120 (tiny test models).
//
// --prompt renders one user turn with the chat template (system turn from --system / --think)
// and streams the model's answer; --raw feeds <bos> + the text instead (plain completion).
// --chat reads one user turn per line of standard input and keeps the conversation (and its KV
// cache) across turns: with --history keep (default) each turn extends the ids the model saw,
// so the cache is always reused; with rerender the whole chat is rendered again as HF does (the
// template strips thoughts from history, so the cache is usually restarted). --ids feeds token
// ids directly and prints the generated ids (no tokenizer needed; for the tiny fixtures).
// Sampling defaults are Gemma 4's (temperature 1, top-k 64, top-p 0.95); --temperature 0 is
// greedy. Timings go to standard error: prefill and decode tokens per second.
#pragma once

#include <filesystem>
#include <iostream>
#include <string>

#include <gemma4/audio/resample.hpp>
#include <gemma4/audio/wav.hpp>
#include <gemma4/generation/generate.hpp>
#include <gemma4/multimodal/model.hpp>
#include <gemma4/text/model.hpp>
#include <gemma4/tokenizer/chat_template.hpp>
#include <gemma4/tokenizer/tokenizer.hpp>
#include <gemma4/vision/image_file.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

namespace detail_generate {

struct Settings {
  std::filesystem::path model_dir, tokenizer_path;
  std::string prompt, system, ids, history = "keep";
  bool chat = false, think = false, raw = false;
  std::vector<std::filesystem::path> images, audio;
  int image_budget = 280;
  bool any_budget = false;
  GenerateOptions options;
};

inline void print_stats(const GenerationResult& r) {
  std::cerr << "\n[" << r.ids.size() << " tokens, stop: " << stop_reason_name(r.stop_reason)
            << "] prefill " << r.prefill_tokens << " tokens";
  if (r.reused_tokens) std::cerr << " (+" << r.reused_tokens << " cached)";
  std::cerr << " in " << r.prefill_seconds << " s = " << r.prefill_tokens_per_second()
            << " tok/s; decode " << r.decode_tokens << " tokens in " << r.decode_seconds
            << " s = " << r.decode_tokens_per_second() << " tok/s\n";
}

/// The first turn with images and audio: loads the whole model, encodes each file, and streams
/// the answer (and, with --chat, goes on with text turns that keep the media in the history).
template <class T>
int run_multimodal(Settings s) {
  using MM = Model<Dynamic, T>;
  std::cerr << "loading " << s.model_dir.string() << " (text decoder and towers) ...\n";
  const MM model = MM::load(s.model_dir);
  if (s.tokenizer_path.empty()) s.tokenizer_path = s.model_dir / "tokenizer.json";
  const Tokenizer tok = Tokenizer::from_file(s.tokenizer_path);
  s.options.on_text = [](std::string_view text) { std::cout << text << std::flush; };
  Media<compute_t<T>> media;
  Message m;
  for (const auto& file : s.images) {
    ImageProcessorOptions o = processor_options(model.vision().config(), s.image_budget);
    o.unchecked_budget = s.any_budget;  // tiny test models use budgets off HF's list
    o.pad_to_budget = false;            // the real patches only: the same soft tokens
    media.images.push_back(model.encode_image(load_image(file), o));
    std::cerr << file.string() << ": " << media.images.back().rows() << " soft tokens\n";
    m.parts.push_back(ContentPart::image());
  }
  for (const auto& file : s.audio) {
    const std::vector<double> wave =
        to_model_rate(read_wav(file), 16000, ResamplePolicy::Resample, file.string());
    media.audio.push_back(model.encode_audio(wave));
    std::cerr << file.string() << ": " << media.audio.back().rows() << " soft tokens\n";
    m.parts.push_back(ContentPart::audio());
  }
  m.parts.push_back(ContentPart::from_text(s.prompt));
  ChatOptions chat;
  chat.enable_thinking = s.think;
  Conversation<MM> conv(model, &tok, chat);
  if (!s.system.empty()) {
    Message sys;
    sys.role = Role::System;
    sys.content = s.system;
    conv.add(std::move(sys));
  }
  print_stats(conv.respond(std::move(m), media, s.options));
  std::cout << "\n";
  if (!s.chat) return 0;
  std::string line;
  while (std::cerr << "> " << std::flush, std::getline(std::cin, line)) {
    if (line.empty()) break;
    const GenerationResult r = conv.say(line, s.options);
    std::cout << "\n";
    print_stats(r);
  }
  return 0;
}

template <class T>
int run(Settings s) {
  if (!s.images.empty() || !s.audio.empty()) return run_multimodal<T>(std::move(s));
  using Model = TextModel<Dynamic, T>;
  std::cerr << "loading " << s.model_dir.string() << " ...\n";
  const Model model = Model::load(s.model_dir);

  if (!s.ids.empty()) {  // id level: no tokenizer
    std::vector<TokenId> prompt;
    for (const auto& v : split_commas(s.ids)) prompt.push_back(static_cast<TokenId>(std::stol(v)));
    const GenerationResult r = generate(model, std::span<const TokenId>(prompt), s.options);
    std::cout << '[';
    for (std::size_t i = 0; i < r.ids.size(); ++i) std::cout << (i ? ", " : "") << r.ids[i];
    std::cout << "]\n";
    print_stats(r);
    return 0;
  }

  if (s.tokenizer_path.empty()) s.tokenizer_path = s.model_dir / "tokenizer.json";
  const Tokenizer tok = Tokenizer::from_file(s.tokenizer_path);
  s.options.on_text = [](std::string_view text) { std::cout << text << std::flush; };

  if (s.raw) {
    std::vector<TokenId> prompt = {kBosId};
    tok.encode_append(s.prompt, prompt);
    const GenerationResult r = generate(model, std::span<const TokenId>(prompt), s.options, &tok);
    print_stats(r);
    return 0;
  }

  ChatOptions chat;
  chat.enable_thinking = s.think;
  using Conv = Conversation<Model>;
  Conv conv(model, &tok, chat,
            s.history == "rerender" ? Conv::History::Rerender : Conv::History::KeepTokens);
  if (!s.system.empty()) {
    Message sys;
    sys.role = Role::System;
    sys.content = s.system;
    conv.add(std::move(sys));
  }
  if (!s.chat) {
    print_stats(conv.say(s.prompt, s.options));
    std::cout << "\n";
    return 0;
  }
  std::cerr << "chat: one message per line; /reset starts over; an empty line or EOF ends.\n";
  std::string line;
  while (std::cerr << "> " << std::flush, std::getline(std::cin, line)) {
    if (line.empty()) break;
    if (line == "/reset") {
      conv.reset();
      if (!s.system.empty()) {
        Message sys;
        sys.role = Role::System;
        sys.content = s.system;
        conv.add(std::move(sys));
      }
      continue;
    }
    const GenerationResult r = conv.say(line, s.options);
    std::cout << "\n";
    print_stats(r);
  }
  return 0;
}

}  // namespace detail_generate

inline int cmd_generate(int argc, char** argv) {
  Args args(argc, argv);
  detail_generate::Settings s;
  s.model_dir = args.value("--model");
  s.tokenizer_path = args.value("--tokenizer");
  s.prompt = args.value("--prompt");
  s.system = args.value("--system");
  s.ids = args.value("--ids");
  s.history = args.value("--history", "keep");
  s.chat = args.flag("--chat");
  s.think = args.flag("--think");
  s.raw = args.flag("--raw");
  const std::string dtype = args.value("--dtype", "f32");
  GenerateOptions& o = s.options;
  o.max_new_tokens = std::stoul(args.value("--max-tokens", "256"));
  o.sampling.temperature = std::stod(args.value("--temperature", "1.0"));
  o.sampling.top_k = std::stoi(args.value("--top-k", "64"));
  o.sampling.top_p = std::stod(args.value("--top-p", "0.95"));
  o.sampling.min_p = std::stod(args.value("--min-p", "0"));
  o.sampling.repetition_penalty = std::stod(args.value("--repetition-penalty", "1"));
  o.sampling.seed = std::stoull(args.value("--seed", "0"));
  for (std::string f; !(f = args.value("--image")).empty();) s.images.emplace_back(f);
  for (std::string f; !(f = args.value("--audio")).empty();) s.audio.emplace_back(f);
  s.image_budget = std::stoi(args.value("--image-budget", "280"));
  s.any_budget = args.flag("--any-budget");
  const bool help = args.flag("--help");
  auto rest = args.positional();
  if (s.prompt.empty() && rest.size() == 1) s.prompt = rest[0], rest.clear();
  const bool media = !s.images.empty() || !s.audio.empty();
  // With media the prompt is the first turn (--chat may follow it); otherwise one mode.
  const int modes = media ? !s.prompt.empty() : !s.prompt.empty() + s.chat + !s.ids.empty();
  if (help || s.model_dir.empty() || modes != 1 || !rest.empty() ||
      (s.history != "keep" && s.history != "rerender") || (s.raw && s.prompt.empty()) ||
      (media && (s.raw || !s.ids.empty()))) {
    std::cerr
        << "usage: gemma4 generate --model DIR [--tokenizer FILE] "
           "[--prompt TEXT | --chat | --ids 2,10,...]\n"
           "         [--system TEXT] [--think] [--raw] [--max-tokens N] [--temperature T] "
           "[--top-k K] [--top-p P]\n"
           "         [--min-p P] [--repetition-penalty R] [--seed S] "
           "[--dtype bf16|f32|double] [--history keep|rerender]\n"
           "         [--image FILE]... [--image-budget N] [--any-budget] [--audio FILE.wav]... "
           "[PROMPT]\n";
    return 2;
  }
  o.sampling.validate();
  if (dtype == "f32" || dtype == "float") return detail_generate::run<float>(std::move(s));
  if (dtype == "bf16") return detail_generate::run<Eigen::bfloat16>(std::move(s));
  if (dtype == "double") return detail_generate::run<double>(std::move(s));
  gemma4::detail::fail("--dtype: unknown number type '", dtype, "' (bf16, f32, double)");
}

}  // namespace gemma4::cli
