// Owning tensor storage and small shape helpers.
#include "runtime/Tensor.h"

#include <cstdlib>

namespace attn {

std::string shapeToString(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

void Tensor::FreeDeleter::operator()(void *p) const { std::free(p); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  size_t bytes = byteSize();
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  void *p = std::aligned_alloc(64, rounded);
  std::memset(p, 0, rounded);
  storage_.reset(p);
}

Tensor Tensor::copyOf(const TensorView &view) {
  Tensor t(view.dtype, view.shape);
  if (view.byteSize()) std::memcpy(t.data(), view.data, view.byteSize());
  return t;
}

} // namespace attn
