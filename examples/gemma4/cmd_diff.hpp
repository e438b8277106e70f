// examples/gemma4/cmd_diff.hpp:
//   `gemma4 diff A.safetensors B.safetensors [--config DIR|config.json] [--threshold 1e-4]`
//
// Compares two tap dumps of the same prompt (`gemma4 dump`, a fixture's golden.safetensors, the
// llama.cpp driver's output of tests/llama/): the error of every key in data-flow order, the
// first key past the threshold, which layer and positions it is, and the likely mechanism
// (tap_diff.hpp). A is the reference. --config (of A) enables the layer-type hints. Exit status
// 0 when every key agrees, 1 when one does not.
#pragma once

#include <iostream>
#include <optional>

#include <gemma4/io/config_json.hpp>
#include <gemma4/reference/tap_diff.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

inline int cmd_diff(int argc, char** argv) {
  Args args(argc, argv);
  const std::string config = args.value("--config"), threshold = args.value("--threshold", "1e-4");
  const auto pos = args.positional();
  if (pos.size() != 2) {
    std::cerr << "usage: gemma4 diff A.safetensors B.safetensors [--config DIR|config.json] "
                 "[--threshold 1e-4]\n";
    return 2;
  }
  double t = 0;
  try {
    t = std::stod(threshold);
  } catch (const std::exception&) {
    detail::fail("--threshold: '", threshold, "' is not a number");
  }
  std::optional<TextConfig> c;
  if (!config.empty()) c = read_text_config(config);
  const SafetensorsFile a(pos[0]), b(pos[1]);
  const TapDiff d = diff_taps(a, b, t, c ? &*c : nullptr);
  std::cout << format_tap_diff(d);
  return d.agree() ? 0 : 1;
}

}  // namespace gemma4::cli
