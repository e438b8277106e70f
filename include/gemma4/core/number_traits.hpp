// gemma4/core/number_traits.hpp: what a number type means to the model.
//
// A model is a template over its weight *storage* type T. NumberTraits<T> says
//   Storage    how weights are kept in memory (T itself),
//   Compute    the type activations, norms, softmaxes, RoPE angles and all accumulations use
//              (at least float: bfloat16 and half weights are widened before every product),
//   tolerance  the bound the golden fixtures are held to, in the measure of golden/FORMAT.md:
//              max|ours - ref| / max(1, max|ref|).
// Like Eigen's NumTraits, it is the single place a new number type has to be described.
#pragma once

#include <Eigen/Core>
#include <string_view>

namespace gemma4 {

template <class T>
struct NumberTraits;  // only the four types below are supported

template <>
struct NumberTraits<double> {
  using Storage = double;
  using Compute = double;
  static constexpr double tolerance = 1e-9;
  static constexpr std::string_view name = "double";
};

template <>
struct NumberTraits<float> {
  using Storage = float;
  using Compute = float;
  static constexpr double tolerance = 1e-4;
  static constexpr std::string_view name = "float";
};

/// bfloat16 weights, float activations and accumulation. bf16 keeps 8 significant bits
/// (relative rounding 2^-9 = 2e-3 per weight); through a few layers of random weights the
/// fixtures' logits move by about 1e-2 of their largest magnitude, so we hold them to 5e-2.
template <>
struct NumberTraits<Eigen::bfloat16> {
  using Storage = Eigen::bfloat16;
  using Compute = float;
  static constexpr double tolerance = 5e-2;
  static constexpr std::string_view name = "bf16";
};

/// IEEE half weights (11 significant bits, relative rounding 2^-12), float compute.
template <>
struct NumberTraits<Eigen::half> {
  using Storage = Eigen::half;
  using Compute = float;
  static constexpr double tolerance = 1e-2;
  static constexpr std::string_view name = "f16";
};

/// The compute (activation and accumulation) type of storage type T.
template <class T>
using compute_t = typename NumberTraits<T>::Compute;

/// Row-major dynamic matrix: the layout of every checkpoint tensor ([out, in] for linears)
/// and of every activation ([T, features]).
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <class T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

}  // namespace gemma4
