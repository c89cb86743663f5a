// fuse-elementwise: two epilogue fusions.
//
// 1. A linear followed by an activation becomes one linear_act node, which a
//    backend computes as a matmul with bias and activation in its epilogue:
//      %0 = linear(%x, @fc.weight, @fc.bias) : f32[B, 12]    ->   %h = linear_act(%x, @fc.weight,
//      @fc.bias) %h = relu(%0) : f32[B, 12]                                      {activation =
//      relu} : f32[B, 12]
//
// 2. A tree of two or more elementwise ops whose inner results have no other
//    use becomes one fused_elementwise node, whose body lists the scalar steps
//    in order; a backend emits it as one loop over the result:
//      %0 = mul(%x, %y) : f32[B, T]
//      %1 = add(%0, %z) : f32[B, T]                    ->   %2 = fused_elementwise(%x, %y, %z)
//      %2 = sigmoid(%1) : f32[B, T]                          {body = [t0 = mul(in0, in1); t1 =
//      add(t0, in2);
//                                                                     t2 = sigmoid(t1)]} : f32[B,
//                                                                     T]
//    Inputs are read with broadcasting, so `x * 2.0` takes the scalar
//    constant as an input.
#include "ir/Builder.h"
#include "passes/Pass.h"
#include "passes/Pattern.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace attn::passes::FuseElementwise {

namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

bool fuseLinearActivation(ir::Graph &graph, Node &act) {
  if (!ir::hasTrait(act.op, ir::T_ACTIVATION) || act.operand(0)->type.dtype != DType::F32) return false;
  Node *linear = definedBy(act.operand(0), OpKind::Linear);
  if (!linear || !linear->result()->hasOneUse()) return false;
  ir::Attrs attrs;
  attrs.Activation = act.op;
  auto fused =
      ir::Builder(graph, &act).createValue(OpKind::LinearAct, linear->operands(), attrs, act.loc);
  assert(fused && "linear_act types as linear does");
  replaceValue(graph, act.result(), *fused);
  return true;
}

bool isFusible(const Node &n) { return ir::hasTrait(n.op, ir::T_ELEMENTWISE); }

/// The elementwise nodes feeding `root` only, `root` included, in graph order.
/// A member's only use is in the tree, so none is reached twice.
std::vector<Node *> collectTree(const ir::Graph &graph, Node &root) {
  std::vector<Node *> tree = {&root};
  for (size_t i = 0; i < tree.size(); ++i)
    for (Value *operand : tree[i]->operands()) {
      Node *def = operand->kind == Value::Kind::NodeResult ? operand->def : nullptr;
      if (def && isFusible(*def) && operand->hasOneUse()) tree.push_back(def);
    }
  std::sort(tree.begin(), tree.end(), [&](Node *a, Node *b) { return graph.comesBefore(a, b); });
  return tree;
}

bool fuseTree(ir::Graph &graph, Node &root, std::unordered_set<const Node *> &absorbed) {
  if (!isFusible(root) || absorbed.count(&root)) return false;
  std::vector<Node *> tree = collectTree(graph, root);
  if (tree.size() < 2) return false;
  absorbed.insert(tree.begin(), tree.end());
  std::unordered_set<const Node *> members(tree.begin(), tree.end());
  std::vector<Value *> inputs;
  std::unordered_map<const Value *, int32_t> index; // inputs, then the tree's results
  for (Node *n : tree)
    for (Value *operand : n->operands()) {
      bool inner = operand->kind == Value::Kind::NodeResult && members.count(operand->def);
      if (!inner && !index.count(operand)) {
        index[operand] = int32_t(inputs.size());
        inputs.push_back(operand);
      }
    }
  ir::Attrs attrs;
  attrs.Body.numInputs = int32_t(inputs.size());
  for (Node *n : tree) {
    ir::ElementwiseStep step{n->op, {}, n->op == OpKind::Cast ? n->attrs.DType : DType::F32};
    for (Value *operand : n->operands())
      step.operands.push_back(index.at(operand));
    index[n->result()] = attrs.Body.numInputs + int32_t(attrs.Body.steps.size());
    attrs.Body.steps.push_back(std::move(step));
  }
  auto fused =
      ir::Builder(graph, &root).createValue(OpKind::FusedElementwise, inputs, attrs, root.loc);
  assert(fused && (*fused)->type == root.result()->type && "a fused tree types as its root");
  replaceValue(graph, root.result(), *fused);
  return true;
}

} // namespace

bool run(ir::Graph &graph, PassContext &) {
  std::unordered_set<const Node *> absorbed;
  std::vector<Node *> replaced;
  std::vector<Node *> nodes;
  for (const auto &n : graph.nodes())
    nodes.push_back(n.get());
  for (Node *n : nodes)
    if (fuseLinearActivation(graph, *n)) replaced.push_back(n);
  // Roots last to first, so that each tree is as large as it can be.
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
    if ((*it)->isUsed() && fuseTree(graph, **it, absorbed)) replaced.push_back(*it);
  bool changed = !replaced.empty();
  eraseDeadNodes(graph, replaced);
  return changed;
}

} // namespace attn::passes::FuseElementwise
