// The checks of a run that depend on the dims alone, done on the host before
// the generated code runs, and the messages of the errors the generated code
// reports (RuntimeAbi.h); both word for word the interpreter's, with the
// op's source location. Also the order of the dims passed to the code.
#pragma once

#include "codegen/common/ModuleChecks.h"

#include <string>
#include <vector>

namespace attn::llvmcg {

/// The graph's symbols in the order of the `dims` words: first appearance in
/// the arguments' shapes (plain-symbol dims only).
std::vector<std::string> functionSymbols(const ir::Graph &graph);

/// The nodes whose run-time checks need only the dims, in order: result
/// shapes that may be negative, each op's own dim checks, and the byte size
/// of every symbolic result type (once per type).
class DimChecks {
public:
  explicit DimChecks(const ir::Graph &graph);
  /// The first failing check's error, with the node's location.
  Status run(const ir::Module &module, const codegen::DimBindings &dims) const;
  /// The checked nodes, in order.
  const std::vector<const ir::Node *> &nodes() const { return nodes_; }

private:
  std::vector<const ir::Node *> nodes_;
};

/// One condition of DimChecks on the dims alone, for checks made outside
/// attnc (the wrappers of the C header, CHeader.cpp).
struct DimRequirement {
  enum class Kind {
    Shape,     // every dim of `shape` has a value (no int64 overflow, no
               // division by zero) and is >= 0, and a `dtype` tensor of that
               // shape has at most kMaxTensorBytes (resultShapes)
    LessEqual, // lhs and rhs have values, lhs <= rhs
    NonZero,   // lhs has a value other than 0
  };
  Kind kind;
  const ir::Node *node; // whose check this is
  ir::DimList shape;    // Shape
  DType dtype;          // Shape
  ir::Dim lhs, rhs;     // LessEqual, NonZero (lhs only)
};

/// What DimChecks(graph).run checks, in its order: it succeeds exactly
/// when every requirement holds.
std::vector<DimRequirement> dimRequirements(const ir::Graph &graph);

/// The message of the error the generated code returned (`code`, `error`
/// words), with the failing node's location.
Status runtimeError(const ir::Module &module, const ir::Graph &graph, int32_t code,
                    const int64_t *error, const codegen::DimBindings &dims);

} // namespace attn::llvmcg
