// The checked way to add nodes: infers result types (ShapeInference.h) and
// returns the typing error as a value instead of building an ill-typed node.
#pragma once

#include "ir/Graph.h"
#include "runtime/Status.h"

namespace attn::ir {

class Builder {
public:
  explicit Builder(Graph &graph, Node *insertBefore = nullptr)
      : graph_(graph), insertBefore_(insertBefore) {}

  Result<Node *> create(OpKind op, std::vector<Value *> operands, Attrs attrs = {},
                        SourceLoc loc = {});
  /// For ops with one result.
  Result<Value *> createValue(OpKind op, std::vector<Value *> operands, Attrs attrs = {},
                              SourceLoc loc = {});
  /// A scalar constant of `dtype`.
  Value *constant(double value, DType dtype, SourceLoc loc = {});

  Graph &graph() { return graph_; }

private:
  Graph &graph_;
  Node *insertBefore_;
};

} // namespace attn::ir
