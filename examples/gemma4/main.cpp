// examples/gemma4/main.cpp: the `gemma4` command-line program.
//
//   gemma4 explain E2B|E4B|26B-A4B|31B|<config.json>    per-layer table and parameter counts
//   gemma4 verify <fixture-dir>... [--dtype ...]         compare against golden fixtures
//   gemma4 audio FILE.wav [--picture mel.png]          what the audio encoder hears (E2B/E4B)
//   gemma4 dump <model-dir> --ids 2,10 --out F           write every intermediate (golden format)
//   gemma4 diff A.safetensors B.safetensors [--config C] where two dumps disagree, and why
//   gemma4 export-gguf <model-dir> --out F.gguf          the text decoder as llama.cpp's GGUF
//   gemma4 image FILE [--budget N] [--picture P.png]     resized size, patches, soft tokens; grid
//        [--model DIR --out F]                          picture; image_features of a checkpoint
//   gemma4 init --variant E2B ... --out DIR              random-weight checkpoint in hub layout
//   gemma4 tokenize --tokenizer FILE [--pieces]          ids of stdin as a JSON array
//   gemma4 generate --model DIR [--prompt TEXT|--chat]   stream generated text
//
// Every command takes --threads N (default: $GEMMA4_THREADS, else every core): the row blocks of
// each matrix product and the heads of attention are split across N threads; the numbers are the
// same for every N. Every gemma4::Error ends the program with its message and exit status 1.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gemma4/core/parallel_for.hpp>

#include "cmd_audio.hpp"
#include "cmd_diff.hpp"
#include "cmd_dump.hpp"
#include "cmd_explain.hpp"
#include "cmd_export_gguf.hpp"
#include "cmd_image.hpp"
#include "cmd_verify.hpp"
#if __has_include("cmd_init.hpp")
#include "cmd_init.hpp"
#define GEMMA4_CLI_HAS_INIT 1
#endif
#if __has_include("cmd_tokenize.hpp")
#include "cmd_tokenize.hpp"
#define GEMMA4_CLI_HAS_TOKENIZE 1
#endif
#if __has_include("cmd_generate.hpp")
#include "cmd_generate.hpp"
#define GEMMA4_CLI_HAS_GENERATE 1
#endif

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* help;
};

constexpr Command kCommands[] = {
    {"explain", gemma4::cli::cmd_explain, "per-layer table and parameter counts of a variant"},
    {"verify", gemma4::cli::cmd_verify, "compare the model against golden fixture folders"},
    {"dump", gemma4::cli::cmd_dump, "write every intermediate tensor of a model run"},
    {"diff", gemma4::cli::cmd_diff,
     "where two tap dumps of one prompt disagree, and the likely why"},
    {"export-gguf", gemma4::cli::cmd_export_gguf,
     "write the text decoder as a GGUF file for llama.cpp"},
    {"image", gemma4::cli::cmd_image, "budget table, picture and vision features of an image"},
    {"audio", gemma4::cli::cmd_audio,
     "a WAV file as the audio encoder sees it (and its soft tokens)"},
#ifdef GEMMA4_CLI_HAS_INIT
    {"init", gemma4::cli::cmd_init, "write a random-weight checkpoint in the hub layout"},
#endif
#ifdef GEMMA4_CLI_HAS_TOKENIZE
    {"tokenize", gemma4::cli::cmd_tokenize, "token ids of standard input"},
#endif
#ifdef GEMMA4_CLI_HAS_GENERATE
    {"generate", gemma4::cli::cmd_generate, "generate text from a prompt or a chat"},
#endif
};

int usage() {
  std::cerr << "usage: gemma4 <command> [args] [--threads N]\n\ncommands:\n";
  for (const Command& c : kCommands) std::cerr << "  " << c.name << "\t" << c.help << "\n";
  return 2;
}

/// The thread count of --threads N (removed from args), else $GEMMA4_THREADS, else every core.
int take_threads(std::vector<char*>& args) {
  const char* value = std::getenv("GEMMA4_THREADS");
  std::string from = "GEMMA4_THREADS";
  for (std::size_t i = 1; i < args.size(); ++i)
    if (std::strcmp(args[i], "--threads") == 0) {
      if (i + 1 >= args.size()) gemma4::detail::fail("--threads needs a value");
      value = args[i + 1], from = "--threads";
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
  if (!value) return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  char* end = nullptr;
  const long n = std::strtol(value, &end, 10);
  if (end == value || *end != '\0' || n < 1 || n > 1024)
    gemma4::detail::fail(from, " '", value, "' is not a thread count (1 .. 1024)");
  return static_cast<int>(n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::vector<char*> args(argv, argv + argc);
  try {
    gemma4::set_threads(take_threads(args));
  } catch (const gemma4::Error& e) {
    std::cerr << "gemma4: " << e.what() << "\n";
    return 2;
  }
  args.push_back(nullptr);  // argv[argc] == nullptr, as commands may expect
  argc = static_cast<int>(args.size()) - 1;
  argv = args.data();
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const gemma4::Error& e) {
      std::cerr << "gemma4 " << c.name << ": " << e.what() << "\n";
      return 1;
    }
  }
  return usage();
}
