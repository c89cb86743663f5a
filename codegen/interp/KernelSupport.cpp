// Helpers shared by the interpreter's kernels: result packing, axis splitting,
// broadcasting offsets and the masked softmax of one row.
#include "codegen/interp/Kernel.h"

#include <cmath>
#include <limits>

namespace attn::interp {

KernelResult results(Tensor a) {
  std::vector<Tensor> r;
  r.push_back(std::move(a));
  return r;
}

KernelResult results(Tensor a, Tensor b) {
  std::vector<Tensor> r;
  r.push_back(std::move(a));
  r.push_back(std::move(b));
  return r;
}

KernelResult results(Tensor a, Tensor b, Tensor c) {
  std::vector<Tensor> r;
  r.push_back(std::move(a));
  r.push_back(std::move(b));
  r.push_back(std::move(c));
  return r;
}

int64_t integerAt(const TensorView &view, int64_t index) {
  assert(isInteger(view.dtype) && "an integer tensor was expected");
  return view.dtype == DType::I64 ? view.as<int64_t>()[index] : view.as<int32_t>()[index];
}

AxisSplit splitAxis(const Shape &shape, std::optional<int64_t> axis) {
  AxisSplit s;
  if (!axis) {
    s.size = numElements(shape);
    return s;
  }
  for (int64_t i = 0; i < int64_t(shape.size()); ++i) {
    if (i < *axis)
      s.outer *= shape[i];
    else if (i == *axis)
      s.size = shape[i];
    else
      s.inner *= shape[i];
  }
  return s;
}

Shape unravelIndex(int64_t index, const Shape &shape) {
  Shape position(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    position[k] = index % shape[k];
    index /= shape[k];
  }
  return position;
}

std::vector<int64_t> broadcastOffsets(const Shape &in, const Shape &out) {
  assert(in.size() <= out.size() && "broadcasting never drops axes");
  // in's axes align with out's trailing axes; an axis of size 1 repeats (stride 0).
  size_t lead = out.size() - in.size();
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  for (size_t k = in.size(); k-- > 0;) {
    assert((in[k] == out[lead + k] || in[k] == 1) && "shapes do not broadcast");
    strides[lead + k] = in[k] == 1 ? 0 : stride;
    stride *= in[k];
  }
  int64_t count = numElements(out);
  std::vector<int64_t> offsets(size_t(count), 0);
  for (int64_t i = 0; i < count; ++i) {
    Shape position = unravelIndex(i, out);
    for (size_t k = 0; k < out.size(); ++k) offsets[i] += position[k] * strides[k];
  }
  return offsets;
}

void maskedSoftmax(const float *x, const uint8_t *keep, int64_t n, int64_t stride,
                   int64_t keepStride, float *y) {
  auto kept = [&](int64_t k) { return !keep || keep[k * keepStride] != 0; };
  float maxValue = -std::numeric_limits<float>::infinity();
  bool any = false;
  for (int64_t k = 0; k < n; ++k)
    if (kept(k)) {
      any = true;
      maxValue = std::max(maxValue, x[k * stride]);
    }
  if (!any) { // every position masked: zeros, not 0/0
    for (int64_t k = 0; k < n; ++k) y[k * stride] = 0.0f;
    return;
  }
  float sum = 0.0f;
  for (int64_t k = 0; k < n; ++k) {
    y[k * stride] = kept(k) ? std::exp(x[k * stride] - maxValue) : 0.0f;
    sum += y[k * stride];
  }
  // Masked positions stay exactly 0 even when the kept ones are NaN (all
  // -inf, or a NaN score): language.md's promise for softmax(.., mask=m).
  for (int64_t k = 0; k < n; ++k)
    if (kept(k)) y[k * stride] /= sum;
}

} // namespace attn::interp
