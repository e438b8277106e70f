// examples/gemma4/cmd_verify.hpp: `gemma4 verify <fixture-dir>... [--dtype double,float,bf16]`
//
// Loads each fixture's config.json + model.safetensors with the run-time config, feeds the golden
// inputs and compares every checked key of golden/FORMAT.md that is present: one line per tensor
// (max abs error, relative error, bound, PASS/FAIL). Keys of stages not implemented yet are
// listed as "not supported yet" and fail the run. Exit status 0 only when everything passed.
// Default number types: double and float.
#pragma once

#include <cstdio>
#include <iostream>

#include <gemma4/reference/golden.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

template <class T>
bool verify_and_print(const std::string& dir) {
  const VerifyReport r = verify_fixture<T>(dir);
  std::printf("%s [%s]\n", dir.c_str(), std::string(NumberTraits<T>::name).c_str());
  for (const TensorCheck& c : r.checks) {
    std::printf("  %-24s max_abs %.3e  rel %.3e  bound %.0e  %s%s%s\n", c.key.c_str(),
                c.max_abs_error, c.error, c.bound, c.pass ? "PASS" : "FAIL",
                c.note.empty() ? "" : "  ", c.note.c_str());
  }
  for (const std::string& key : r.unsupported)
    std::printf("  %-24s not supported yet                                   FAIL\n", key.c_str());
  std::printf("  => %s\n", r.passed() ? "PASS" : "FAIL");
  return r.passed();
}

inline int cmd_verify(int argc, char** argv) {
  Args args(argc, argv);
  // Default: double and float, plus bf16 / f16 on fixtures stored that way (held to float's bound).
  const std::string given = args.value("--dtype", "");
  const auto dirs = args.positional();
  if (dirs.empty()) {
    std::cerr << "usage: gemma4 verify <fixture-dir>... [--dtype double,float,bf16,f16]\n";
    return 2;
  }
  int failed = 0, passed = 0;
  for (const auto& dir : dirs) {
    std::vector<std::string> dtypes = split_commas(given.empty() ? "double,float" : given);
    if (given.empty() && std::filesystem::is_directory(dir)) try {
        const DType stored = fixture_weight_dtype(dir);
        if (stored == DType::BF16) dtypes.push_back("bf16");
        if (stored == DType::F16) dtypes.push_back("f16");
      } catch (const Error&) {  // an unreadable checkpoint fails below, with the message
      }
    for (const auto& dt : dtypes) {
      bool ok = false;
      try {
        if (dt == "double")
          ok = verify_and_print<double>(dir);
        else if (dt == "float" || dt == "f32")
          ok = verify_and_print<float>(dir);
        else if (dt == "bf16")
          ok = verify_and_print<Eigen::bfloat16>(dir);
        else if (dt == "f16")
          ok = verify_and_print<Eigen::half>(dir);
        else {
          std::cerr << "unknown --dtype " << dt << " (double, float, bf16, f16)\n";
          return 2;
        }
      } catch (const Error& e) {
        std::printf("%s [%s]\n  error: %s\n  => FAIL\n", dir.c_str(), dt.c_str(), e.what());
      }
      (ok ? passed : failed)++;
    }
  }
  std::printf("verify: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace gemma4::cli
