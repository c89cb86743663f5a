// Dim-only run-time checks and the messages of data errors (HostChecks.h).
// The messages are the interpreter's (codegen/interp/*Kernels.cpp).
#include "codegen/llvm/HostChecks.h"

#include "codegen/llvm/DimTerms.h"
#include "codegen/llvm/RuntimeAbi.h"

#include <algorithm>
#include <set>

namespace attn::llvmcg {

namespace {

using K = ir::OpKind;

int64_t evaluate(const ir::Dim &d, const codegen::DimBindings &dims) { return *d.evaluate(dims); }

bool mayBeNegative(const ir::Node &node) {
  for (const ir::Value *r : node.results)
    for (const ir::Dim &d : r->type.shape)
      if (!isNonNegative(d)) return true;
  return false;
}

bool hasDimCheck(const ir::Node &node) {
  return mayBeNegative(node) || node.op == K::Slice || node.op == K::Max || node.op == K::Argmax ||
         node.op == K::LSTM || node.op == K::GRU || node.op == K::RNN;
}

/// The elements max/argmax reduce over (per result element): the axis, or all.
ir::Dim reducedDim(const ir::Node &node) {
  const ir::DimList &in = node.operand(0)->type.shape;
  ir::Dim reduced(1);
  for (size_t i = 0; i < in.size(); ++i)
    if (!node.attrs.Axis || *node.attrs.Axis == int64_t(i)) reduced = reduced * in[i];
  return reduced;
}

/// A recurrent layer's time steps T.
const ir::Dim &timeDim(const ir::Node &node) {
  const ir::DimList &in = node.operand(0)->type.shape;
  return node.attrs.BatchFirst ? in[1] : in[0];
}

/// The op's own check (after the result shapes'), as its interpreter kernel.
/// opRequirements says the same as conditions.
Status opCheck(const ir::Node &node, const codegen::DimBindings &dims) {
  const ir::Attrs &a = node.attrs;
  std::string name(ir::mnemonic(node.op));
  const ir::DimList &in = node.operand(0)->type.shape;
  if (node.op == K::Slice) {
    if (auto range = codegen::sliceRange(a, dims, evaluate(in[size_t(*a.Axis)], dims)); !range)
      return range.status();
  } else if (node.op == K::Max || node.op == K::Argmax) {
    if (evaluate(reducedDim(node), dims) == 0) {
      if (!a.Axis) return Status::error(name + ": cannot reduce a tensor with no elements");
      return Status::error(name + ": cannot reduce over axis " + std::to_string(*a.Axis) +
                           ", which has size 0");
    }
  } else if (node.op == K::LSTM || node.op == K::GRU || node.op == K::RNN) {
    if (evaluate(timeDim(node), dims) == 0)
      return Status::error(name + ": the input has no time steps (T = 0); a recurrent layer " +
                           "needs at least one, as in PyTorch");
  }
  return Status::ok();
}

/// opCheck as conditions, in its order.
void opRequirements(const ir::Node &node, std::vector<DimRequirement> &out) {
  auto lessEqual = [&](const ir::Dim &lhs, const ir::Dim &rhs) {
    out.push_back({DimRequirement::Kind::LessEqual, &node, {}, DType::F32, lhs, rhs});
  };
  auto nonZero = [&](const ir::Dim &d) {
    out.push_back({DimRequirement::Kind::NonZero, &node, {}, DType::F32, d, ir::Dim()});
  };
  if (node.op == K::Slice) {
    lessEqual(ir::Dim(0), node.attrs.Start);
    lessEqual(node.attrs.Start, node.attrs.End);
    lessEqual(node.attrs.End, node.operand(0)->type.shape[size_t(*node.attrs.Axis)]);
  } else if (node.op == K::Max || node.op == K::Argmax) {
    nonZero(reducedDim(node));
  } else if (node.op == K::LSTM || node.op == K::GRU || node.op == K::RNN) {
    nonZero(timeDim(node));
  }
}

} // namespace

std::vector<std::string> functionSymbols(const ir::Graph &graph) {
  std::vector<std::string> symbols;
  for (const ir::Value *arg : graph.arguments)
    for (const ir::Dim &d : arg->type.shape)
      if (auto s = d.asSymbol(); s && std::find(symbols.begin(), symbols.end(), *s) == symbols.end())
        symbols.push_back(*s);
  return symbols;
}

DimChecks::DimChecks(const ir::Graph &graph) {
  // Every symbolic result type once, for its byte size (resultShapes): the
  // scratch plan and the loops assume each value's bytes fit in an int64.
  std::set<std::pair<size_t, std::string>> sized;
  auto newSymbolicType = [&](const ir::Node &node) {
    bool fresh = false;
    for (const ir::Value *r : node.results)
      if (!r->type.constantByteSize())
        fresh |= sized.emplace(dtypeSize(r->type.dtype), ir::dimsToString(r->type.shape)).second;
    return fresh;
  };
  for (const auto &node : graph.nodes())
    if (hasDimCheck(*node) || newSymbolicType(*node)) nodes_.push_back(node.get());
}

std::vector<DimRequirement> dimRequirements(const ir::Graph &graph) {
  std::vector<DimRequirement> requirements;
  DimChecks checks(graph);
  for (const ir::Node *node : checks.nodes()) {
    for (const ir::Value *r : node->results)
      requirements.push_back({DimRequirement::Kind::Shape, node, r->type.shape, r->type.dtype, {}, {}});
    opRequirements(*node, requirements);
  }
  return requirements;
}

Status DimChecks::run(const ir::Module &module, const codegen::DimBindings &dims) const {
  for (const ir::Node *checked : nodes_) {
    const ir::Node &node = *checked;
    Status s = codegen::resultShapes(node, dims).status();
    if (s) s = opCheck(node, dims);
    if (!s) return Status::error(codegen::locationPrefix(module, node) + s.message());
  }
  return Status::ok();
}

Status runtimeError(const ir::Module &module, const ir::Graph &graph, int32_t code,
                    const int64_t *error, const codegen::DimBindings &dims) {
  int64_t index = error[0];
  if (index < 0 || index >= int64_t(graph.nodes().size()))
    return Status::error("llvm: the generated code failed with code " + std::to_string(code));
  const ir::Node &node = **std::next(graph.nodes().begin(), index);
  std::string message = "llvm: the generated code failed with code " + std::to_string(code);
  switch (RuntimeError(code)) {
  case kEmbeddingOutOfRange: {
    Shape ids;
    for (const ir::Dim &d : node.operand(0)->type.shape) ids.push_back(evaluate(d, dims));
    Shape position(ids.size());
    for (int64_t p = error[1], k = int64_t(ids.size()); k-- > 0;) {
      position[size_t(k)] = p % ids[size_t(k)];
      p /= ids[size_t(k)];
    }
    message = "embedding: token id " + std::to_string(error[2]) + " at position " +
              shapeToString(position) + " is out of range [0, " +
              std::to_string(*node.operand(1)->type.shape[0].constant()) + ")";
    break;
  }
  case kIntegerDivisionByZero: message = "div: integer division by zero"; break;
  case kLengthOutOfRange: {
    const ir::DimList &x = node.operand(0)->type.shape;
    int64_t T = evaluate(node.attrs.BatchFirst ? x[1] : x[0], dims);
    message = std::string(ir::mnemonic(node.op)) + ": lengths[" + std::to_string(error[1]) +
              "] = " + std::to_string(error[2]) + " is out of range [1, " + std::to_string(T) +
              "] (T = " + std::to_string(T) + ")";
    break;
  }
  case kRunOk: break;
  }
  return Status::error(codegen::locationPrefix(module, node) + message);
}

} // namespace attn::llvmcg
