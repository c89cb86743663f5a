// The fused attention ops of architecture.md, evaluated the unfused way: all
// scores of a row, then the masked softmax, then the weighted sum.
//   additive_attention(h, W, b, v [, mask]): e_t = v . tanh(W h_t + b)
//   dot_attention(h, q [, mask]):            e_t = q . h_t
// then alpha = softmax_t(e) (masked positions 0, a fully masked row all 0)
// and context = sum_t alpha_t h_t; h is [B, T, D], the mask bool [B, T].
// With the fill attribute (the where/masked_fill spelling), a masked score
// is the fill instead and the softmax is plain: PyTorch's result, NaN for a
// row filled with -inf everywhere.
#include "codegen/interp/Kernel.h"

#include <cmath>
#include <functional>

namespace attn::interp {

namespace {

/// Given score(r, t) for each query row r, the results (context [B(, S), D],
/// alpha [B(, S), T]); `S` query rows per batch row (dot_attention with q
/// [B, S, D]; else 1), row r reading h and the mask of batch row r / S.
KernelResult attend(const KernelArgs &args, const TensorView *mask, int64_t S,
                    const std::function<float(int64_t, int64_t)> &score) {
  const TensorView &h = args.operand(0);
  int64_t B = h.shape[0], T = h.shape[1], D = h.shape[2];
  Tensor context = args.makeResult(0), alpha = args.makeResult(1);
  // One row's scores; none when there are no rows (T is then bounded by
  // nothing: an input of shape [0, 2^40] is valid).
  std::vector<float> scores(static_cast<size_t>(B * S > 0 ? T : 0));
  for (int64_t r = 0; r < B * S; ++r) {
    int64_t b = r / S;
    const uint8_t *keep = mask ? mask->as<uint8_t>() + b * T : nullptr;
    const std::optional<double> &fill = args.attrs().Fill;
    for (int64_t t = 0; t < T; ++t) scores[t] = keep && fill && !keep[t] ? float(*fill) : score(r, t);
    if (fill) keep = nullptr;
    float *weights = alpha.as<float>() + r * T;
    maskedSoftmax(scores.data(), keep, T, 1, 1, weights);
    for (int64_t d = 0; d < D; ++d) {
      float sum = 0.0f;
      for (int64_t t = 0; t < T; ++t) sum += weights[t] * h.as<float>()[(b * T + t) * D + d];
      context.as<float>()[r * D + d] = sum;
    }
  }
  return results(std::move(context), std::move(alpha));
}

} // namespace

KernelResult additiveAttentionKernel(const KernelArgs &args) {
  const TensorView &h = args.operand(0), &w = args.operand(1);
  const float *bias = args.operand(2).as<float>(), *v = args.operand(3).as<float>();
  int64_t T = h.shape[1], D = h.shape[2], A = w.shape[0];
  auto score = [&](int64_t b, int64_t t) {
    const float *ht = h.as<float>() + (b * T + t) * D;
    float e = 0.0f;
    for (int64_t i = 0; i < A; ++i) {
      float u = 0.0f;
      for (int64_t d = 0; d < D; ++d) u += w.as<float>()[i * D + d] * ht[d];
      e += v[i] * std::tanh(u + bias[i]);
    }
    return e;
  };
  return attend(args, args.operands.size() == 5 ? &args.operand(4) : nullptr, 1, score);
}

KernelResult dotAttentionKernel(const KernelArgs &args) {
  const TensorView &h = args.operand(0), &q = args.operand(1);
  int64_t T = h.shape[1], D = h.shape[2], S = q.shape.size() == 3 ? q.shape[1] : 1;
  auto score = [&](int64_t r, int64_t t) {
    float e = 0.0f;
    for (int64_t d = 0; d < D; ++d)
      e += q.as<float>()[r * D + d] * h.as<float>()[((r / S) * T + t) * D + d];
    return e;
  };
  return attend(args, args.operands.size() == 3 ? &args.operand(2) : nullptr, S, score);
}

} // namespace attn::interp
