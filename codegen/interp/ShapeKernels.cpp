// Shape kernels: data movement only, so they work on bytes and serve every
// dtype. Tensors are contiguous row-major, so reshape, squeeze and unsqueeze
// copy the bytes unchanged; permutations gather element by element.
#include "codegen/interp/Kernel.h"

#include "codegen/common/ModuleChecks.h"

#include <cstring>

namespace attn::interp {

namespace {

/// y[p_0, ..., p_n] = x[q] with q[perm[k]] = p[k] (torch.permute).
Tensor permuted(const TensorView &x, const std::vector<int64_t> &perm, Tensor y) {
  Shape strides(x.shape.size(), 1);
  for (size_t k = x.shape.size(); k-- > 1;) strides[k - 1] = strides[k] * x.shape[k];
  size_t elementSize = dtypeSize(x.dtype);
  auto *in = static_cast<const std::byte *>(x.data);
  auto *out = static_cast<std::byte *>(y.data());
  for (int64_t j = 0; j < y.numElements(); ++j) {
    Shape position = unravelIndex(j, y.shape());
    int64_t from = 0;
    for (size_t k = 0; k < perm.size(); ++k) from += position[k] * strides[perm[k]];
    std::memcpy(out + j * elementSize, in + from * elementSize, elementSize);
  }
  return y;
}

} // namespace

KernelResult transposeKernel(const KernelArgs &args) {
  std::vector<int64_t> perm(args.operand(0).shape.size());
  for (size_t k = 0; k < perm.size(); ++k) perm[k] = int64_t(k);
  std::swap(perm[*args.attrs().Axis], perm[args.attrs().Axis2]);
  return results(permuted(args.operand(0), perm, args.makeResult(0)));
}

KernelResult permuteKernel(const KernelArgs &args) {
  return results(permuted(args.operand(0), args.attrs().Perm, args.makeResult(0)));
}

KernelResult reshapeKernel(const KernelArgs &args) {
  Tensor y = args.makeResult(0);
  assert(y.byteSize() == args.operand(0).byteSize() && "reshape keeps the element count");
  if (y.byteSize()) std::memcpy(y.data(), args.operand(0).data, y.byteSize());
  return results(std::move(y));
}

// Around the axis every operand is [outer, size_i, inner] and the result
// [outer, sum_i size_i, inner]: each outer row is the operands' rows in turn.
KernelResult concatKernel(const KernelArgs &args) {
  int64_t axis = *args.attrs().Axis;
  Tensor y = args.makeResult(0);
  AxisSplit whole = splitAxis(y.shape(), axis);
  size_t elementSize = dtypeSize(y.dtype());
  auto *out = static_cast<std::byte *>(y.data());
  int64_t start = 0;
  for (const TensorView &x : args.operands) {
    AxisSplit part = splitAxis(x.shape, axis);
    size_t rowBytes = size_t(part.size * part.inner) * elementSize;
    for (int64_t o = 0; o < part.outer; ++o)
      if (rowBytes)
        std::memcpy(out + size_t((o * whole.size + start) * whole.inner) * elementSize,
                    static_cast<const std::byte *>(x.data) + o * rowBytes, rowBytes);
    start += part.size;
  }
  return results(std::move(y));
}

// [start, end) along the axis; the bounds are dims and may only be known now.
KernelResult sliceKernel(const KernelArgs &args) {
  const TensorView &x = args.operand(0);
  int64_t axis = *args.attrs().Axis;
  AxisSplit s = splitAxis(x.shape, axis);
  auto range = codegen::sliceRange(args.attrs(), args.dims, s.size);
  if (!range) return range.status();
  auto [start, end] = *range;
  Tensor y = args.makeResult(0);
  size_t elementSize = dtypeSize(x.dtype);
  size_t rowBytes = size_t((end - start) * s.inner) * elementSize;
  auto *out = static_cast<std::byte *>(y.data());
  auto *in = static_cast<const std::byte *>(x.data);
  for (int64_t o = 0; o < s.outer; ++o)
    if (rowBytes)
      std::memcpy(out + o * rowBytes, in + size_t((o * s.size + start) * s.inner) * elementSize,
                  rowBytes);
  return results(std::move(y));
}

// mask[b, t] = t < lengths[b]; any length is allowed (<= 0: a row of false).
KernelResult sequenceMaskKernel(const KernelArgs &args) {
  const TensorView &lengths = args.operand(0);
  Tensor y = args.makeResult(0);
  int64_t B = y.shape()[0], T = y.shape()[1];
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) y.as<uint8_t>()[b * T + t] = t < integerAt(lengths, b);
  return results(std::move(y));
}

} // namespace attn::interp
