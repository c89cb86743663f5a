// The type of an IR value: an element dtype and a shape of Dims.
#pragma once

#include "ir/Dim.h"
#include "runtime/DType.h"

#include <string>

namespace attn::ir {

struct Type {
  DType dtype = DType::F32;
  DimList shape;

  int64_t rank() const { return int64_t(shape.size()); }
  bool isScalar() const { return shape.empty(); }
  bool operator==(const Type &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const Type &o) const { return !(*this == o); }
  /// "f32[B, T, 24]", "i64" for a scalar.
  std::string str() const;
  /// The size in bytes of a tensor of this type when every dim is constant;
  /// nullopt when one is symbolic or the size overflows int64.
  std::optional<int64_t> constantByteSize() const;
};

} // namespace attn::ir
