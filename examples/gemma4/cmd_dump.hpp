// examples/gemma4/cmd_dump.hpp:
//   `gemma4 dump <model-dir> --ids 2,10,11 --out golden.safetensors [--dtype double|float|bf16]`
//
// Runs the model on the given ids and writes every tap (hidden_states.i, per_layer_inputs,
// last_layer_output, logits, moe_top_k_index.i / _weights.i) plus input_ids into one
// safetensors file in the golden-fixture format (F64, I64 for integers): the reference another
// runtime can be compared against, layer by layer.
//
//   `gemma4 dump <model-dir> --image FILE --out taps.safetensors [--budget N] [--resize
//   pillow|torch]
//                [--dtype ...]`
// does the same for the vision path: image_uint8, the budget, target size, both resizes,
// pixel_values, positions and every tower stage (vision/golden_taps.hpp), under the golden keys.
//
//   `gemma4 dump <model-dir> --ids 2,IMG,10,AUD,11 --image a.png --audio b.wav --out F`
// runs the whole model (multimodal/model.hpp): each image / audio placeholder id in --ids is
// expanded to its real soft-token count, and every multimodal tap is written (llm_input_ids,
// block_sequence_ids, masks, image_features, audio_features, hidden_states.*, logits, ...).
#pragma once

#include <iostream>

#include <gemma4/audio/resample.hpp>
#include <gemma4/audio/wav.hpp>
#include <gemma4/multimodal/model.hpp>
#include <gemma4/reference/golden.hpp>
#include <gemma4/vision/image_file.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

template <class T>
void dump_model(const std::string& dir, const std::vector<TokenId>& ids, const std::string& out) {
  const auto model = TextModel<Dynamic, T>::load(dir);
  dump_taps(model, ids, out, {{"dtype", std::string(NumberTraits<T>::name)}, {"model", dir}});
  std::cout << "wrote " << out << "\n";
}

template <class T>
void dump_vision(const std::string& dir, const std::string& image, int budget, bool any_budget,
                 const std::string& resize, const std::string& out) {
  const auto model = VisionModel<Dynamic, T>::load(dir);
  ImageProcessorOptions o = processor_options(model.config(), budget);
  o.unchecked_budget = any_budget;  // tiny test models use budgets outside HF's five
  if (resize != "pillow" && resize != "torch")
    detail::fail("--resize: '", resize, "' is neither pillow nor torch");
  o.resize = resize == "torch" ? ResizeKernel::TorchFloat : ResizeKernel::Pillow;
  dump_vision_taps(model, load_image(image), o, out,
                   {{"dtype", std::string(NumberTraits<T>::name)},
                    {"model", dir},
                    {"image", image},
                    {"resize", resize}});
  std::cout << "wrote " << out << "\n";
}

/// The whole model on a prompt with images and clips: each single image / audio placeholder id
/// of `ids` is expanded to BOI n x placeholder EOI (BOA ... EOA) with the real count, and the
/// dump holds the raw inputs too (input_ids, image_uint8.{i}, image_max_soft_tokens,
/// audio_waveform.{j}), so that `gemma4 verify` can take it as a fixture (verify resizes with
/// the float path: dump with --resize torch for that).
template <class T>
void dump_multimodal(const std::string& dir, std::vector<TokenId> ids,
                     const std::vector<std::string>& images, const std::vector<std::string>& clips,
                     int budget, bool any_budget, const std::string& resize,
                     const std::string& out) {
  using C = compute_t<T>;
  const auto model = Model<Dynamic, T>::load(dir);
  const SpecialTokenIds& sp = model.merge_ids().special;
  Media<C> media;
  std::vector<TensorWrite> tensors;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Image img = load_image(images[i]);
    ImageProcessorOptions o = processor_options(model.vision().config(), budget);
    o.unchecked_budget = any_budget;
    if (resize != "pillow" && resize != "torch")
      detail::fail("--resize: '", resize, "' is neither pillow nor torch");
    o.resize = resize == "torch" ? ResizeKernel::TorchFloat : ResizeKernel::Pillow;
    media.images.push_back(model.encode_image(img, o));
    tensors.push_back(
        tensor_from<std::int64_t>("image_uint8." + std::to_string(i), {img.height, img.width, 3},
                                  std::vector<std::int64_t>(img.pixels.begin(), img.pixels.end())));
  }
  if (!images.empty())
    tensors.push_back(tensor_from<std::int64_t>("image_max_soft_tokens", {1}, {budget}));
  for (std::size_t j = 0; j < clips.size(); ++j) {
    const std::vector<double> wave =
        to_model_rate(read_wav(clips[j]), 16000, ResamplePolicy::Resample, clips[j]);
    media.audio.push_back(model.encode_audio(wave));
    tensors.push_back(tensor_from<double>("audio_waveform." + std::to_string(j),
                                          {static_cast<std::int64_t>(wave.size())}, wave));
  }
  // Expand the placeholders: the k-th image id becomes BOI + n_k image ids + EOI, likewise audio.
  std::vector<TokenId> expanded;
  std::size_t next_image = 0, next_clip = 0;
  for (const TokenId id : ids) {
    const bool image = id == sp.image_token_id, audio = id == sp.audio_token_id;
    if (!image && !audio) {
      expanded.push_back(id);
      continue;
    }
    auto& list = image ? media.images : media.audio;
    std::size_t& next = image ? next_image : next_clip;
    if (next >= list.size())
      detail::fail("--ids: more ", image ? "image" : "audio", " placeholders (id ", id, ") than --",
                   image ? "image" : "audio", " files");
    expanded.push_back(image ? sp.boi_token_id : sp.boa_token_id);
    expanded.insert(expanded.end(), static_cast<std::size_t>(list[next++].rows()), id);
    expanded.push_back(image ? sp.eoi_token_id : sp.eoa_token_id);
  }
  if (next_image != media.images.size() || next_clip != media.audio.size())
    detail::fail("--ids: ", next_image, " image and ", next_clip, " audio placeholders for ",
                 media.images.size(), " --image and ", media.audio.size(), " --audio files");
  tensors.push_back(
      tensor_from<std::int64_t>("input_ids", {static_cast<std::int64_t>(expanded.size())},
                                std::vector<std::int64_t>(expanded.begin(), expanded.end())));
  model.forward(expanded, media, LogitsFor::All, [&](const Tap<C>& tap) {
    const auto n = static_cast<std::size_t>(tap.values.size());
    if (tap.integer) {
      std::vector<std::int64_t> v(n);
      for (std::size_t k = 0; k < n; ++k) v[k] = static_cast<std::int64_t>(tap.values.data()[k]);
      tensors.push_back(tensor_from<std::int64_t>(std::string(tap.name), tap.shape, std::move(v)));
    } else {
      std::vector<double> v(n);
      for (std::size_t k = 0; k < n; ++k) v[k] = static_cast<double>(tap.values.data()[k]);
      tensors.push_back(tensor_from<double>(std::string(tap.name), tap.shape, std::move(v)));
    }
  });
  write_safetensors(out, std::move(tensors),
                    {{"format", "pt"},
                     {"producer", "gemma4 dump"},
                     {"dtype", std::string(NumberTraits<T>::name)},
                     {"model", dir},
                     {"resize", resize}});
  std::cout << "wrote " << out << " (" << expanded.size() << " positions)\n";
}

inline int cmd_dump(int argc, char** argv) {
  Args args(argc, argv);
  const std::string ids_text = args.value("--ids"), out = args.value("--out");
  const std::string dtype = args.value("--dtype", "double");
  std::vector<std::string> images, clips;
  for (std::string f; !(f = args.value("--image")).empty();) images.push_back(f);
  for (std::string f; !(f = args.value("--audio")).empty();) clips.push_back(f);
  const std::string image = images.empty() ? std::string() : images[0];
  const std::string budget = args.value("--budget", "280");
  const std::string resize = args.value("--resize", "pillow");
  const bool any_budget = args.flag("--any-budget");
  const auto pos = args.positional();
  if (pos.size() == 1 && ids_text.empty() && images.size() == 1 && clips.empty() && !out.empty()) {
    int s = 0;
    try {
      s = std::stoi(budget);
    } catch (const std::exception&) {
      detail::fail("--budget: '", budget, "' is not a number");
    }
    if (dtype == "double")
      dump_vision<double>(pos[0], image, s, any_budget, resize, out);
    else if (dtype == "float" || dtype == "f32")
      dump_vision<float>(pos[0], image, s, any_budget, resize, out);
    else if (dtype == "bf16")
      dump_vision<Eigen::bfloat16>(pos[0], image, s, any_budget, resize, out);
    else
      detail::fail("--dtype: unknown number type '", dtype, "'");
    return 0;
  }
  if (pos.size() != 1 || ids_text.empty() || out.empty()) {
    std::cerr << "usage: gemma4 dump <model-dir> --ids 2,10,11 --out golden.safetensors "
                 "[--dtype double|float|bf16]\n"
                 "       gemma4 dump <model-dir> --image FILE --out taps.safetensors "
                 "[--budget 280 [--any-budget]] [--resize pillow|torch] [--dtype ...]\n"
                 "       gemma4 dump <model-dir> --ids 2,IMG,AUD,... --image FILE... --audio "
                 "FILE.wav... --out F [--budget N] [--resize ...]\n";
    return 2;
  }
  std::vector<TokenId> ids;
  for (const auto& s : split_commas(ids_text)) {
    std::size_t used = 0;
    long v = -1;
    try {
      v = std::stol(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || v < 0 || v > std::numeric_limits<TokenId>::max())
      detail::fail("--ids: '", s, "' is not a token id");
    ids.push_back(static_cast<TokenId>(v));
  }
  if (!images.empty() || !clips.empty()) {
    const int b = std::stoi(budget);
    if (dtype == "double")
      dump_multimodal<double>(pos[0], ids, images, clips, b, any_budget, resize, out);
    else if (dtype == "float" || dtype == "f32")
      dump_multimodal<float>(pos[0], ids, images, clips, b, any_budget, resize, out);
    else
      detail::fail("--dtype: '", dtype, "' (a multimodal dump takes double or float)");
    return 0;
  }
  if (dtype == "double")
    dump_model<double>(pos[0], ids, out);
  else if (dtype == "float" || dtype == "f32")
    dump_model<float>(pos[0], ids, out);
  else if (dtype == "bf16")
    dump_model<Eigen::bfloat16>(pos[0], ids, out);
  else
    detail::fail("--dtype: unknown number type '", dtype, "'");
  return 0;
}

}  // namespace gemma4::cli
