// expect: incomplete type 'struct gemma4::NumberTraits<int>'
// expect: undefined template 'gemma4::NumberTraits<int>'
// NumberTraits is defined only for double, float, Eigen::bfloat16 and Eigen::half: asking for the
// compute type of int must not compile (g++ and clang++ word it differently, hence two lines).
#include <gemma4/core/number_traits.hpp>

gemma4::compute_t<int> x = 0;
