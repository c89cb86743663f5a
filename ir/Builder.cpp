// Node creation with type inference.
#include "ir/Builder.h"

#include "ir/ShapeInference.h"

namespace attn::ir {

Result<Node *> Builder::create(OpKind op, std::vector<Value *> operands, Attrs attrs,
                               SourceLoc loc) {
  std::vector<Type> types;
  for (Value *v : operands) types.push_back(v->type);
  auto results = inferResultTypes(op, types, attrs);
  if (!results) return results.status();
  return graph_.insertNode(insertBefore_, op, std::move(operands), *results, std::move(attrs), loc);
}

Result<Value *> Builder::createValue(OpKind op, std::vector<Value *> operands, Attrs attrs,
                                     SourceLoc loc) {
  auto node = create(op, std::move(operands), std::move(attrs), loc);
  if (!node) return node.status();
  return (*node)->result(0);
}

Value *Builder::constant(double value, DType dtype, SourceLoc loc) {
  Attrs a;
  a.Value = value;
  a.DType = dtype;
  return graph_.insertNode(insertBefore_, OpKind::Constant, {}, {Type{dtype, {}}}, a, loc)->result(0);
}

} // namespace attn::ir
