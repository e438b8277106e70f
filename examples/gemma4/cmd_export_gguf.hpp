// examples/gemma4/cmd_export_gguf.hpp:
//   `gemma4 export-gguf <model-dir> --out model.gguf [--dtype f32|bf16|f16]`
//
// Writes the text decoder of any checkpoint folder we load (hub folders, `gemma4 init` output,
// the golden fixtures) as a GGUF file laid out as llama.cpp's convert_hf_to_gguf.py writes
// Gemma 4 (gguf_writer.hpp): names, ggml shapes, hyperparameters, rope_freqs and vocabulary.
// Norms, 1-D tensors and the router stay F32 whatever --dtype says (as in the converter).
#pragma once

#include <iostream>

#include <gemma4/io/gguf_writer.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

inline int cmd_export_gguf(int argc, char** argv) {
  Args args(argc, argv);
  const std::string out = args.value("--out"), dtype = args.value("--dtype", "f32");
  const auto pos = args.positional();
  if (pos.size() != 1 || out.empty()) {
    std::cerr << "usage: gemma4 export-gguf <model-dir> --out model.gguf [--dtype f32|bf16|f16]\n";
    return 2;
  }
  GgufExportOptions options;
  if (dtype == "f32")
    options.dtype = DType::F32;
  else if (dtype == "bf16")
    options.dtype = DType::BF16;
  else if (dtype == "f16")
    options.dtype = DType::F16;
  else
    detail::fail("--dtype: '", dtype, "' is not f32, bf16 or f16");
  export_gguf(pos[0], out, options);
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace gemma4::cli
