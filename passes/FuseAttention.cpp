// fuse-attention: a softmax over time whose weights sum the same sequence the
// scores were computed from becomes one additive_attention or dot_attention
// node (architecture.md), the mask included, its alpha result taking every
// other use of the weights. AttentionPattern.h lists the spellings matched.
//
//   before (additive, examples/additive_block.attn after canonicalize)
//     %0 = linear(%h, @attention.W, @attention.b) : f32[B, T, 16]
//     %u = tanh(%0) : f32[B, T, 16]
//     %s = matmul(%u, @attention.v) : f32[B, T]
//     %alpha = softmax(%s, %mask) {axis = 1} : f32[B, T]
//     %1 = unsqueeze(%alpha) {axis = 2} : f32[B, T, 1]
//     %2 = mul(%1, %h) : f32[B, T, 32]
//     %context = sum(%2) {axis = 1, keepdim = false} : f32[B, 32]
//     return %context, %alpha
//   after
//     %context, %alpha = additive_attention(%h, @attention.W, @attention.b, @attention.v, %mask)
//                        : f32[B, 32], f32[B, T]
//     return %context, %alpha
//
//   Luong general, s_t = q . (G h_t) (examples/seq2seq.attn): the query
//   becomes q' = q @ G (= G^T q), D*D work instead of T*D*D:
//     %0 = linear(%enc, @attn.weight)                       %q = matmul(%s, @attn.weight)
//     %1 = unsqueeze(%s) {axis = 2}                    ->   %context, %a = dot_attention(%enc, %q)
//     %scores = squeeze(matmul(%0, %1)) {axis = 2}
//     %a = softmax(%scores) {axis = 1} ...
//
// Operands the fused op needs in another form are built in front of it:
// W = transpose(M) for `h @ M`, v = reshape(V, [A]) for Linear(A, 1), and for
// a projection without bias a zero bias, a module constant
// `@<W>.zero_bias` (constant-fold folds the others when it has the weights).
// Every softmax gets a FusionRemark (--explain-fusion).
#include "ir/Builder.h"
#include "passes/AttentionPattern.h"
#include "passes/Pass.h"
#include "passes/Pattern.h"

#include <algorithm>

namespace attn::passes::FuseAttention {

namespace {

using ir::OpKind;
using ir::Value;

Value *build(ir::Builder &builder, OpKind op, std::vector<Value *> operands, ir::Attrs attrs = {}) {
  auto v = builder.createValue(op, std::move(operands), std::move(attrs));
  assert(v && "the attention match checked the shapes");
  return *v;
}

Value *transposed(ir::Builder &builder, Value *matrix) {
  ir::Attrs a;
  a.Axis = 0, a.Axis2 = 1;
  return build(builder, OpKind::Transpose, {matrix}, a);
}

/// The zero bias of a projection without one: a module constant f32[A].
Value *zeroBias(ir::Module &module, const Value *W, int64_t size) {
  auto zeros = std::make_shared<Tensor>(DType::F32, Shape{size}); // Tensor zero-initialises
  std::string base = (W->isWeight() ? W->name : std::string("attention")) + ".zero_bias";
  return module.addConstant(module.uniqueWeightName(base), ir::Type{DType::F32, {size}},
                            std::move(zeros));
}

std::vector<Value *> additiveOperands(ir::Builder &builder, ir::Module &module,
                                      const AttentionMatch &m) {
  Value *W = m.transposeW ? transposed(builder, m.W) : m.W;
  ir::Dim A = W->type.shape[0];
  Value *v = m.v;
  if (m.reshapeV) {
    ir::Attrs shape;
    shape.Shape = {A};
    v = build(builder, OpKind::Reshape, {v}, shape);
  }
  Value *b = m.b ? m.b : zeroBias(module, m.W, *A.constant());
  return {m.h, W, b, v};
}

std::vector<Value *> dotOperands(ir::Builder &builder, const AttentionMatch &m) {
  Value *q = m.q;
  if (m.G) q = build(builder, OpKind::MatMul, {q, m.transposeG ? transposed(builder, m.G) : m.G});
  return {m.h, q};
}

/// Replaces the matched pattern by the fused node, in front of the softmax.
ir::Node *rewrite(ir::Graph &graph, ir::Module &module, const AttentionMatch &m) {
  ir::Builder builder(graph, m.softmax);
  std::vector<Value *> operands = m.kind == OpKind::AdditiveAttention
                                      ? additiveOperands(builder, module, m)
                                      : dotOperands(builder, m);
  if (m.mask) operands.push_back(m.invertMask ? build(builder, OpKind::BitwiseNot, {m.mask}) : m.mask);
  ir::Attrs attrs;
  attrs.Fill = m.fill;
  auto fused = builder.create(m.kind, operands, attrs, m.softmax->loc);
  assert(fused && "the attention match checked the shapes");
  replaceValue(graph, m.context, (*fused)->result(0));
  replaceValue(graph, m.softmax->result(), (*fused)->result(1));
  return *fused;
}

} // namespace

bool run(ir::Graph &graph, PassContext &context) {
  std::erase_if(context.remarks, [&](const FusionRemark &r) { return r.function == graph.name; });
  bool changed = false;
  // In graph order. A rewrite puts the fused node where the softmax was and
  // erases the pattern (which may include nodes after it): the walk goes on
  // after the fused node, never through an erased one.
  const ir::NodeList &nodes = graph.nodes();
  for (auto it = nodes.begin(); it != nodes.end();) {
    ir::Node *softmax = (it++)->get();
    if (softmax->op != OpKind::Softmax) continue;
    FusionRemark remark{graph.name, softmax->loc, false, ""};
    auto match = matchAttention(graph, *softmax);
    if (!match) {
      remark.message = match.message();
      context.remarks.push_back(std::move(remark));
      continue;
    }
    ir::Node *fused = rewrite(graph, context.module, *match);
    remark.fused = true;
    remark.message = "fused into " + std::string(ir::mnemonic(fused->op)) +
                     (match->G ? " (Luong general, q' = G^T q)" : "") +
                     (match->fill ? " (the mask as a fill of " + ir::attrValueText(*match->fill) + ")" : "");
    context.remarks.push_back(std::move(remark));
    // The pattern's nodes go now, so that their uses do not count in the next match.
    eraseDeadNodes(graph, {softmax, match->context->def});
    it = std::next(graph.position(fused));
    changed = true;
  }
  return changed;
}

} // namespace attn::passes::FuseAttention
