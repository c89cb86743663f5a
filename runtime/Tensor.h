// Tensors at run time: a non-owning TensorView (dtype, shape, contiguous
// row-major data) and an owning Tensor. Kernels take views; whoever allocates
// owns a Tensor (or maps a file, see Safetensors.h).
#pragma once

#include "runtime/DType.h"
#include "runtime/Status.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace attn {

using Shape = std::vector<int64_t>;

/// Number of elements of a shape (1 for a scalar).
inline int64_t numElements(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// "[2, 3, 4]"
std::string shapeToString(std::span<const int64_t> shape);

/// A view of contiguous row-major data owned by someone else.
struct TensorView {
  DType dtype = DType::F32;
  Shape shape;
  void *data = nullptr;

  int64_t numElements() const { return attn::numElements(shape); }
  size_t byteSize() const { return size_t(numElements()) * dtypeSize(dtype); }
  int64_t rank() const { return int64_t(shape.size()); }
  template <typename T> T *as() const { return static_cast<T *>(data); }
};

/// Tensors by name: an inputs file, a function's results, a weights file.
using NamedTensorViews = std::vector<std::pair<std::string, TensorView>>;

/// An owning tensor: 64-byte aligned, zero-initialised storage (but see
/// allocate()).
class Tensor {
public:
  Tensor() = default;
  /// Zeroed storage for a shape the caller trusts; throws std::bad_alloc
  /// (as std::vector would) when the size overflows or the system refuses.
  /// Sizes from a stranger's file go through allocate().
  Tensor(DType dtype, Shape shape);

  enum class Init { Zeroed, Uninitialized };
  /// A tensor of `dtype` and `shape`, or an error when its byte size
  /// overflows (Memory.h) or the system refuses the memory. Uninitialized:
  /// for a buffer written in full before anything reads it (the results of
  /// compiled code).
  static Result<Tensor> allocate(DType dtype, Shape shape, Init init = Init::Zeroed);

  /// A tensor holding a copy of `view` (throws as the constructor).
  static Tensor copyOf(const TensorView &view);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t numElements() const { return attn::numElements(shape_); }
  size_t byteSize() const { return size_t(numElements()) * dtypeSize(dtype_); }
  void *data() { return storage_.get(); }
  const void *data() const { return storage_.get(); }
  template <typename T> T *as() { return static_cast<T *>(data()); }
  template <typename T> const T *as() const { return static_cast<const T *>(data()); }
  TensorView view() const { return TensorView{dtype_, shape_, storage_.get()}; }
  /// Gives up the storage: the caller frees it with std::free (the C API's
  /// attn_free). The tensor is left without data.
  void *release() { return storage_.release(); }

private:
  struct FreeDeleter {
    void operator()(void *p) const;
  };
  DType dtype_ = DType::F32;
  Shape shape_;
  std::unique_ptr<void, FreeDeleter> storage_;
};

} // namespace attn
