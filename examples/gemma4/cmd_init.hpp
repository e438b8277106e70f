// examples/gemma4/cmd_init.hpp: `gemma4 init`, a random-weight checkpoint in the hub layout.
//
//   gemma4 init --variant E2B|E4B|26B-A4B|31B | --config FILE  --seed N  --out DIR
//               [--layers K] [--vision-layers K] [--audio-layers K] [--text-only]
//               [--dtype bf16|f32|f16] [--max-shard-size 5GB]
//
// Writes DIR/config.json and DIR/model.safetensors (or model-0000i-of-0000n.safetensors +
// model.safetensors.index.json past the shard size, as transformers does), with the tensor
// names, shapes and dtypes of the released checkpoint and the deterministic weights of
// random_init.hpp: the same seed gives the same bytes on every machine. The whole model by
// default: model.language_model.* and the towers the variant (or the config file) has,
// model.vision_tower.* + model.embed_vision.* (all four) and model.audio_tower.* +
// model.embed_audio.* (E2B, E4B), with vision_config / audio_config and the special token ids
// in config.json. --text-only writes the text decoder alone (towers null). --layers K keeps the
// first K text layers (full vocabulary and width), --vision-layers / --audio-layers the first K
// encoder layers / conformer blocks. Tensors are generated and written chunk by chunk, so memory
// stays small even for the 2.35e9-entry E2B PLE table; a progress bar goes to stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include <gemma4/reference/random_init.hpp>
#include <gemma4/variants.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

namespace detail_init {

/// "5GB" -> 5e9, "500MB" -> 5e8, "1GiB" -> 2^30, "1234" -> 1234 (transformers' units).
inline std::size_t parse_size(const std::string& s) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    detail::fail("--max-shard-size: not a size: '", s, "'");
  }
  const std::string unit = s.substr(pos);
  double mult = 1;
  if (unit == "" || unit == "B")
    mult = 1;
  else if (unit == "KB")
    mult = 1e3;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "GB")
    mult = 1e9;
  else if (unit == "KiB")
    mult = 1024.0;
  else if (unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else
    detail::fail("--max-shard-size: unknown unit '", unit, "' in '", s, "'");
  if (!(v > 0)) detail::fail("--max-shard-size must be positive: '", s, "'");
  return static_cast<std::size_t>(v * mult);
}

/// A one-line progress bar on stderr: [#####.....]  47%  2.21 / 4.70 GB  12 s
class ProgressBar {
 public:
  void operator()(std::string_view stage, std::size_t done, std::size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (finished_ || (done < total && now - last_ < std::chrono::milliseconds(200))) return;
    last_ = now;
    const double f = total ? double(done) / double(total) : 1.0;
    const int width = 30, filled = static_cast<int>(f * width);
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%.*s [%s%s] %3d%%  %.2f / %.2f GB  %.0f s", int(stage.size()),
                 stage.data(), std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(),
                 static_cast<int>(f * 100), double(done) / 1e9, double(total) / 1e9, secs);
    if (done >= total) std::fputc('\n', stderr), finished_ = true;
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  bool finished_ = false;
};

}  // namespace detail_init

inline int cmd_init(int argc, char** argv) {
  Args args(argc, argv);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << "usage: gemma4 init (--variant E2B|E4B|26B-A4B|31B | --config FILE) --seed N "
                 "--out DIR\n"
                 "                   [--layers K] [--vision-layers K] [--audio-layers K] "
                 "[--text-only]\n"
                 "                   [--dtype bf16|f32|f16] [--max-shard-size 5GB]\n";
    return 0;
  }
  const std::string variant = args.value("--variant");
  const std::string config_file = args.value("--config");
  const std::string seed_text = args.value("--seed");
  const std::string out = args.value("--out");
  const std::string layers = args.value("--layers");
  const std::string vision_layers = args.value("--vision-layers");
  const std::string audio_layers = args.value("--audio-layers");
  const bool text_only = args.flag("--text-only");
  const std::string dtype_text = args.value("--dtype", "bf16");
  const std::string shard = args.value("--max-shard-size", "5GB");
  if (!args.positional().empty()) detail::fail("unexpected argument ", args.positional()[0]);
  if (variant.empty() == config_file.empty())
    detail::fail("give exactly one of --variant E2B|E4B|26B-A4B|31B and --config FILE");
  if (seed_text.empty()) detail::fail("--seed N is required");
  if (out.empty()) detail::fail("--out DIR is required");

  HubConfig h;
  if (!variant.empty()) {
    if (!visit_variant(variant,
                       [&](auto tag) { h = hub_config_of<typename decltype(tag)::type>(); }))
      detail::fail("unknown variant '", variant, "' (E2B, E4B, 26B-A4B, 31B)");
  } else {
    h = read_hub_config(config_file);
  }
  auto count = [](const std::string& flag, const std::string& text) {
    try {
      std::size_t pos = 0;
      const int k = std::stoi(text, &pos);
      if (pos == text.size()) return k;
    } catch (const std::exception&) {
    }
    detail::fail(flag, ": not an integer: '", text, "'");
  };
  if (text_only) h.vision.reset(), h.audio.reset();
  if (!layers.empty()) h.text = with_layers(h.text, count("--layers", layers));
  if (!vision_layers.empty()) {
    if (!h.vision) detail::fail("--vision-layers: this model has no vision tower");
    h.vision = with_layers(*h.vision, count("--vision-layers", vision_layers));
  }
  if (!audio_layers.empty()) {
    if (!h.audio) detail::fail("--audio-layers: this model has no audio tower");
    h.audio = with_layers(*h.audio, count("--audio-layers", audio_layers));
  }

  RandomInitOptions o;
  try {
    o.seed = std::stoull(seed_text);
  } catch (const std::exception&) {
    detail::fail("--seed: not a non-negative integer: '", seed_text, "'");
  }
  if (dtype_text == "bf16")
    o.dtype = DType::BF16;
  else if (dtype_text == "f32")
    o.dtype = DType::F32;
  else if (dtype_text == "f16")
    o.dtype = DType::F16;
  else
    detail::fail("--dtype: expected bf16, f32 or f16, got '", dtype_text, "'");

  WriteOptions w;
  w.max_shard_bytes = detail_init::parse_size(shard);
  w.progress = detail_init::ProgressBar();
  const auto files = write_random_checkpoint(out, h, o, w);
  std::cerr << "wrote " << h.text.num_hidden_layers << " text layers, vocab " << h.text.vocab_size;
  if (h.vision) std::cerr << "; vision tower " << h.vision->num_hidden_layers << " layers";
  if (h.audio) std::cerr << "; audio tower " << h.audio->num_hidden_layers << " blocks";
  if (!h.vision && !h.audio) std::cerr << "; text only";
  std::cerr << "; seed " << o.seed << ":\n";
  for (const auto& f : files) std::cerr << "  " << f.string() << "\n";
  return 0;
}

}  // namespace gemma4::cli
