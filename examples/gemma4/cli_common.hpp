// examples/gemma4/cli_common.hpp: small helpers shared by the subcommands of the gemma4 program.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gemma4/core/error.hpp>

namespace gemma4::cli {

/// Arguments after the subcommand name, with "--flag value" lookups.
class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) args_.emplace_back(argv[i]);
  }

  /// The value after --name (or its default); an error when --name is last.
  std::string value(std::string_view name, std::string fallback = {}) {
    for (std::size_t i = 0; i < args_.size(); ++i)
      if (args_[i] == name) {
        if (i + 1 >= args_.size()) detail::fail("option ", name, " needs a value");
        std::string v = args_[i + 1];
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i),
                    args_.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        return v;
      }
    return fallback;
  }

  /// Whether --name is present (and removes it).
  bool flag(std::string_view name) {
    for (std::size_t i = 0; i < args_.size(); ++i)
      if (args_[i] == name) {
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    return false;
  }

  /// What is left; an unknown --option is an error.
  std::vector<std::string> positional() const {
    for (const auto& a : args_)
      if (a.starts_with("--")) detail::fail("unknown option ", a);
    return args_;
  }

 private:
  std::vector<std::string> args_;
};

/// Splits "a,b,c" at commas.
inline std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = std::min(s.find(',', start), s.size());
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace gemma4::cli
