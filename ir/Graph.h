// The graph IR: a Module holds the weights (named constant values) and one
// Graph per entry point. A Graph is typed SSA dataflow: arguments, Nodes in
// topological order, and named results. Every Node keeps its source location.
#pragma once

#include "ir/Ops.h"
#include "ir/Type.h"
#include "runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace attn::ir {

class Node;

/// A position in the model file (1-based; 0 when synthesised).
struct SourceLoc {
  uint32_t line = 0;
  uint32_t column = 0;
  bool isValid() const { return line != 0; }
};

/// An SSA value: a function argument, a module weight, or a node result.
class Value {
public:
  enum class Kind : uint8_t { Argument, Weight, NodeResult };

  Kind kind;
  Type type;
  std::string name;        // argument/weight name, or a hint for printing results
  Node *def = nullptr;     // for NodeResult
  unsigned index = 0;      // argument position or result index

  bool isWeight() const { return kind == Kind::Weight; }
  bool isArgument() const { return kind == Kind::Argument; }
};

class Node {
public:
  OpKind op;
  std::vector<Value *> operands;
  std::vector<Value *> results;
  Attrs attrs;
  SourceLoc loc;

  Value *result(unsigned i = 0) const { return results[i]; }
  Value *operand(unsigned i) const { return operands[i]; }
};

/// A named function result.
struct GraphResult {
  std::string name;
  Type declaredType;
  Value *value = nullptr;
};

/// One entry point (`fn`).
class Graph {
public:
  std::string name;
  SourceLoc loc;
  std::vector<Value *> arguments;
  std::vector<GraphResult> results;

  Value *addArgument(const std::string &argName, Type type);
  /// Appends a node whose result types are already known (see Builder for
  /// the checked way to create nodes).
  Node *appendNode(OpKind op, std::vector<Value *> operands, const std::vector<Type> &resultTypes,
                   Attrs attrs, SourceLoc loc);
  /// Inserts a node before `before` (nullptr: at the end).
  Node *insertNode(Node *before, OpKind op, std::vector<Value *> operands,
                   const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc);
  void eraseNode(Node *node);
  /// Replaces every use of `from` (operands and results) by `to`.
  void replaceAllUses(Value *from, Value *to);
  /// Nodes that use `v` as an operand, in order.
  std::vector<Node *> users(const Value *v) const;
  /// Number of uses of `v` (operands plus graph results).
  size_t useCount(const Value *v) const;

  const std::vector<std::unique_ptr<Node>> &nodes() const { return nodes_; }

private:
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  Value *newValue(Value::Kind kind, Type type, std::string name);
};

/// How `attnc init-weights` fills a weight: PyTorch's default initialisation
/// of the layer that declared it.
struct WeightInit {
  enum class Kind : uint8_t { Uniform, Normal, Ones, Zeros } kind = Kind::Uniform;
  double bound = 0;        // Uniform: U(-bound, bound)
  int64_t zeroRow = -1;    // Embedding's padding_idx: this row is zero
};

/// A model: its weights (state_dict names and types, constant dims) and its
/// entry points.
class Module {
public:
  std::string name;
  std::string fileName;
  std::vector<std::unique_ptr<Graph>> functions;

  Value *addWeight(const std::string &weightName, Type type, WeightInit init = {});
  const WeightInit &weightInit(const Value *weight) const { return weightInits_[weight->index]; }
  /// A module-level constant made by a pass (constant folding, fusion): a
  /// weight whose data the module holds, so no weights file provides it.
  /// `data` must have `type`'s dtype and (constant) shape.
  Value *addConstant(const std::string &weightName, Type type, std::shared_ptr<const Tensor> data);
  /// The data of a constant made by addConstant; null for a weight that the
  /// weights file provides.
  const Tensor *constantData(const Value *weight) const { return weightData_[weight->index].get(); }
  /// `base`, or `base.1`, `base.2`, ... : a weight name not yet taken.
  std::string uniqueWeightName(const std::string &base) const;
  Value *findWeight(const std::string &weightName) const;
  const std::vector<std::unique_ptr<Value>> &weights() const { return weights_; }
  Graph *addFunction(const std::string &fnName);
  Graph *findFunction(const std::string &fnName) const;

private:
  std::vector<std::unique_ptr<Value>> weights_;
  std::vector<WeightInit> weightInits_;
  std::vector<std::shared_ptr<const Tensor>> weightData_; // parallel to weights_
};

} // namespace attn::ir
