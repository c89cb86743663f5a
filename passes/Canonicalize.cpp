// canonicalize: one spelling per computation, so that later passes (the
// fusions above all) match a single normal form. Rules, applied until none
// fires:
//
//   linear normal form
//     matmul(%x, transpose(@W, 0, 1))        ->  linear(%x, @W)
//     add(linear(%x, @W), @b)   (b: [N])     ->  linear(%x, @W, @b)
//   [B, T] scores, not [B, T, 1]
//     %a = softmax(%s : [B, T, 1], axis=1)   ->  %a2 = softmax(squeeze(%s, 2), axis=1)
//                                                %a  = unsqueeze(%a2, 2)
//     squeeze(linear(%u, @V : [1, A]), 2)    ->  matmul(%u, reshape(@V, [A]))
//     squeeze(matmul(%u, @V : [A, 1]), 2)    ->  matmul(%u, reshape(@V, [A]))
//     (a bias c : [1] of that linear stays as add(..., c))
//     squeeze(where(%c, %x, %y), k)          ->  where(squeeze(%c, k), squeeze(%x, k), %y)
//     (the same for bitwise_not, add, sub, mul, div; a scalar operand stays,
//     the others have a unit axis k; the where has no other use: scores
//     masked as [B, T, 1], s.masked_fill(~mask.unsqueeze(-1), F))
//   shape no-ops
//     squeeze(unsqueeze(%x, k), k)           ->  %x
//     unsqueeze(squeeze(%x, k), k)           ->  %x     (x's axis k is 1)
//     squeeze of an axis that is not 1, reshape or slice to the same shape
//     (x[..., 0:1] of a unit axis), transpose(%x, k, k), the identity
//     permute  ->  %x
//   a reshape that only adds or removes a unit axis is that unsqueeze or squeeze
//     reshape(%q : [B, D], [B, D, 1])        ->  unsqueeze(%q, 2)
//     reshape(%s : [B, T, 1], [B, T])        ->  squeeze(%s, 2)
//     (PyTorch's `q.view(-1, D, 1)` before a bmm, `s.view(B, T)`; the fusions
//     match unsqueeze and squeeze. A weight's reshape is left alone:
//     `reshape(@V, [A])` is the normal form of a [1, A] score vector above)
//
// The rewritten nodes are left unused and erased after each sweep.
#include "ir/Builder.h"
#include "passes/Pass.h"
#include "passes/Pattern.h"

#include <algorithm>
#include <optional>

namespace attn::passes::Canonicalize {

namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

/// Creates a node before `before`; the rules only build well-typed nodes.
Value *build(ir::Graph &graph, Node &before, OpKind op, std::vector<Value *> operands,
             ir::Attrs attrs = {}) {
  auto v = ir::Builder(graph, &before)
               .createValue(op, std::move(operands), std::move(attrs), before.loc);
  assert(v && "a canonicalization built an ill-typed node");
  return *v;
}

ir::Attrs axisAttr(int64_t axis) {
  ir::Attrs a;
  a.Axis = axis;
  return a;
}

bool foldTransposeIntoMatmul(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::MatMul) return false;
  Value *x = n.operand(0);
  Node *t = definedBy(n.operand(1), OpKind::Transpose);
  if (!t || !isTransposeOf(*t, 0, 1) || t->operand(0)->type.rank() != 2) return false;
  if (x->type.dtype != DType::F32 || x->type.rank() < 1) return false;
  replaceValue(graph, n.result(), build(graph, n, OpKind::Linear, {x, t->operand(0)}));
  return true;
}

bool foldBiasIntoLinear(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Add) return false;
  return matchEitherOrder(n, [&](Value *product, Value *bias) {
    Node *linear = definedBy(product, OpKind::Linear);
    if (!linear || linear->operands().size() != 2 || !product->hasOneUse()) return false;
    const ir::Type &w = linear->operand(1)->type;
    if (bias->type != ir::Type{DType::F32, {w.shape[0]}}) return false;
    replaceValue(graph, n.result(),
                 build(graph, n, OpKind::Linear, {linear->operand(0), linear->operand(1), bias}));
    return true;
  });
}

bool removeSqueezeUnsqueezePair(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Squeeze && n.op != OpKind::Unsqueeze) return false;
  OpKind inverse = n.op == OpKind::Squeeze ? OpKind::Unsqueeze : OpKind::Squeeze;
  Node *inner = definedBy(n.operand(0), inverse);
  if (!inner || !n.attrs.Axis || inner->attrs.Axis != n.attrs.Axis) return false;
  Value *x = inner->operand(0);
  if (x->type != n.result()->type) return false; // squeeze left an axis that was not 1
  replaceValue(graph, n.result(), x);
  return true;
}

bool isIdentityPermutation(const std::vector<int64_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i)) return false;
  return true;
}

bool removeNoOpShapeOp(ir::Graph &graph, Node &n) {
  bool noOp = ((n.op == OpKind::Squeeze || n.op == OpKind::Reshape || n.op == OpKind::Slice) &&
               n.result()->type == n.operand(0)->type) ||
              (n.op == OpKind::Transpose && n.attrs.Axis == n.attrs.Axis2) ||
              (n.op == OpKind::Permute && isIdentityPermutation(n.attrs.Perm));
  if (noOp) replaceValue(graph, n.result(), n.operand(0));
  return noOp;
}

/// The axis k such that `longer` is `shorter` with a unit axis inserted at k.
std::optional<int64_t> insertedUnitAxis(const ir::DimList &shorter, const ir::DimList &longer) {
  if (longer.size() != shorter.size() + 1) return std::nullopt;
  for (size_t k = 0; k < longer.size(); ++k) {
    if (longer[k] != ir::Dim(1)) continue;
    bool rest = true;
    for (size_t i = 0; i < shorter.size() && rest; ++i) rest = shorter[i] == longer[i < k ? i : i + 1];
    if (rest) return int64_t(k);
  }
  return std::nullopt;
}

bool reshapeToUnitAxisOp(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Reshape) return false;
  const ir::DimList &in = n.operand(0)->type.shape, &out = n.result()->type.shape;
  if (auto k = insertedUnitAxis(in, out)) {
    replaceValue(graph, n.result(), build(graph, n, OpKind::Unsqueeze, {n.operand(0)}, axisAttr(*k)));
    return true;
  }
  if (auto k = insertedUnitAxis(out, in); k && !n.operand(0)->isWeight()) {
    replaceValue(graph, n.result(), build(graph, n, OpKind::Squeeze, {n.operand(0)}, axisAttr(*k)));
    return true;
  }
  return false;
}

/// squeeze(op(a, b, ...), k) for an elementwise op of the mask and shift
/// spellings with no other use: op(squeeze(a, k), ...), scalars as they are.
bool squeezeThroughElementwise(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Squeeze || !n.attrs.Axis) return false;
  Value *x = n.operand(0);
  Node *op = x->kind == Value::Kind::NodeResult ? x->def : nullptr;
  static constexpr OpKind kThrough[] = {OpKind::Where, OpKind::BitwiseNot, OpKind::Add,
                                        OpKind::Sub,   OpKind::Mul,        OpKind::Div};
  if (!op || std::find(std::begin(kThrough), std::end(kThrough), op->op) == std::end(kThrough) ||
      !x->hasOneUse() || n.result()->type == x->type)
    return false;
  int64_t k = *n.attrs.Axis, rank = x->type.rank();
  for (Value *operand : op->operands())
    if (operand->type.rank() != 0 && (operand->type.rank() != rank || operand->type.shape[k] != ir::Dim(1)))
      return false;
  std::vector<Value *> operands;
  for (Value *operand : op->operands())
    operands.push_back(operand->type.rank() == 0 ? operand : build(graph, n, OpKind::Squeeze, {operand}, axisAttr(k)));
  replaceValue(graph, n.result(), build(graph, n, op->op, operands, op->attrs));
  return true;
}

/// softmax over scores with a trailing unit axis: the same softmax on the
/// scores without it (and the mask without it), the axis put back after.
bool softmaxWithoutUnitAxis(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Softmax) return false;
  Value *scores = n.operand(0);
  int64_t last = scores->type.rank() - 1;
  if (last < 1 || scores->type.shape[last] != ir::Dim(1) || n.attrs.Axis == last) return false;
  std::vector<Value *> operands = {build(graph, n, OpKind::Squeeze, {scores}, axisAttr(last))};
  if (n.operands().size() == 2) {
    Value *mask = n.operand(1);
    int64_t maskLast = mask->type.rank() - 1;
    operands.push_back(maskLast < 0 ? mask
                                    : build(graph, n, OpKind::Squeeze, {mask}, axisAttr(maskLast)));
  }
  Value *weights = build(graph, n, OpKind::Softmax, operands, axisAttr(*n.attrs.Axis));
  weights->name = n.result()->name;
  replaceValue(graph, n.result(), build(graph, n, OpKind::Unsqueeze, {weights}, axisAttr(last)));
  return true;
}

/// squeeze(linear(u, V [1, A] [, c]), last) or squeeze(matmul(u, V [A, 1]), last):
/// a matrix-vector product with the vector reshape(V, [A]).
bool unitProjectionToMatVec(ir::Graph &graph, Node &n) {
  if (n.op != OpKind::Squeeze) return false;
  Value *product = n.operand(0);
  int64_t last = product->type.rank() - 1;
  if (last < 1 || !hasAxis(n, last) || product->type.shape[last] != ir::Dim(1)) return false;
  if (!product->hasOneUse()) return false;
  Value *u = nullptr, *matrix = nullptr, *bias = nullptr;
  ir::Dim length;
  if (Node *linear = definedBy(product, OpKind::Linear)) { // V: [1, A]
    u = linear->operand(0), matrix = linear->operand(1), length = matrix->type.shape[1];
    if (linear->operands().size() == 3) bias = linear->operand(2);
  } else if (Node *mm = definedBy(product, OpKind::MatMul);
             mm && mm->operand(1)->type.rank() == 2 && mm->operand(0)->type.rank() >= 2) {
    u = mm->operand(0), matrix = mm->operand(1), length = matrix->type.shape[0]; // V: [A, 1]
  } else {
    return false;
  }
  ir::Attrs shape;
  shape.Shape = {length};
  Value *vector = build(graph, n, OpKind::Reshape, {matrix}, shape);
  Value *scores = build(graph, n, OpKind::MatMul, {u, vector});
  if (bias) scores = build(graph, n, OpKind::Add, {scores, bias}); // [..] + [1]: same shape
  assert(scores->type == n.result()->type && "u is at least 2-D, so the shapes agree");
  replaceValue(graph, n.result(), scores);
  return true;
}

/// A rule strictly shrinks the graph or moves it towards the normal form, so
/// sweeps end; the limit guards against a pair of rules undoing each other.
constexpr int kMaxSweeps = 16;

using Rule = bool (*)(ir::Graph &, Node &);
constexpr Rule kRules[] = {
    foldTransposeIntoMatmul, foldBiasIntoLinear,     removeSqueezeUnsqueezePair,
    removeNoOpShapeOp,       softmaxWithoutUnitAxis, unitProjectionToMatVec,
    reshapeToUnitAxisOp,     squeezeThroughElementwise,
};

} // namespace

bool run(ir::Graph &graph, PassContext &context) {
  bool changed = false;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    std::vector<Node *> rewritten;
    const ir::NodeList &nodes = graph.nodes();
    for (auto it = nodes.begin(); it != nodes.end();) {
      Node *n = it->get();
      if (!n->isUsed()) {
        ++it;
        continue;
      }
      // Rules insert nodes before the one they rewrite; the sweep goes on
      // with the first of them, so a rewrite's result is looked at at once.
      auto before = it == nodes.begin() ? nodes.end() : std::prev(it);
      bool fired = false;
      for (Rule rule : kRules)
        if (rule(graph, *n)) {
          rewritten.push_back(n);
          fired = true;
          break;
        }
      it = !fired ? std::next(it) : before == nodes.end() ? nodes.begin() : std::next(before);
    }
    if (rewritten.empty()) return changed;
    // Erased now, so that the rewritten nodes' uses do not count next sweep.
    eraseDeadNodes(graph, rewritten);
    changed = true;
  }
  context.warnings.push_back("canonicalize: " + graph.name + ": stopped after " +
                             std::to_string(kMaxSweeps) +
                             " sweeps with rules still firing; the graph is left partly canonical");
  return changed;
}

} // namespace attn::passes::Canonicalize
