// Kernels of linear algebra and of the simple layers: matmul (torch.matmul),
// linear, embedding and layer_norm.
#include "codegen/interp/Elementwise.h"

#include <cstring>

namespace attn::interp {

namespace {

int64_t product(Shape::const_iterator begin, Shape::const_iterator end) {
  int64_t p = 1;
  for (auto it = begin; it != end; ++it) p *= *it;
  return p;
}

/// C = A B for row-major A [m, k], B [k, n].
template <typename T> void multiply(const T *a, const T *b, int64_t m, int64_t k, int64_t n, T *c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < k; ++p) sum = wrapAdd(sum, wrapMul(a[i * k + p], b[p * n + j]));
      c[i * n + j] = sum;
    }
}

} // namespace

// torch.matmul: a 1-D left operand is a row [1, k] and a 1-D right operand a
// column [k, 1], the added axis dropped from the result; leading (batch) axes
// broadcast. The result is batch + [m] (unless a was 1-D) + [n] (unless b
// was), so its leading axes are the broadcast batch shape.
KernelResult matmulKernel(const KernelArgs &args) {
  Shape aShape = args.operand(0).shape, bShape = args.operand(1).shape;
  bool vectorA = aShape.size() == 1, vectorB = bShape.size() == 1;
  if (vectorA) aShape.insert(aShape.begin(), 1);
  if (vectorB) bShape.push_back(1);
  int64_t m = aShape[aShape.size() - 2], k = aShape.back(), n = bShape.back();
  Shape batchA(aShape.begin(), aShape.end() - 2), batchB(bShape.begin(), bShape.end() - 2);
  const Shape &result = args.resultShapes[0];
  size_t batchRank = result.size() - (vectorA ? 0 : 1) - (vectorB ? 0 : 1);
  Shape batch(result.begin(), result.begin() + batchRank);
  std::vector<int64_t> aAt = broadcastOffsets(batchA, batch), bAt = broadcastOffsets(batchB, batch);
  Tensor y = args.makeResult(0);
  visitNumeric(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    for (size_t i = 0; i < aAt.size(); ++i)
      multiply(args.operand(0).as<T>() + aAt[i] * m * k, args.operand(1).as<T>() + bAt[i] * k * n,
               m, k, n, y.as<T>() + int64_t(i) * m * n);
  });
  return results(std::move(y));
}

// y = x weight^T + bias over the last axis: y[r, o] = sum_i x[r, i] w[o, i] + b[o].
KernelResult linearKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0), &weight = args.operand(1);
  int64_t in = weight.shape[1], out = weight.shape[0];
  int64_t rows = product(x.shape.begin(), x.shape.end() - 1);
  const float *bias = args.operands.size() == 3 ? args.operand(2).as<float>() : nullptr;
  Tensor y = args.makeResult(0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      float sum = 0.0f;
      for (int64_t i = 0; i < in; ++i)
        sum += x.as<float>()[r * in + i] * weight.as<float>()[o * in + i];
      y.as<float>()[r * out + o] = bias ? sum + bias[o] : sum;
    }
  return results(std::move(y));
}

// y[p, :] = weight[ids[p], :]. The ids come from the user, so each is checked.
KernelResult embeddingKernel(const KernelArgs &args) {
  const TensorView &ids = args.operand(0), &weight = args.operand(1);
  int64_t num = weight.shape[0];
  size_t rowBytes = size_t(weight.shape[1]) * dtypeSize(weight.dtype);
  Tensor y = args.makeResult(0);
  for (int64_t p = 0; p < ids.numElements(); ++p) {
    int64_t id = integerAt(ids, p);
    if (id < 0 || id >= num)
      return Status::error("embedding: token id " + std::to_string(id) + " at position " +
                           shapeToString(unravelIndex(p, ids.shape)) + " is out of range [0, " +
                           std::to_string(num) + ")");
    if (rowBytes)
      std::memcpy(static_cast<std::byte *>(y.data()) + size_t(p) * rowBytes,
                  static_cast<const std::byte *>(weight.data) + size_t(id) * rowBytes, rowBytes);
  }
  return results(std::move(y));
}

// Over the trailing NormRank axes: y = (x - mean) / sqrt(var + eps) * w + b,
// var the biased variance (divided by n), as torch.nn.functional.layer_norm.
KernelResult layerNormKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  int64_t n = product(x.shape.end() - args.attrs().NormRank, x.shape.end());
  int64_t rows = product(x.shape.begin(), x.shape.end() - args.attrs().NormRank);
  const float *weight = args.operands.size() > 1 ? args.operand(1).as<float>() : nullptr;
  const float *bias = args.operands.size() > 2 ? args.operand(2).as<float>() : nullptr;
  auto eps = float(args.attrs().Eps);
  Tensor y = args.makeResult(0);
  for (int64_t r = 0; r < rows; ++r) {
    const float *in = x.as<float>() + r * n;
    float *out = y.as<float>() + r * n;
    float mean = 0.0f, variance = 0.0f;
    for (int64_t i = 0; i < n; ++i) mean += in[i];
    mean /= float(n);
    for (int64_t i = 0; i < n; ++i) variance += (in[i] - mean) * (in[i] - mean);
    variance /= float(n);
    float scale = 1.0f / std::sqrt(variance + eps);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = (in[i] - mean) * scale;
      if (weight) out[i] *= weight[i];
      if (bias) out[i] += bias[i];
    }
  }
  return results(std::move(y));
}

// torch.nn.functional.conv1d, groups = 1: y[b, o, t] = bias[o] + sum over c
// and k (in that order) of x[b, c, t*stride - padding + k*dilation] w[o, c, k],
// positions outside [0, L) reading zero.
KernelResult conv1dKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0), &w = args.operand(1);
  const ir::Attrs &a = args.attrs();
  const float *bias = args.operands.size() > 2 ? args.operand(2).as<float>() : nullptr;
  int64_t B = x.shape[0], C = x.shape[1], L = x.shape[2], O = w.shape[0], K = w.shape[2];
  Tensor y = args.makeResult(0);
  int64_t T = y.shape()[2];
  const float *in = x.as<float>(), *weight = w.as<float>();
  float *out = y.as<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t t = 0; t < T; ++t) {
        float sum = bias ? bias[o] : 0.0f;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t k = 0; k < K; ++k) {
            int64_t at = t * a.Stride - a.Padding + k * a.Dilation;
            if (at >= 0 && at < L) sum += in[(b * C + c) * L + at] * weight[(o * C + c) * K + k];
          }
        out[(b * O + o) * T + t] = sum;
      }
  return results(std::move(y));
}

} // namespace attn::interp
