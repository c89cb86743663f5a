// Printing and sizes of IR types.
#include "ir/Type.h"

namespace attn::ir {

std::string Type::str() const {
  std::string s(dtypeName(dtype));
  if (!shape.empty()) s += dimsToString(shape);
  return s;
}

std::optional<int64_t> Type::constantByteSize() const {
  int64_t bytes = int64_t(dtypeSize(dtype));
  for (const Dim &d : shape) {
    std::optional<int64_t> n = d.constant();
    if (!n || *n < 0 || __builtin_mul_overflow(bytes, *n, &bytes)) return std::nullopt;
  }
  return bytes;
}

} // namespace attn::ir
