// The tiny pattern helper the passes match with: "is this value made by that
// op", use counts, replacing a value, and a MatchAttempt that records which
// part of a pattern failed and why (what --explain-fusion prints). Matchers
// are plain code over these, one small function per spelling:
//
//   ir::Node *t = attempt.expect(u, OpKind::Tanh, "scores");   // u = tanh(p)?
//   if (!t) return;                                            // "scores: %u is add(...), expected
//   tanh"
#pragma once

#include "ir/Graph.h"

#include <set>
#include <string>
#include <string_view>

namespace attn::passes {

/// The node defining `v` when it is an `op` node; null for an argument, a
/// weight or another op.
ir::Node *definedBy(const ir::Value *v, ir::OpKind op);

/// True when `v` is an argument or a weight, or is defined by a node before `node`.
bool isDefinedBefore(const ir::Graph &graph, const ir::Value *v, const ir::Node *node);

/// The single axis attribute of a node (squeeze, unsqueeze, softmax, sum ...).
bool hasAxis(const ir::Node &node, int64_t axis);
/// transpose(x, a, b) with {a, b} == {first, second}.
bool isTransposeOf(const ir::Node &node, int64_t first, int64_t second);
/// Every dim constant and their product 1: a tensor with one element.
bool isSingleElement(const ir::Type &type);

/// How remarks name a value: "%u" (its source name), "argument %h",
/// "weight @attention.W", or "tanh at 12:7".
std::string describe(const ir::Value *v);

/// Replaces every use of `from` by `to`; `to` takes `from`'s source name
/// when it has none, so the printed IR keeps the user's names.
void replaceValue(ir::Graph &graph, ir::Value *from, ir::Value *to);

/// Erases every node whose results are all unused; true if any.
bool eraseDeadNodes(ir::Graph &graph);
/// Erases the nodes of `candidates` that are unused, and then whatever that
/// leaves unused among their operands' producers: the garbage of a rewrite,
/// without touching dead code the rewrite did not make. Time: the number of
/// candidates and of the erased nodes' operands.
bool eraseDeadNodes(ir::Graph &graph, const std::vector<ir::Node *> &candidates);

/// Calls match(x, y) with a binary node's operands in both orders; true when
/// either order matched.
template <typename F> bool matchEitherOrder(const ir::Node &node, F &&match) {
  return match(node.operand(0), node.operand(1)) || match(node.operand(1), node.operand(0));
}

/// One attempt to match a pattern. Each check either holds or records, once,
/// the part of the pattern that failed and why.
class MatchAttempt {
public:
  /// `v`'s defining node if it is `op`; else null, recording
  /// "PART: %v is WHAT, expected OP".
  ir::Node *expect(const ir::Value *v, ir::OpKind op, std::string_view part);
  /// `condition`; when false, records "PART: WHY".
  bool require(bool condition, std::string_view part, const std::string &why);
  /// Records a failure (if none yet): "PART: WHY", or "WHY" when `part` is
  /// empty (a sub-pattern whose caller names the part); always false.
  bool fail(std::string_view part, const std::string &why);

  bool failed() const { return !reason_.empty(); }
  const std::string &reason() const { return reason_; }

private:
  std::string reason_;
};

} // namespace attn::passes
