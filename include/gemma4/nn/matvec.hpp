// gemma4/nn/matvec.hpp: the products of the float models, read straight from the stored weights.
//
//   y[o] = sum_i W[o, i] * x[i]      W [rows, cols] row-major as stored (f32, bf16 or f16 bytes),
//                                    x [cols] float, y [rows] float, o in [r0, r1)   (matvec_rows)
//   Y[t, o] = sum_i W[o, i] X[t, i]  the same for T tokens at once                   (matmul_rows)
//
// Decoding one token reads every weight once and does two flops per weight, so its speed is the
// speed of reading W. The plain form (linear.hpp's rows_as + Eigen) widens a block of rows to a
// float scratch matrix and then multiplies, which reads the weights, writes the scratch and reads
// it back. These kernels widen in registers instead: bf16 -> float is a 16-bit shift (exact),
// f16 -> float is the F16C/AVX-512 conversion (exact), and every product and sum is in float.
// Activations are never rounded to bf16.
//
// matmul_rows works in tiles of R rows x N tokens whose accumulators stay in registers, so each
// weight load serves N tokens and each x load R rows: 4 x 6 on AVX-512 (32 registers), 2 x 6 on
// AVX2 (16). A lone token (decode) takes 8 rows at a time, far apart (sweep_spread). The
// portable loop takes one token at a time.
// bench/bench_matvec.cpp on one core, bf16 [12288, 1536]: AVX-512 (the Intel VM): decode
// 8.7-10.8 GB/s against 4.1-4.9 for the plain form, 64 tokens 63-79 GFlop/s against 19-22 (Eigen
// at the default -O3, SSE2); AVX2 (the AMD EPYC VM, quiet host): decode 19 GB/s with the spread
// rows (12-13 with 8 adjacent rows) against 7.9, 64 tokens 50 GFlop/s against 28; on a busy
// host 12.3 GB/s against 4.7 and 38 GFlop/s against 22.
//
// Order of the sum, for a row of `cols` values with a kernel of L lanes (16, 8, or 1):
//   lane l accumulates W[o, i] * x[i] for i = l, l + L, l + 2L, ... in ascending i (an FMA on
//   the SIMD kernels, the short last chunk zero-padded); the lanes are then added together in a
//   fixed tree. The order depends only on the kernel and on cols: not on the row, on which rows are
//   computed together, or on the thread that computes them, or on the other tokens of a batch.
//   Splitting rows across threads therefore gives identical results, and a token decoded alone gets
//   the bits it gets in a batch.
//
// Kernels: Avx512 (x86-64 with AVX-512 F/BW/VL), Avx2 (AVX2 + FMA + F16C), Portable (any
// compiler and CPU). The SIMD ones are compiled with function target attributes and chosen at run
// time from what the CPU reports, so the library needs no -march flag. Each is tested against
// the plain Eigen form on odd shapes and tails (tests/nn/test_matvec.cpp).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "gemma4/io/safetensors.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GEMMA4_X86_KERNELS 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace gemma4 {

enum class MatvecKernel { Portable, Avx2, Avx512 };

inline std::string_view kernel_name(MatvecKernel k) {
  switch (k) {
    case MatvecKernel::Avx512:
      return "avx512";
    case MatvecKernel::Avx2:
      return "avx2";
    default:
      return "portable";
  }
}

/// Can the kernels read weights of this dtype? (f32, bf16, f16.)
inline bool matvec_reads(DType d) {
  return d == DType::F32 || d == DType::BF16 || d == DType::F16;
}

namespace detail {

/// One stored weight of dtype D as float: safetensors' unaligned load, then Eigen's conversion
/// (exact for all three dtypes; for bf16 it is the 16-bit shift, tests/nn/test_linear.cpp).
template <DType D>
float weight_at(const std::byte* w, std::size_t i) {
  if constexpr (D == DType::F32)
    return load_element<float>(w, i);
  else if constexpr (D == DType::BF16)
    return static_cast<float>(load_element<Eigen::bfloat16>(w, i));
  else
    return static_cast<float>(load_element<Eigen::half>(w, i));
}

/// Portable: one lane, a plain ascending sum in float (the dtype chosen outside the loop).
template <DType D>
void matvec_portable(const std::byte* w, Eigen::Index cols, const float* x, float* y,
                     Eigen::Index r0, Eigen::Index r1) {
  const auto n = static_cast<std::size_t>(cols);
  for (Eigen::Index o = r0; o < r1; ++o) {
    const std::byte* row = w + static_cast<std::size_t>(o) * n * dtype_size(D);
    float acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc += weight_at<D>(row, i) * x[i];
    y[o - r0] = acc;
  }
}

inline void matvec_portable(const std::byte* w, DType d, Eigen::Index cols, const float* x,
                            float* y, Eigen::Index r0, Eigen::Index r1) {
  if (d == DType::BF16) return matvec_portable<DType::BF16>(w, cols, x, y, r0, r1);
  if (d == DType::F16) return matvec_portable<DType::F16>(w, cols, x, y, r0, r1);
  return matvec_portable<DType::F32>(w, cols, x, y, r0, r1);
}

#ifdef GEMMA4_X86_KERNELS

#define GEMMA4_AVX2 __attribute__((target("avx2,fma,f16c")))

/// Sum of the 8 lanes: (0+4, 1+5, 2+6, 3+7), then pairs, then the last two.
GEMMA4_AVX2 inline float reduce8(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// ---- AVX-512: 16 lanes, 4 rows at a time (x is loaded once for the four) -------------------

#define GEMMA4_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma,f16c")))

/// 16 weights of dtype D from `p` widened to float; `mask` selects the lanes of a tail.
template <DType D>
GEMMA4_AVX512 inline __m512 load16(const std::byte* p, __mmask16 mask) {
  if constexpr (D == DType::F32) {
    return _mm512_maskz_loadu_ps(mask, p);
  } else {
    // The maskz_ forms with an all-ones mask: g++ 12's unmasked forms of these three intrinsics
    // start from an "undefined" register and warn (-Wmaybe-uninitialized, GCC bug 105593).
    const __m256i h = _mm256_maskz_loadu_epi16(mask, p);
    if constexpr (D == DType::BF16)
      return _mm512_castsi512_ps(
          _mm512_maskz_slli_epi32(0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, h), 16));
    else
      return _mm512_maskz_cvtph_ps(0xFFFF, h);
  }
}

/// Sum of the 16 lanes: lane l + lane l+8, then reduce8.
GEMMA4_AVX512 inline float reduce16(__m512 a) {
  const __m512d a64 = _mm512_castps_pd(a);  // halves by maskz_extract: see load16
  const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, a64, 0));
  const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, a64, 1));
  return reduce8(_mm256_add_ps(lo, hi));
}

/// One tile: R rows of W, `wr` bytes apart, against N tokens of x (stride ldx floats),
/// y[t * ldy + r * yr] = W[r] . x[t]. Each weight load serves N tokens, each x load R rows; the
/// R * N accumulators stay in registers (24 + 4 + 1 of the 32 for R = 4, N = 6).
template <DType D, int R, int N>
GEMMA4_AVX512 void tile16(const std::byte* w, std::size_t wr, std::size_t n, const float* x,
                          std::size_t ldx, float* y, std::size_t yr, std::size_t ldy) {
  constexpr std::size_t es = D == DType::F32 ? 4 : 2;
  const auto tail = static_cast<__mmask16>((1u << (n % 16)) - 1);
  __m512 acc[R][N];  // fully unrolled loops: registers, not memory
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) acc[r][t] = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 m = i + 16 <= n ? __mmask16{0xFFFF} : tail;  // the last chunk may be short
    __m512 wv[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) wv[r] = load16<D>(w + r * wr + i * es, m);
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + t * ldx + i);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) y[t * ldy + r * yr] = reduce16(acc[r][t]);
}

// ---- AVX2: 8 lanes; the weight tail is widened through a zero-padded buffer ----------------

template <DType D>
GEMMA4_AVX2 inline __m256 load8(const std::byte* p) {
  if constexpr (D == DType::F32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (D == DType::BF16)
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    else
      return _mm256_cvtph_ps(h);
  }
}

/// The last `rest` (< 8) weights of a row from `p`, widened and zero-padded to 8 lanes.
template <DType D>
GEMMA4_AVX2 inline __m256 tail8(const std::byte* p, std::size_t rest) {
  alignas(32) std::byte padded[32] = {};
  std::memcpy(padded, p, rest * dtype_size(D));
  return load8<D>(padded);
}

/// The AVX2 tile: tile16 with 8 lanes, its short last chunk read through tail8 and a masked
/// load of x (zero weights times zero lanes add nothing).
template <DType D, int R, int N>
GEMMA4_AVX2 void tile8(const std::byte* w, std::size_t wr, std::size_t n, const float* x,
                       std::size_t ldx, float* y, std::size_t yr, std::size_t ldy) {
  constexpr std::size_t es = D == DType::F32 ? 4 : 2;
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n % 8)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256 acc[R][N];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) acc[r][t] = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n; i += 8) {
    const bool whole = i + 8 <= n;  // the last chunk may be short
    __m256 wv[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const std::byte* p = w + r * wr + i * es;
      wv[r] = whole ? load8<D>(p) : tail8<D>(p, n - i);
    }
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) {
      const float* p = x + t * ldx + i;
      const __m256 xv = whole ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tail);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int t = 0; t < N; ++t) y[t * ldy + r * yr] = reduce8(acc[r][t]);
}

// ---- The sweeps shared by both ------------------------------------------------------------

using Tile = void (*)(const std::byte*, std::size_t, std::size_t, const float*, std::size_t, float*,
                      std::size_t, std::size_t);

/// Y = X W[r0 .. r1)^T (rows `stride` bytes apart) through tiles of R rows x N tokens:
/// wide[nt - 1] takes R adjacent rows and nt tokens, one[nt - 1] a single row (the row tail).
/// Tokens go in blocks whose x rows fit in 512 KiB, so while one group of rows sweeps a block,
/// its weights stay in L1 and the block in L2.
template <int R, int N>
inline void sweep(const Tile (&wide)[N], const Tile (&one)[N], const std::byte* w,
                  std::size_t stride, std::size_t n, const float* x, std::size_t ldx,
                  Eigen::Index T, float* y, std::size_t ldy, Eigen::Index r0, Eigen::Index r1) {
  const Eigen::Index block =
      std::max<Eigen::Index>(N, static_cast<Eigen::Index>((512 << 10) / (4 * n)) / N * N);
  for (Eigen::Index t0 = 0; t0 < T; t0 += block) {
    const Eigen::Index t1 = std::min(T, t0 + block);
    for (Eigen::Index o = r0; o < r1;) {
      const bool grouped = o + R <= r1;
      for (Eigen::Index t = t0; t < t1; t += N) {
        const auto nt = static_cast<int>(std::min<Eigen::Index>(N, t1 - t));
        (grouped ? wide : one)[nt - 1](
            w + static_cast<std::size_t>(o) * stride, stride, n,
            x + static_cast<std::size_t>(t) * ldx, ldx,
            y + static_cast<std::size_t>(t) * ldy + static_cast<std::size_t>(o - r0), 1, ldy);
      }
      o += grouped ? R : 1;
    }
  }
}

/// y = W[r0 .. r1) x for one token (decode) through tiles of R rows taken far apart: the range
/// is cut into R segments of m = (r1 - r0) / R rows, and tile j reads row j of every segment
/// (rows r0 + j, r0 + j + m, ..., r0 + j + (R - 1) m); the (r1 - r0) % R rows after the last
/// segment go one at a time. R streams a segment apart, each on its own pages, are what the
/// hardware prefetchers serve best: on the AMD EPYC VM, bf16 [12288, 1536], 16.7-18.9 GB/s
/// against 13.0-13.3 for 8 adjacent rows (bench/bench_matvec.cpp). Rows are independent sums,
/// so the grouping changes no bit.
inline void sweep_spread(int R, Tile spread, Tile one, const std::byte* w, std::size_t stride,
                         std::size_t n, const float* x, float* y, Eigen::Index r0,
                         Eigen::Index r1) {
  const auto m = static_cast<std::size_t>((r1 - r0) / R);
  const std::byte* w0 = w + static_cast<std::size_t>(r0) * stride;
  for (std::size_t j = 0; j < m; ++j) spread(w0 + j * stride, m * stride, n, x, 0, y + j, m, 0);
  for (auto o = static_cast<std::size_t>(R) * m; o < static_cast<std::size_t>(r1 - r0); ++o)
    one(w0 + o * stride, stride, n, x, 0, y + o, 1, 0);
}

/// AVX-512: 4 rows x 6 tokens for a batch, 8 spread rows for a lone token.
template <DType D>
void matmul_avx512(const std::byte* w, std::size_t n, const float* x, std::size_t ldx,
                   Eigen::Index T, float* y, std::size_t ldy, Eigen::Index r0, Eigen::Index r1) {
  static constexpr Tile four[6] = {tile16<D, 4, 1>, tile16<D, 4, 2>, tile16<D, 4, 3>,
                                   tile16<D, 4, 4>, tile16<D, 4, 5>, tile16<D, 4, 6>};
  static constexpr Tile one[6] = {tile16<D, 1, 1>, tile16<D, 1, 2>, tile16<D, 1, 3>,
                                  tile16<D, 1, 4>, tile16<D, 1, 5>, tile16<D, 1, 6>};
  const std::size_t stride = n * dtype_size(D);
  if (T == 1) return sweep_spread(8, tile16<D, 8, 1>, one[0], w, stride, n, x, y, r0, r1);
  sweep<4>(four, one, w, stride, n, x, ldx, T, y, ldy, r0, r1);
}

/// AVX2: 2 rows x 6 tokens for a batch (12 + 2 + 1 of the 16 registers), 8 spread rows for a
/// lone token (8 + 1 + 1; 12 rows spill).
template <DType D>
void matmul_avx2(const std::byte* w, std::size_t n, const float* x, std::size_t ldx, Eigen::Index T,
                 float* y, std::size_t ldy, Eigen::Index r0, Eigen::Index r1) {
  static constexpr Tile two[6] = {tile8<D, 2, 1>, tile8<D, 2, 2>, tile8<D, 2, 3>,
                                  tile8<D, 2, 4>, tile8<D, 2, 5>, tile8<D, 2, 6>};
  static constexpr Tile one[6] = {tile8<D, 1, 1>, tile8<D, 1, 2>, tile8<D, 1, 3>,
                                  tile8<D, 1, 4>, tile8<D, 1, 5>, tile8<D, 1, 6>};
  const std::size_t stride = n * dtype_size(D);
  if (T == 1) return sweep_spread(8, tile8<D, 8, 1>, one[0], w, stride, n, x, y, r0, r1);
  sweep<2>(two, one, w, stride, n, x, ldx, T, y, ldy, r0, r1);
}

#undef GEMMA4_AVX512
#undef GEMMA4_AVX2

#endif  // GEMMA4_X86_KERNELS

}  // namespace detail

/// The kernels this CPU can run, best last (Portable is always there).
inline std::vector<MatvecKernel> available_kernels() {
  std::vector<MatvecKernel> k = {MatvecKernel::Portable};
#ifdef GEMMA4_X86_KERNELS
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;  // F16C: CPUID leaf 1, ECX bit 29 (clang 14's
  const bool f16c =
      __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx >> 29 & 1u);  // builtin lacks it)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c)
    k.push_back(MatvecKernel::Avx2);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && k.back() == MatvecKernel::Avx2)
    k.push_back(MatvecKernel::Avx512);
#endif
  return k;
}

/// The kernel the model uses: the best this CPU runs (decided once).
inline MatvecKernel best_kernel() {
  static const MatvecKernel k = available_kernels().back();
  return k;
}

/// Y = X W[r0 .. r1)^T for T tokens: x [T, cols] with row stride ldx, y[t * ldy + (o - r0)] for
/// rows o of W [rows, cols] of dtype d (f32, bf16 or f16) at `w`. Every (token, row) sum is the
/// one matvec_rows computes for that token alone: batching does not change a bit.
inline void matmul_rows(MatvecKernel k, const std::byte* w, DType d, Eigen::Index cols,
                        const float* x, Eigen::Index ldx, Eigen::Index T, float* y,
                        Eigen::Index ldy, Eigen::Index r0, Eigen::Index r1) {
  eigen_assert(matvec_reads(d));
  const auto n = static_cast<std::size_t>(cols);
  const auto lx = static_cast<std::size_t>(ldx), ly = static_cast<std::size_t>(ldy);
#ifdef GEMMA4_X86_KERNELS
  if (k == MatvecKernel::Avx512) {
    if (d == DType::BF16) return detail::matmul_avx512<DType::BF16>(w, n, x, lx, T, y, ly, r0, r1);
    if (d == DType::F16) return detail::matmul_avx512<DType::F16>(w, n, x, lx, T, y, ly, r0, r1);
    return detail::matmul_avx512<DType::F32>(w, n, x, lx, T, y, ly, r0, r1);
  }
  if (k == MatvecKernel::Avx2) {
    if (d == DType::BF16) return detail::matmul_avx2<DType::BF16>(w, n, x, lx, T, y, ly, r0, r1);
    if (d == DType::F16) return detail::matmul_avx2<DType::F16>(w, n, x, lx, T, y, ly, r0, r1);
    return detail::matmul_avx2<DType::F32>(w, n, x, lx, T, y, ly, r0, r1);
  }
#endif
  for (Eigen::Index t = 0; t < T; ++t)  // the portable loop: one token at a time
    detail::matvec_portable(w, d, cols, x + static_cast<std::size_t>(t) * lx,
                            y + static_cast<std::size_t>(t) * ly, r0, r1);
}

/// y[0 .. r1-r0) = W[r0 .. r1) x: one token (the decode step).
inline void matvec_rows(MatvecKernel k, const std::byte* w, DType d, Eigen::Index cols,
                        const float* x, float* y, Eigen::Index r0, Eigen::Index r1) {
  matmul_rows(k, w, d, cols, x, cols, 1, y, 0, r0, r1);
}

}  // namespace gemma4
