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
#pragma once

#include <iostream>

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

inline int cmd_dump(int argc, char** argv) {
  Args args(argc, argv);
  const std::string ids_text = args.value("--ids"), out = args.value("--out");
  const std::string dtype = args.value("--dtype", "double");
  const std::string image = args.value("--image"), budget = args.value("--budget", "280");
  const std::string resize = args.value("--resize", "pillow");
  const bool any_budget = args.flag("--any-budget");
  const auto pos = args.positional();
  if (pos.size() == 1 && !image.empty() && !out.empty()) {
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
                 "[--budget 280 [--any-budget]] [--resize pillow|torch] [--dtype ...]\n";
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
