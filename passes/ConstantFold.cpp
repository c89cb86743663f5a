// constant-fold: a node whose operands are all known is evaluated at compile
// time (by the reference interpreter's kernel, PassContext::evaluate) and
// replaced by its value. Known are scalar literals (`constant` nodes), the
// module's constants, and, when the pipeline has the weights' data
// (attnc --weights), the weights. A scalar result becomes a `constant` node;
// a tensor becomes a module constant `@<first weight operand>.<op>` that the
// module holds with its data (Module::addConstant), which backends bind like
// a weight. Without weights only literals fold.
//
//   before (with weights)                    after
//     %0 = reshape(@cv.weight) {[24]}          const @cv.weight.reshape : f32[24]
//     %s = matmul(%u, %0)                      %s = matmul(%u, @cv.weight.reshape)
//   before (literals only)
//     %0 = constant {value = 2.0}              %2 = constant {value = 0.5}
//     %1 = constant {value = 4.0}
//     %2 = div(%0, %1)
#include "ir/Builder.h"
#include "passes/Pass.h"
#include "passes/Pattern.h"

#include <cmath>
#include <map>

namespace attn::passes::ConstantFold {

namespace {

using ir::OpKind;
using ir::Value;

constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

/// A static shape of at most kMaxFoldedElements elements.
std::optional<Shape> staticShape(const ir::Type &type) {
  Shape shape;
  for (const ir::Dim &d : type.shape) {
    auto n = d.constant();
    if (!n) return std::nullopt;
    shape.push_back(*n);
  }
  if (numElements(shape) > kMaxFoldedElements) return std::nullopt;
  return shape;
}

/// The value of a scalar as a double, when the double holds it exactly.
std::optional<double> exactScalar(const Tensor &t) {
  switch (t.dtype()) {
  case DType::F32: return double(*t.as<float>());
  case DType::I32: return double(*t.as<int32_t>());
  case DType::Bool: return double(*t.as<uint8_t>() != 0);
  case DType::I64: {
    int64_t v = *t.as<int64_t>();
    if (v > (int64_t(1) << 53) || v < -(int64_t(1) << 53)) return std::nullopt;
    return double(v);
  }
  }
  return std::nullopt;
}

class Folder {
public:
  Folder(ir::Graph &graph, PassContext &context) : graph_(graph), context_(context) {}

  /// Folds `node` if all its operands are known; true if it did.
  bool fold(ir::Node &node) {
    if (node.op == OpKind::Constant || node.op == OpKind::DimValue) return false;
    std::vector<TensorView> operands;
    for (const Value *v : node.operands()) {
      auto data = known(v);
      if (!data) return false;
      operands.push_back(*data);
    }
    for (const Value *r : node.results)
      if (!staticShape(r->type)) return false;
    auto results = context_.evaluate(node, operands);
    if (!results) return false; // e.g. an integer division by zero: left for run time
    for (size_t i = 0; i < node.results.size(); ++i)
      replaceValue(graph_, node.result(unsigned(i)),
                   materialize(node, *node.result(unsigned(i)), std::move((*results)[i])));
    return true;
  }

private:
  std::optional<TensorView> known(const Value *v) {
    if (v->isWeight()) return context_.weightData(v);
    ir::Node *literal = definedBy(v, OpKind::Constant);
    if (!literal) return std::nullopt;
    auto it = literals_.find(v);
    if (it == literals_.end()) {
      auto value = context_.evaluate(*literal, {});
      if (!value) return std::nullopt;
      it = literals_.emplace(v, std::move(value->front())).first;
    }
    return it->second.view();
  }

  Value *materialize(ir::Node &node, const Value &result, Tensor value) {
    if (value.shape().empty())
      if (auto scalar = exactScalar(value))
        return ir::Builder(graph_, &node).constant(*scalar, value.dtype(), node.loc);
    std::string base = "const";
    for (const Value *v : node.operands())
      if (v->isWeight()) {
        base = v->name;
        break;
      }
    ir::Module &module = context_.module;
    std::string name = module.uniqueWeightName(base + "." + std::string(ir::mnemonic(node.op)));
    return module.addConstant(name, result.type, std::make_shared<const Tensor>(std::move(value)));
  }

  ir::Graph &graph_;
  PassContext &context_;
  std::map<const Value *, Tensor> literals_;
};

} // namespace

bool run(ir::Graph &graph, PassContext &context) {
  if (!context.evaluate) return false;
  Folder folder(graph, context);
  std::vector<ir::Node *> folded;
  // Folded constants go in front of the node: the walk does not see them.
  for (const auto &node : graph.nodes())
    if (node->isUsed() && folder.fold(*node)) folded.push_back(node.get());
  bool changed = !folded.empty();
  eraseDeadNodes(graph, folded);
  return changed;
}

} // namespace attn::passes::ConstantFold
