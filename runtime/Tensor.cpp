// Owning tensor storage and small shape helpers.
#include "runtime/Tensor.h"

#include "runtime/Memory.h"

#include <cstdlib>
#include <new>

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

Tensor::Tensor(DType dtype, Shape shape) {
  auto t = allocate(dtype, std::move(shape), Init::Zeroed);
  if (!t) throw std::bad_alloc();
  *this = std::move(*t);
}

Result<Tensor> Tensor::allocate(DType dtype, Shape shape, Init init) {
  auto bytes = checkedTensorBytes(dtype, shape);
  if (!bytes)
    return Status::error("a " + std::string(dtypeName(dtype)) + shapeToString(shape) +
                         " tensor has more bytes than memory can address");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  uint64_t rounded = (*bytes + 63) / 64 * 64;
  t.storage_.reset(std::aligned_alloc(64, rounded == 0 ? 64 : size_t(rounded)));
  if (!t.storage_)
    return Status::error("out of memory: the system refused " + formatBytes(rounded) + " for a " +
                         std::string(dtypeName(dtype)) + shapeToString(t.shape_) + " tensor");
  if (init == Init::Zeroed) std::memset(t.storage_.get(), 0, size_t(*bytes));
  return t;
}

Tensor Tensor::copyOf(const TensorView &view) {
  Tensor t(view.dtype, view.shape);
  if (view.byteSize()) std::memcpy(t.data(), view.data, view.byteSize());
  return t;
}

} // namespace attn
