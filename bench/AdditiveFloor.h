// The floor of fused additive attention at A = D = 24 on this machine: a
// hand-written AVX-512 kernel that does the arithmetic the fused kernel
// cannot avoid and nothing else (attention_bench's `floor` variant,
// docs/performance.md "Ceilings"). Per group of 16 time steps, the steps in
// the lanes as in attnc's kernel: u_a = b_a + sum_k W[a, k] h[k] (576 FMAs,
// W a broadcast operand), the scores e = sum_a v_a tanh(u_a) with attnc's
// tanh (FastMath.cpp: the same clamp, polynomials and division); per chunk
// of 64 steps the max, exp and sum of the scores and the context
// sum_t p_t h_t (in eight independent FMA chains); per row the merge of the
// chunks, context and alpha. What it leaves out is what attnc's kernel must
// also do: h is handed over already transposed (the 16-step groups as
// [D][16] tiles, made once outside the timing), no mask, no bounds, no
// partial groups, one thread. So its time is a measured lower bound for any
// kernel that computes the block with this tanh, not a competitor: the
// benchmark checks its context and alpha against a double-precision
// reference once, so the bound is of a kernel that computes the right thing.
#pragma once

#include "codegen/llvm/FastMathConstants.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace attn::bench {

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() as the unused merge
// source, which -Wmaybe-uninitialized reports at every inlined call.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define ATTN_FLOOR_TARGET __attribute__((target("avx512f,avx512dq,fma")))

namespace floor_kernel {

constexpr int kD = 24, kChunk = 64;

/// Horner's scheme from coefficient I on, lowest first (FastMath.cpp's
/// polynomial), unrolled by the recursion.
template <size_t I = 0, size_t N> ATTN_FLOOR_TARGET inline __m512 horner(__m512 x, const float (&c)[N]) {
  if constexpr (I + 1 == N) return _mm512_set1_ps(c[I]);
  else return _mm512_fmadd_ps(horner<I + 1>(x, c), x, _mm512_set1_ps(c[I]));
}

/// attnc's tanh (FastMath.cpp): y P(y^2) / Q(y^2), y clamped.
ATTN_FLOOR_TARGET inline __m512 tanh(__m512 x) {
  using namespace llvmcg::fastmath;
  __m512 y = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(kTanhLimit)), _mm512_set1_ps(-kTanhLimit));
  __m512 z = _mm512_mul_ps(y, y);
  return _mm512_div_ps(_mm512_mul_ps(y, horner(z, kTanhP)), horner(z, kTanhQ));
}

/// exp(x) for x <= 0 (scores minus their max): 2^n (1 + r + r^2 p(r)) with
/// FastMath.cpp's constants.
ATTN_FLOOR_TARGET inline __m512 exp(__m512 x) {
  using namespace llvmcg::fastmath;
  x = _mm512_max_ps(x, _mm512_set1_ps(kExpMin));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2E)), _MM_FROUND_TO_NEAREST_INT);
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2High), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Low), r);
  __m512 p = _mm512_add_ps(_mm512_fmadd_ps(horner(r, kExpP), _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

/// The lanes' max and sum (once per chunk; GCC 12 warns on _mm512_reduce_*).
ATTN_FLOOR_TARGET inline float laneMax(__m512 x) {
  alignas(64) float l[16];
  _mm512_store_ps(l, x);
  float m = l[0];
  for (int i = 1; i < 16; ++i) m = std::max(m, l[i]);
  return m;
}
ATTN_FLOOR_TARGET inline float laneSum(__m512 x) {
  alignas(64) float l[16];
  _mm512_store_ps(l, x);
  float s = 0;
  for (float f : l) s += f;
  return s;
}

struct Problem {
  int64_t B, T;
  std::vector<float> h, hT, W, bias, v; // h [B, T, 24]; hT its 16-step groups as [24][16] tiles
  std::vector<float> context, alpha, scores;
  std::vector<float> chunkMax, chunkSum, chunkContext;
};

/// One batch row: chunks of min(T, 64) steps, then the merge.
ATTN_FLOOR_TARGET inline void row(Problem &p, int64_t b) {
  const int64_t chunk = std::min<int64_t>(p.T, kChunk), chunks = p.T / chunk;
  float *scores = p.scores.data() + b * p.T;
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t t0 = c * chunk;
    for (int64_t g = t0; g < t0 + chunk; g += 16) {
      const float *tile = p.hT.data() + (b * p.T + g) * kD;
      // A in two halves of 12 accumulators, each through tanh and v before
      // the next: 24 accumulators with tanh's constants would spill. Unrolled
      // whole, so that the accumulators live in registers.
      __m512 e = _mm512_setzero_ps();
#pragma GCC unroll 2
      for (int half = 0; half < kD; half += kD / 2) {
        __m512 acc[kD / 2];
#pragma GCC unroll 12
        for (int a = 0; a < kD / 2; ++a) acc[a] = _mm512_set1_ps(p.bias[half + a]);
#pragma GCC unroll 24
        for (int k = 0; k < kD; ++k) {
          __m512 column = _mm512_loadu_ps(tile + k * 16);
#pragma GCC unroll 12
          for (int a = 0; a < kD / 2; ++a)
            acc[a] = _mm512_fmadd_ps(_mm512_set1_ps(p.W[(half + a) * kD + k]), column, acc[a]);
        }
#pragma GCC unroll 12
        for (int a = 0; a < kD / 2; ++a) e = _mm512_fmadd_ps(_mm512_set1_ps(p.v[half + a]), tanh(acc[a]), e);
      }
      _mm512_storeu_ps(scores + g, e);
    }
    __m512 m = _mm512_loadu_ps(scores + t0);
    for (int64_t g = t0 + 16; g < t0 + chunk; g += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(scores + g));
    const float top = laneMax(m);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t g = t0; g < t0 + chunk; g += 16) {
      __m512 e = exp(_mm512_sub_ps(_mm512_loadu_ps(scores + g), _mm512_set1_ps(top)));
      _mm512_storeu_ps(scores + g, e);
      sum = _mm512_add_ps(sum, e);
    }
    __m512 low[4] = {}, lowSum;
    __m256 high[4] = {}, highSum;
    for (int64_t t = t0; t < t0 + chunk; t += 4)
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const float *ht = p.h.data() + (b * p.T + t + j) * kD;
        low[j] = _mm512_fmadd_ps(_mm512_set1_ps(scores[t + j]), _mm512_loadu_ps(ht), low[j]);
        high[j] = _mm256_fmadd_ps(_mm256_set1_ps(scores[t + j]), _mm256_loadu_ps(ht + 16), high[j]);
      }
    lowSum = _mm512_add_ps(_mm512_add_ps(low[0], low[1]), _mm512_add_ps(low[2], low[3]));
    highSum = _mm256_add_ps(_mm256_add_ps(high[0], high[1]), _mm256_add_ps(high[2], high[3]));
    float *ctx = p.chunkContext.data() + c * kD;
    _mm512_storeu_ps(ctx, lowSum);
    _mm256_storeu_ps(ctx + 16, highSum);
    p.chunkMax[c] = top;
    p.chunkSum[c] = laneSum(sum);
  }
  float top = p.chunkMax[0];
  for (int64_t c = 1; c < chunks; ++c) top = std::max(top, p.chunkMax[c]);
  float total = 0, context[kD] = {};
  for (int64_t c = 0; c < chunks; ++c) {
    float scale = std::exp(p.chunkMax[c] - top);
    total += p.chunkSum[c] * scale;
    for (int d = 0; d < kD; ++d) context[d] += p.chunkContext[c * kD + d] * scale;
  }
  for (int d = 0; d < kD; ++d) p.context[b * kD + d] = context[d] / total;
  for (int64_t c = 0; c < chunks; ++c) {
    __m512 scale = _mm512_set1_ps(std::exp(p.chunkMax[c] - top) / total);
    for (int64_t t = c * chunk; t < (c + 1) * chunk; t += 16)
      _mm512_storeu_ps(p.alpha.data() + b * p.T + t, _mm512_mul_ps(_mm512_loadu_ps(scores + t), scale));
  }
}

/// The block in double precision: the benchmark's check of the floor.
inline std::string check(const Problem &p) {
  for (int64_t b = 0; b < p.B; ++b) {
    std::vector<double> e(p.T);
    double top = -INFINITY;
    for (int64_t t = 0; t < p.T; ++t) {
      const float *ht = p.h.data() + (b * p.T + t) * kD;
      double s = 0;
      for (int a = 0; a < kD; ++a) {
        double u = p.bias[a];
        for (int k = 0; k < kD; ++k) u += double(p.W[a * kD + k]) * ht[k];
        s += double(p.v[a]) * std::tanh(u);
      }
      e[t] = s;
      top = std::max(top, s);
    }
    double total = 0;
    for (double &x : e) total += (x = std::exp(x - top));
    for (int d = 0; d < kD; ++d) {
      double ctx = 0;
      for (int64_t t = 0; t < p.T; ++t) ctx += e[t] / total * p.h[(b * p.T + t) * kD + d];
      if (std::abs(p.context[b * kD + d] - ctx) > 1e-5 + 1e-4 * std::abs(ctx))
        return "context[" + std::to_string(b) + "][" + std::to_string(d) + "] " + std::to_string(p.context[b * kD + d]) +
               " against " + std::to_string(ctx);
    }
    for (int64_t t = 0; t < p.T; ++t)
      if (double a = e[t] / total; std::abs(p.alpha[b * p.T + t] - a) > 1e-5 + 1e-4 * std::abs(a))
        return "alpha[" + std::to_string(b) + "][" + std::to_string(t) + "]";
  }
  return "";
}

} // namespace floor_kernel

/// Times the floor kernel over a [B, T, 24] block (T a multiple of 16;
/// weights and h uniform in [-1, 1), scaled as PyTorch's Linear init).
inline void runAdditiveFloor(benchmark::State &state, int64_t B, int64_t T) {
  using namespace floor_kernel;
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
    state.SkipWithError("needs AVX-512");
    return;
  }
  Problem p;
  p.B = B;
  p.T = T;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto fill = [&](std::vector<float> &x, size_t n, float scale) {
    x.resize(n);
    for (float &f : x) f = unit(random) * scale;
  };
  const float scale = 1.0f / std::sqrt(float(kD));
  fill(p.h, size_t(B * T * kD), 1.0f);
  fill(p.W, kD * kD, scale);
  fill(p.bias, kD, scale);
  fill(p.v, kD, scale);
  p.hT.resize(p.h.size());
  for (int64_t g = 0; g < B * T; g += 16)
    for (int k = 0; k < kD; ++k)
      for (int l = 0; l < 16; ++l) p.hT[g * kD + k * 16 + l] = p.h[(g + l) * kD + k];
  p.context.resize(size_t(B * kD));
  p.alpha.resize(size_t(B * T));
  p.scores.resize(size_t(B * T));
  int64_t chunks = T / std::min<int64_t>(T, kChunk);
  p.chunkMax.resize(size_t(chunks));
  p.chunkSum.resize(size_t(chunks));
  p.chunkContext.resize(size_t(chunks * kD));
  for (int64_t b = 0; b < B; ++b) row(p, b);
  if (std::string wrong = check(p); !wrong.empty()) {
    state.SkipWithError(("the floor kernel computes a wrong " + wrong).c_str());
    return;
  }
  for (auto _ : state) {
    for (int64_t b = 0; b < B; ++b) row(p, b);
    benchmark::DoNotOptimize(p.context.data());
    benchmark::DoNotOptimize(p.alpha.data());
  }
}
#undef ATTN_FLOOR_TARGET
#pragma GCC diagnostic pop
#else
inline void runAdditiveFloor(benchmark::State &state, int64_t, int64_t) { state.SkipWithError("needs x86-64"); }
#endif

} // namespace attn::bench
