// gemma4/audio/subsample.hpp: the subsampling convolution projection in front of the conformer
// (HF `Gemma4AudioSubSampleConvProjection`, spec audio.md §5): 4x fewer frames, 1024 wide.
//
// The features X [T, 128] are a one-channel image (time x frequency). Two blocks, layer0 (1 -> 128
// channels) and layer1 (128 -> 32), each:
//
//   X = X * mask_t                                 zero invalid time rows
//   Y[o, t, f] = sum_{i, a, b} W[o, i, a, b] X[i, 2t - 1 + a, 2f - 1 + b]
//                                                  Conv2d 3x3, stride 2, zero pad 1, no bias;
//                                                  W [C_out, C_in, 3 (time), 3 (freq)]
//   Y = ReLU( LayerNorm_channels(Y) )              per (t, f): (y - mean) / sqrt(var + eps) * w,
//                                                  population variance, weight only, no bias
//   mask_t = mask_t[0::2]
//
//   [1, T, 128] -> [128, ceil(T/2), 64] -> [32, ceil(T/4), 32]
//   z_t[f * 32 + c] = Y[c, t, f]                   frequency-major, channel-minor: 1024 values
//   h = z @ input_proj_linear^T                    [Da, 1024], plain Linear   -> h [T', Da]
//
// Activations are held [T, F, C] (a RowMatrix [T * F, C]): the channel LayerNorm is a row
// operation and the flattening above is the memory order. Each conv is a GEMM over 3x3 patches
// (im2col), a block of output time steps at a time to bound the scratch memory.
//
// Checkpoint (prefix model.audio_tower.subsample_conv_projection.): layer0.conv.weight
// [128, 1, 3, 3], layer0.norm.weight [128], layer1.conv.weight [32, 128, 3, 3], layer1.norm.weight
// [32], input_proj_linear.weight [Da, 1024].
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "gemma4/audio/config.hpp"
#include "gemma4/nn/linear.hpp"

namespace gemma4 {

template <class T>
struct AudioSubsampleLayerWeights {
  using C = compute_t<T>;
  /// The conv weight as a patch matrix [C_out, 9 C_in]: column (a * 3 + b) * C_in + i holds
  /// W[o, i, a, b] (reordered from the checkpoint's [C_out, C_in, 3, 3] when binding).
  RowMatrix<C> conv;
  Vector<C> norm;  // [C_out]
};

template <class T>
struct AudioSubsampleWeights {
  AudioSubsampleLayerWeights<T> layer0, layer1;
  Weight<T> input_proj_linear;  // [Da, F' * channels[1]] = [Da, 1024]
};

/// Reorders a Conv2d weight [C_out, C_in, 3, 3] (row-major values) into the patch matrix layout.
template <class C>
RowMatrix<C> conv2d_patch_matrix(const std::vector<C>& w, Eigen::Index c_out, Eigen::Index c_in) {
  RowMatrix<C> m(c_out, 9 * c_in);
  for (Eigen::Index o = 0; o < c_out; ++o)
    for (Eigen::Index i = 0; i < c_in; ++i)
      for (Eigen::Index a = 0; a < 3; ++a)
        for (Eigen::Index b = 0; b < 3; ++b)
          m(o, (a * 3 + b) * c_in + i) =
              w[static_cast<std::size_t>(((o * c_in + i) * 3 + a) * 3 + b)];
  return m;
}

/// Activations of the subsampling stack: [T * F, C] with the time / frequency extents.
template <class C>
struct AudioConvActivation {
  RowMatrix<C> values;  // [T * F, C], row t * F + f
  Eigen::Index time = 0, freq = 0;
};

/// One block: mask rows, 3x3 stride-2 conv, channel LayerNorm, ReLU. mask [T] is subsampled.
template <class C, class T>
AudioConvActivation<C> audio_subsample_layer(const AudioConvActivation<C>& x,
                                             std::vector<std::uint8_t>& mask,
                                             const AudioSubsampleLayerWeights<T>& w, double eps) {
  const Eigen::Index Ti = x.time, Fi = x.freq, Ci = x.values.cols(), Co = w.conv.rows();
  const Eigen::Index To = (Ti + 2 - 3) / 2 + 1, Fo = (Fi + 2 - 3) / 2 + 1;  // ceil(n / 2)
  AudioConvActivation<C> y{RowMatrix<C>(To * Fo, Co), To, Fo};
  constexpr Eigen::Index kBlock = 16;  // output time steps per GEMM
  RowMatrix<C> patches;
  for (Eigen::Index t0 = 0; t0 < To; t0 += kBlock) {
    const Eigen::Index nt = std::min(kBlock, To - t0);
    patches.setZero(nt * Fo, 9 * Ci);  // [nt * Fo, 9 C_in]
    for (Eigen::Index t = t0; t < t0 + nt; ++t)
      for (Eigen::Index a = 0; a < 3; ++a) {
        const Eigen::Index ti = 2 * t - 1 + a;
        if (ti < 0 || ti >= Ti || !mask[static_cast<std::size_t>(ti)]) continue;  // pad or masked
        for (Eigen::Index f = 0; f < Fo; ++f)
          for (Eigen::Index b = 0; b < 3; ++b) {
            const Eigen::Index fi = 2 * f - 1 + b;
            if (fi < 0 || fi >= Fi) continue;
            patches.row((t - t0) * Fo + f).segment((a * 3 + b) * Ci, Ci) =
                x.values.row(ti * Fi + fi);
          }
      }
    y.values.middleRows(t0 * Fo, nt * Fo).noalias() = patches * w.conv.transpose();
  }
  // LayerNorm over channels (population variance, weight only), then ReLU.
  for (Eigen::Index r = 0; r < y.values.rows(); ++r) {
    auto row = y.values.row(r).array();
    const C mean = row.mean();
    row -= mean;
    const C var = row.square().mean();
    row *= C(1) / std::sqrt(var + static_cast<C>(eps));
    row *= w.norm.transpose().array();
    row = row.max(C(0));
  }
  std::vector<std::uint8_t> sub;
  for (std::size_t t = 0; t < mask.size(); t += 2) sub.push_back(mask[t]);  // mask[0::2]
  mask = std::move(sub);
  return y;
}

/// The result of the subsampling stack.
template <class C>
struct AudioSubsampleOutput {
  RowMatrix<C> conv1;  // [T' * 32, 32] second block output ([T, F, C]: golden audio_subsample_conv1
                       // is the same values as [C, T, F])
  RowMatrix<C> hidden;             // [T', Da]                     (audio_subsample_output)
  std::vector<std::uint8_t> mask;  // [T'] valid encoder frames     (audio_output_mask)
};

/// features [T, 128], mask [T] -> h [T', Da], mask [T'].
template <class C, class T>
AudioSubsampleOutput<C> audio_subsample(const RowMatrix<C>& features,
                                        const std::vector<std::uint8_t>& mask,
                                        const AudioSubsampleWeights<T>& w, const AudioConfig& c) {
  std::vector<std::uint8_t> m = mask;
  // [T, 128] is already [T * F, C = 1] in memory order.
  AudioConvActivation<C> x{Eigen::Map<const RowMatrix<C>>(features.data(), features.size(), 1),
                           features.rows(), features.cols()};
  x = audio_subsample_layer<C>(x, m, w.layer0, c.rms_norm_eps);
  x = audio_subsample_layer<C>(x, m, w.layer1, c.rms_norm_eps);
  AudioSubsampleOutput<C> out;
  // [T' * F', C] viewed as [T', F' * C]: row t = (f, c) in frequency-major order.
  const Eigen::Map<const RowMatrix<C>> flat(x.values.data(), x.time, x.freq * x.values.cols());
  out.hidden = linear<C>(flat, w.input_proj_linear);
  out.conv1 = std::move(x.values);
  out.mask = std::move(m);
  return out;
}

}  // namespace gemma4
