// gemma4/nn.hpp: primitives shared by the towers: RMSNorm, GELU, linear layers, RoPE, the gated
// MLP.
//
// Umbrella of include/gemma4/nn/; in data-flow order: rms_norm, activation, linear, rope, mlp.
#pragma once

#include "gemma4/nn/activation.hpp"
#include "gemma4/nn/linear.hpp"
#include "gemma4/nn/mlp.hpp"
#include "gemma4/nn/rms_norm.hpp"
#include "gemma4/nn/rope.hpp"
