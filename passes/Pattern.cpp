// The pattern helper's queries and edits (Pattern.h).
#include "passes/Pattern.h"

#include <unordered_set>

namespace attn::passes {

ir::Node *definedBy(const ir::Value *v, ir::OpKind op) {
  if (!v || v->kind != ir::Value::Kind::NodeResult || v->def->op != op) return nullptr;
  return v->def;
}

bool isDefinedBefore(const ir::Graph &graph, const ir::Value *v, const ir::Node *node) {
  if (v->kind != ir::Value::Kind::NodeResult) return true;
  return graph.comesBefore(v->def, node);
}

bool hasAxis(const ir::Node &node, int64_t axis) { return node.attrs.Axis == axis; }

bool isTransposeOf(const ir::Node &node, int64_t first, int64_t second) {
  if (node.op != ir::OpKind::Transpose || !node.attrs.Axis) return false;
  int64_t a = *node.attrs.Axis, b = node.attrs.Axis2;
  return (a == first && b == second) || (a == second && b == first);
}

bool isSingleElement(const ir::Type &type) {
  for (const ir::Dim &d : type.shape)
    if (d != ir::Dim(1)) return false;
  return true;
}

std::string describe(const ir::Value *v) {
  switch (v->kind) {
  case ir::Value::Kind::Argument: return "argument %" + v->name;
  case ir::Value::Kind::Weight: return "weight @" + v->name;
  case ir::Value::Kind::NodeResult: break;
  }
  std::string what = std::string(ir::mnemonic(v->def->op));
  if (!v->name.empty()) return "%" + v->name + " (" + what + ")";
  if (v->def->loc.isValid())
    what += " at " + std::to_string(v->def->loc.line) + ":" + std::to_string(v->def->loc.column);
  return what;
}

void replaceValue(ir::Graph &graph, ir::Value *from, ir::Value *to) {
  if (from == to) return;
  if (to->kind == ir::Value::Kind::NodeResult && to->name.empty()) to->name = from->name;
  graph.replaceAllUsesWith(from, to);
}

bool eraseDeadNodes(ir::Graph &graph) {
  std::vector<ir::Node *> all;
  for (const auto &n : graph.nodes()) all.push_back(n.get());
  return eraseDeadNodes(graph, all);
}

bool eraseDeadNodes(ir::Graph &graph, const std::vector<ir::Node *> &candidates) {
  // A worklist: erasing a node drops its operands' uses, which may leave
  // their producers dead in turn. Each node is erased once; the work is the
  // number of candidates plus the operands of the erased nodes.
  std::vector<ir::Node *> work(candidates.rbegin(), candidates.rend());
  std::unordered_set<const ir::Node *> erased;
  bool changed = false;
  while (!work.empty()) {
    ir::Node *node = work.back();
    work.pop_back();
    // erased first: a producer can be queued twice (concat([v, f(v)])), and
    // an erased node's memory is gone.
    if (erased.count(node) || node->isUsed()) continue;
    std::vector<ir::Node *> producers;
    for (const ir::Value *v : node->operands())
      if (v->kind == ir::Value::Kind::NodeResult) producers.push_back(v->def);
    erased.insert(node);
    graph.eraseNode(node);
    work.insert(work.end(), producers.begin(), producers.end());
    changed = true;
  }
  return changed;
}

ir::Node *MatchAttempt::expect(const ir::Value *v, ir::OpKind op, std::string_view part) {
  if (ir::Node *n = definedBy(v, op)) return n;
  fail(part, describe(v) + " is not " + std::string(ir::mnemonic(op)) + "(...)");
  return nullptr;
}

bool MatchAttempt::require(bool condition, std::string_view part, const std::string &why) {
  if (!condition) fail(part, why);
  return condition;
}

bool MatchAttempt::fail(std::string_view part, const std::string &why) {
  if (reason_.empty()) reason_ = part.empty() ? why : std::string(part) + ": " + why;
  return false;
}

} // namespace attn::passes
