// Reductions (sum, mean, max, argmax over one axis or all) and the
// normalisations softmax and log_softmax. Every kernel sees its input as
// [outer, size, inner] around the axis (splitAxis): element (o, k, i) is at
// (o*size + k)*inner + i, and the result element (o, i) at o*inner + i, which
// is also the layout of the result with or without keepdim.
#include "codegen/interp/Elementwise.h"

namespace attn::interp {

namespace {

int64_t at(const AxisSplit &s, int64_t o, int64_t k, int64_t i) {
  return (o * s.size + k) * s.inner + i;
}

/// torch.max and torch.argmax treat NaN as larger than any number.
template <typename T> bool greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a)) return !std::isnan(b);
  return a > b;
}

Status emptyReduction(const KernelArgs &args) {
  std::string what(ir::mnemonic(args.node.op));
  if (!args.attrs().Axis) return Status::error(what + ": cannot reduce a tensor with no elements");
  return Status::error(what + ": cannot reduce over axis " + std::to_string(*args.attrs().Axis) +
                       ", which has size 0");
}

/// Index along the axis of the first largest element, for each (o, i).
template <typename T> std::vector<int64_t> argmaxIndices(const T *in, const AxisSplit &s) {
  std::vector<int64_t> best(size_t(s.outer * s.inner), 0);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t &b = best[o * s.inner + i];
      for (int64_t k = 1; k < s.size; ++k)
        if (greater(in[at(s, o, k, i)], in[at(s, o, b, i)])) b = k;
    }
  return best;
}

} // namespace

// Integers sum into i64 (the typing rule), wrapping like torch.sum.
KernelResult sumKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  Tensor y = args.makeResult(0);
  visitNumeric(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    using Sum = std::conditional_t<std::is_integral_v<T>, int64_t, float>;
    const T *in = x.as<T>();
    Sum *out = y.as<Sum>();
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i = 0; i < s.inner; ++i) {
        Sum sum = 0;
        for (int64_t k = 0; k < s.size; ++k) sum = wrapAdd(sum, Sum(in[at(s, o, k, i)]));
        out[o * s.inner + i] = sum;
      }
  });
  return results(std::move(y));
}

// The mean of nothing is 0/0 = NaN, as in torch.mean.
KernelResult meanKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  Tensor y = args.makeResult(0);
  const float *in = x.as<float>();
  float *out = y.as<float>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      float sum = 0.0f;
      for (int64_t k = 0; k < s.size; ++k) sum += in[at(s, o, k, i)];
      out[o * s.inner + i] = sum / float(s.size);
    }
  return results(std::move(y));
}

KernelResult maxKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  if (s.size == 0) return emptyReduction(args);
  Tensor y = args.makeResult(0);
  visitNumeric(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *in = x.as<T>();
    std::vector<int64_t> best = argmaxIndices(in, s);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i = 0; i < s.inner; ++i)
        y.as<T>()[o * s.inner + i] = in[at(s, o, best[o * s.inner + i], i)];
  });
  return results(std::move(y));
}

// With no axis the index is into the flattened tensor, as torch.argmax's.
KernelResult argmaxKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  if (s.size == 0) return emptyReduction(args);
  Tensor y = args.makeResult(0);
  visitNumeric(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    std::vector<int64_t> best = argmaxIndices(x.as<T>(), s);
    std::copy(best.begin(), best.end(), y.as<int64_t>());
  });
  return results(std::move(y));
}

// The mask (bool, broadcast to the scores) keeps the positions where it is
// true; see maskedSoftmax for the fully masked row.
KernelResult softmaxKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  std::vector<uint8_t> keep;
  if (args.operands.size() == 2) {
    const uint8_t *mask = args.operand(1).as<uint8_t>();
    for (int64_t offset : broadcastOffsets(args.operand(1).shape, x.shape))
      keep.push_back(mask[offset]);
  }
  Tensor y = args.makeResult(0);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t first = at(s, o, 0, i);
      maskedSoftmax(x.as<float>() + first, keep.empty() ? nullptr : keep.data() + first, s.size,
                    s.inner, s.inner, y.as<float>() + first);
    }
  return results(std::move(y));
}

// log_softmax(x)_k = (x_k - max) - log sum_j exp(x_j - max): the logsumexp
// form, finite even where softmax underflows to 0.
KernelResult logSoftmaxKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  AxisSplit s = splitAxis(x.shape, args.attrs().Axis);
  Tensor y = args.makeResult(0);
  const float *in = x.as<float>();
  float *out = y.as<float>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      float maxValue = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < s.size; ++k) maxValue = std::max(maxValue, in[at(s, o, k, i)]);
      float sum = 0.0f;
      for (int64_t k = 0; k < s.size; ++k) sum += std::exp(in[at(s, o, k, i)] - maxValue);
      float logSum = std::log(sum);
      for (int64_t k = 0; k < s.size; ++k)
        out[at(s, o, k, i)] = (in[at(s, o, k, i)] - maxValue) - logSum;
    }
  return results(std::move(y));
}

} // namespace attn::interp
