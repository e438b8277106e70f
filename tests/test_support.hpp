// tests/test_support.hpp: helpers shared by the test files.
//
// check_tensor() compares a tensor to a reference in golden/FORMAT.md's measure
//   error = max|ours - ref| / max(1, max|ref|)
// and on failure prints the first differing values, the max abs / relative error and the bound.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace gemma4::test {

/// A fresh folder under the system temp directory, removed with everything in it on scope exit
/// (also when a REQUIRE fails). Names are unique per process and per TempDir.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("gemma4_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

/// The repository's fixtures and, when it exists, every fixture of ../shared/golden.
inline std::vector<std::filesystem::path> golden_roots() {
  std::vector<std::filesystem::path> roots{std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden"};
  std::error_code ec;
  if (std::filesystem::is_directory(GEMMA4_SHARED_GOLDEN_DIR, ec))
    roots.emplace_back(GEMMA4_SHARED_GOLDEN_DIR);
  return roots;
}

/// Every fixture folder (holding golden.safetensors) under the golden roots.
inline std::vector<std::filesystem::path> fixture_dirs() {
  std::vector<std::filesystem::path> out;
  for (const auto& root : golden_roots()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(root))
      if (e.is_directory() && std::filesystem::exists(e.path() / "golden.safetensors"))
        out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Compares ours to ref (same shape) within `bound`; on failure reports the first differences.
template <class A, class B>
void check_tensor(const std::string& name, const Eigen::MatrixBase<A>& ours,
                  const Eigen::MatrixBase<B>& ref, double bound) {
  INFO("tensor " << name);
  REQUIRE(ours.rows() == ref.rows());
  REQUIRE(ours.cols() == ref.cols());
  double diff = 0, scale = 0;
  std::ostringstream first;
  first.precision(17);
  int shown = 0;
  for (Eigen::Index r = 0; r < ref.rows(); ++r)
    for (Eigen::Index c = 0; c < ref.cols(); ++c) {
      const double o = static_cast<double>(ours(r, c)), f = static_cast<double>(ref(r, c));
      // A NaN must fail: std::max would silently drop it.
      const double d =
          std::isnan(o - f) ? std::numeric_limits<double>::infinity() : std::abs(o - f);
      diff = std::max(diff, d);
      scale = std::max(scale, std::abs(f));
      if (d > bound && shown < 5) {
        first << "  [" << r << ", " << c << "] ours " << o << " ref " << f << "\n";
        ++shown;
      }
    }
  const double error = diff / std::max(1.0, scale);
  if (error > bound)
    FAIL_CHECK(name << ": max abs error " << diff << ", relative " << error << " > bound " << bound
                    << "\nfirst differences:\n"
                    << first.str());
  else
    CHECK(error <= bound);
}

}  // namespace gemma4::test
