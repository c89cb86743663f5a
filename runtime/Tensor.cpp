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

Tensor::Tensor(DType dtype, Shape shape) : Tensor(uninitialized(dtype, std::move(shape))) {
  std::memset(storage_.get(), 0, byteSize());
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  size_t rounded = (t.byteSize() + 63) / 64 * 64;
  t.storage_.reset(std::aligned_alloc(64, rounded == 0 ? 64 : rounded));
  return t;
}

Tensor Tensor::copyOf(const TensorView &view) {
  Tensor t(view.dtype, view.shape);
  if (view.byteSize()) std::memcpy(t.data(), view.data, view.byteSize());
  return t;
}

} // namespace attn
