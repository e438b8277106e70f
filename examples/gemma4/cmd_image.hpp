// examples/gemma4/cmd_image.hpp: `gemma4 image FILE [--budget N] [--picture OUT.png]
//                                 [--resize pillow|torch] [--model DIR --out FEATURES.safetensors]`
//
// Prints, for every budget 70..1120, the size the image is resized to, its patches and soft
// tokens (the number of image placeholders in the prompt). With --picture, draws the image
// resized at --budget (default 280) with its 16-pixel patch grid and 48-pixel soft-token grid:
// what the model sees. With --model, runs the vision tower and embed_vision of that checkpoint
// (float) on the image and writes image_features [n, Dt] (and image_soft_tokens [n, Dv]) to --out
// (default image_features.safetensors).
#pragma once

#include <chrono>
#include <cstdio>
#include <iostream>

#include <gemma4/io/checkpoint_writer.hpp>
#include <gemma4/vision/image_file.hpp>
#include <gemma4/vision/model.hpp>
#include <gemma4/vision/picture.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

inline int cmd_image(int argc, char** argv) {
  Args args(argc, argv);
  const std::string budget_arg = args.value("--budget", "280");
  const std::string picture = args.value("--picture");
  const std::string model_dir = args.value("--model");
  const std::string out = args.value("--out", "image_features.safetensors");
  const std::string resize = args.value("--resize", "pillow");
  const auto pos = args.positional();
  if (pos.size() != 1 || (resize != "pillow" && resize != "torch")) {
    std::cerr
        << "usage: gemma4 image FILE [--budget 70|140|280|560|1120] [--picture OUT.png]\n"
           "                    [--resize pillow|torch] [--model DIR [--out F.safetensors]]\n";
    return 2;
  }
  int budget = 0;
  try {
    budget = std::stoi(budget_arg);
  } catch (const std::exception&) {
    detail::fail("--budget ", budget_arg, " is not a number");
  }
  check_budget(budget);
  const Image img = load_image(pos[0]);
  std::printf("%s: %d x %d (W x H)\n", pos[0].c_str(), img.width, img.height);
  std::printf("  budget  resized (WxH)  patches  soft tokens\n");
  for (int s : kSoftTokenBudgets) {
    const TargetSize t = target_size_for_budget(img.height, img.width, s);
    const int patches = (t.height / 16) * (t.width / 16);
    std::printf("  %6d  %6d x %-5d  %7d  %11d%s\n", s, t.width, t.height, patches, patches / 9,
                s == budget ? "   <- --budget" : "");
  }
  ImageProcessorOptions o;
  o.max_soft_tokens = budget;
  o.resize = resize == "torch" ? ResizeKernel::TorchFloat : ResizeKernel::Pillow;
  o.pad_to_budget = false;  // the real patches give the same soft tokens, with less work
  if (!picture.empty()) {
    const auto p = preprocess_image<float>(img, o);
    save_png(draw_patch_grid(p.resized), picture);
    std::printf("picture: %s (%d x %d, %d patches of 16 px, %d soft tokens of 48 px)\n",
                picture.c_str(), p.target.width, p.target.height, p.num_patches, p.num_soft_tokens);
  }
  if (!model_dir.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto model = VisionModel<Dynamic, float>::load(model_dir);
    const ImageProcessorOptions mo = [&] {
      ImageProcessorOptions m = processor_options(model.config(), budget);
      m.resize = o.resize;
      m.pad_to_budget = false;
      return m;
    }();
    const auto p = preprocess_image<float>(img, mo);
    const VisionOutput<float> r = model.forward(p.pixel_values, p.position_ids);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto as_tensor = [](std::string name, const RowMatrix<float>& m) {
      return tensor_from<float>(std::move(name), {m.rows(), m.cols()},
                                std::vector<float>(m.data(), m.data() + m.size()));
    };
    std::vector<TensorWrite> tensors;
    tensors.push_back(as_tensor("image_features", r.features));
    tensors.push_back(as_tensor("image_soft_tokens", r.soft_tokens));
    write_safetensors(out, std::move(tensors),
                      {{"format", "pt"},
                       {"producer", "gemma4 image"},
                       {"image", pos[0]},
                       {"max_soft_tokens", std::to_string(budget)}});
    std::printf("image_features [%ld, %ld] -> %s (%.0f ms with loading)\n",
                static_cast<long>(r.features.rows()), static_cast<long>(r.features.cols()),
                out.c_str(), ms);
  }
  return 0;
}

}  // namespace gemma4::cli
