// Printing of IR types.
#include "ir/Type.h"

namespace attn::ir {

std::string Type::str() const {
  std::string s(dtypeName(dtype));
  if (!shape.empty()) s += dimsToString(shape);
  return s;
}

} // namespace attn::ir
