// gemma4/core/progress.hpp: the progress callback of long loads and writes.
//
// Opening a sharded checkpoint, converting weights and writing a multi-gigabyte checkpoint take
// seconds to minutes. Functions that do so accept a ProgressFn and call it with a stage name
// ("open", "load", "write", ...), the amount done and the total, in whatever unit the stage
// counts (shards, tensors, bytes). done == total marks the end of a stage. An empty ProgressFn
// costs nothing.
//
//   gemma4::Checkpoint ckpt("gemma-4-E2B-it", [](std::string_view stage, std::size_t done,
//                                                 std::size_t total) {
//     std::fprintf(stderr, "\r%.*s %zu/%zu", int(stage.size()), stage.data(), done, total);
//   });
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace gemma4 {

/// Called as progress(stage, done, total); done == total when the stage ends.
using ProgressFn = std::function<void(std::string_view stage, std::size_t done, std::size_t total)>;

namespace detail {

/// Calls `progress` when it is set.
inline void report(const ProgressFn& progress, std::string_view stage, std::size_t done,
                   std::size_t total) {
  if (progress) progress(stage, done, total);
}

}  // namespace detail
}  // namespace gemma4
