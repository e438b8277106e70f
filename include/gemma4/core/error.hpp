// gemma4/core/error.hpp: the one exception type of the library.
//
// Every failure the library detects (a truncated or lying file, a config that does not match the
// compiled variant, a token id out of range, ...) is reported as a gemma4::Error whose message
// names the file, tensor, shape or value that was wrong. Nothing in gemma4 aborts or returns
// garbage on bad input.
//
//   try {
//     auto model = gemma4::TextModel<gemma4::Dynamic, float>::load("model_dir");
//   } catch (const gemma4::Error& e) {
//     std::cerr << e.what() << "\n";  // e.g. "model_dir/model.safetensors: tensor ... shape ..."
//   }
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gemma4 {

/// The exception thrown for every error the library detects.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {

/// Streams every argument into one string: concat("tensor ", name, " has ", n, " rows").
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

/// Formats a shape as "[2, 3, 4]".
template <class Int>
std::string shape_string(const std::vector<Int>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

/// Throws gemma4::Error with the concatenation of the arguments.
template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(concat(args...));
}

}  // namespace detail
}  // namespace gemma4
