// The graph IR: a Module holds the weights (named constant values) and one
// Graph per entry point. A Graph is typed SSA dataflow: arguments, Nodes in
// topological order, and named results. Every Node keeps its source location.
#pragma once

#include "ir/Ops.h"
#include "ir/Type.h"
#include "runtime/Tensor.h"

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace attn::ir {

class Node;

/// A position in the model file (1-based; 0 when synthesised).
struct SourceLoc {
  uint32_t line = 0;
  uint32_t column = 0;
  bool isValid() const { return line != 0; }
};

/// One use of a value as an operand: operand `operand` of node `user`.
struct Use {
  Node *user = nullptr;
  unsigned operand = 0;
};

/// An SSA value: a function argument, a module weight, or a node result. It
/// knows its uses (kept by Graph), so use queries cost the number of uses.
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

  /// Its uses as operands, one per operand slot, in no particular order.
  /// A weight is shared by every function: its uses are those of all graphs.
  const std::vector<Use> &uses() const { return uses_; }
  /// Uses as operands plus uses as function results.
  size_t useCount() const { return uses_.size() + resultUses_; }
  bool hasOneUse() const { return useCount() == 1; }
  bool isUsed() const { return useCount() != 0; }

private:
  friend class Graph;
  std::vector<Use> uses_;
  unsigned resultUses_ = 0;
};

/// An operation. Its operands change only through Graph, which keeps the
/// values' use lists.
class Node {
public:
  OpKind op;
  std::vector<Value *> results;
  Attrs attrs;
  SourceLoc loc;

  Value *result(unsigned i = 0) const { return results[i]; }
  Value *operand(unsigned i) const { return operands_[i]; }
  const std::vector<Value *> &operands() const { return operands_; }
  size_t numOperands() const { return operands_.size(); }
  /// True when some result is used.
  bool isUsed() const;

private:
  friend class Graph;
  std::vector<Value *> operands_;
  std::vector<unsigned> useSlots_; // operand k's entry in operands_[k]->uses_
  std::list<std::unique_ptr<Node>>::iterator self_;
  uint64_t order_ = 0; // position, renumbered lazily (Graph::comesBefore)
};

/// A named function result.
struct GraphResult {
  std::string name;
  Type declaredType;
  Value *value = nullptr;
};

using NodeList = std::list<std::unique_ptr<Node>>;

/// One entry point (`fn`). Every edit keeps the use lists: inserting and
/// erasing a node, setting an operand or a result and replacing all uses of
/// a value cost the number of operands or uses involved, not the graph's size.
class Graph {
public:
  std::string name;
  SourceLoc loc;
  std::vector<Value *> arguments;

  Graph() = default;
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;
  /// Drops this graph's uses of the module's weights.
  ~Graph();

  Value *addArgument(const std::string &argName, Type type);
  /// Appends a node whose result types are already known (see Builder for
  /// the checked way to create nodes).
  Node *appendNode(OpKind op, std::vector<Value *> operands, const std::vector<Type> &resultTypes,
                   Attrs attrs, SourceLoc loc);
  /// Inserts a node before `before` (nullptr: at the end).
  Node *insertNode(Node *before, OpKind op, std::vector<Value *> operands,
                   const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc);
  /// Erases a node none of whose results is used.
  void eraseNode(Node *node);
  void setOperand(Node *node, unsigned index, Value *value);
  /// Replaces every use of `from` (operands and results) by `to`.
  void replaceAllUsesWith(Value *from, Value *to);

  /// Nodes that use `v` as an operand, each once, in graph order.
  std::vector<Node *> users(const Value *v) const;
  /// True when `a` comes before `b` (both nodes of this graph). The order is
  /// renumbered lazily after an insertion, so this (and users()) writes
  /// bookkeeping: not for two threads on one graph at once.
  bool comesBefore(const Node *a, const Node *b) const;

  const NodeList &nodes() const { return nodes_; }
  /// Where `node` is in nodes().
  NodeList::const_iterator position(const Node *node) const { return node->self_; }

  const std::vector<GraphResult> &results() const { return results_; }
  void addResult(std::string resultName, Type declaredType, Value *value = nullptr);
  void setResult(size_t index, Value *value);

private:
  NodeList nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<GraphResult> results_;
  mutable bool orderValid_ = true;
  Value *newValue(Value::Kind kind, Type type, std::string name);
  void addUse(Node *node, unsigned index);
  void dropUse(Node *node, unsigned index);
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

  Module() = default;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;
  /// The functions go first: they hold uses of the weights.
  ~Module() { functions.clear(); }

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
  std::string uniqueWeightName(const std::string &base);
  Value *findWeight(const std::string &weightName) const;
  const std::vector<std::unique_ptr<Value>> &weights() const { return weights_; }
  Graph *addFunction(const std::string &fnName);
  Graph *findFunction(const std::string &fnName) const;

private:
  std::vector<std::unique_ptr<Value>> weights_;
  std::vector<WeightInit> weightInits_;
  std::vector<std::shared_ptr<const Tensor>> weightData_; // parallel to weights_
  std::unordered_map<std::string, Value *> weightsByName_;
  std::unordered_map<std::string, unsigned> nextSuffix_; // uniqueWeightName's probes
};

} // namespace attn::ir
