// Elementwise ops, fused_elementwise and the leaves (constant, dim_value).
//
// Broadcasting is static: an operand axis of size 1 where the result's is
// not repeats (stride 0). The result's axes are collapsed into loop levels:
// adjacent axes merge when every operand is present in both or in neither,
// and axes of size 1 drop out, so [B, T, D] + [D] becomes two levels
// (B*T, D) and [B, T, D] + [B, T, D] one. The levels but the last are split
// over threads; the last is the inner loop, which LLVM vectorises.
// A scalar operand made by `constant` or `dim_value` is an immediate.
#include "codegen/llvm/Codegen.h"

#include "ir/ShapeInference.h"

#include <cmath>
#include <limits>

namespace attn::llvmcg {

namespace {

struct Level {
  ir::Dim extent;
  std::vector<bool> present; // per operand
};

/// The loop levels of an elementwise op over `result`.
std::vector<Level> loopLevels(const ir::DimList &result, const std::vector<ir::DimList> &operands) {
  std::vector<Level> levels;
  size_t n = result.size();
  for (size_t a = 0; a < n; ++a) {
    if (result[a] == ir::Dim(1)) continue;
    Level level{result[a], {}};
    for (const ir::DimList &shape : operands) {
      size_t lead = n - shape.size();
      level.present.push_back(a >= lead && shape[a - lead] != ir::Dim(1));
    }
    if (!levels.empty() && levels.back().present == level.present)
      levels.back().extent = levels.back().extent * level.extent;
    else
      levels.push_back(level);
  }
  return levels;
}

/// Stride of operand j at each level: the product of the later levels it is
/// present in; 0 where it is broadcast.
std::vector<std::vector<ir::Dim>> levelStrides(const std::vector<Level> &levels, size_t operands) {
  std::vector<std::vector<ir::Dim>> strides(operands, std::vector<ir::Dim>(levels.size(), ir::Dim(0)));
  for (size_t j = 0; j < operands; ++j) {
    ir::Dim stride(1);
    for (size_t l = levels.size(); l-- > 0;)
      if (levels[l].present[j]) {
        strides[j][l] = stride;
        stride = stride * levels[l].extent;
      }
  }
  return strides;
}

/// The element loop of an elementwise node: for items [begin, end) of the
/// outer levels (or elements, with one level), calls body(operand offsets,
/// result offset) for each element.
class ElementLoop {
public:
  ElementLoop(const ir::DimList &result, const std::vector<ir::DimList> &operands)
      : levels_(loopLevels(result, operands)), strides_(levelStrides(levels_, operands.size())),
        operands_(operands.size()) {}

  /// Items a task is split over.
  llvm::Value *items(FunctionEmitter &f) const {
    if (levels_.empty()) return f.i64(1);
    ir::Dim outer(1);
    for (size_t l = 0; l + 1 < levels_.size(); ++l) outer = outer * levels_[l].extent;
    return f.dim(levels_.size() == 1 ? levels_[0].extent : outer);
  }
  int64_t grain() const {
    if (levels_.size() <= 1) return 16384;
    auto inner = levels_.back().extent.constant();
    return std::max<int64_t>(1, 16384 / std::max<int64_t>(inner.value_or(64), 1));
  }

  void emit(FunctionEmitter &f, llvm::Value *begin, llvm::Value *end,
            const std::function<void(const Values &, llvm::Value *)> &body) const {
    if (levels_.size() <= 1) { // one loop over the elements (one element for a scalar)
      f.forRange(begin, end, [&](llvm::Value *i) {
        body(levels_.empty() ? zeros(f) : offsets(f, 0, i, zeros(f)), i);
      });
      return;
    }
    size_t last = levels_.size() - 1;
    llvm::Value *inner = f.dim(levels_[last].extent);
    f.forRange(begin, end, [&](llvm::Value *item) {
      // Decompose the item into the outer levels' indices, innermost first.
      Values base = zeros(f);
      llvm::Value *rest = item;
      for (size_t l = last; l-- > 0;) {
        llvm::Value *extent = f.dim(levels_[l].extent);
        llvm::Value *index = l == 0 ? rest : f.b.CreateSRem(rest, extent);
        if (l != 0) rest = f.b.CreateSDiv(rest, extent);
        base = offsets(f, l, index, base);
      }
      llvm::Value *resultBase = f.b.CreateMul(item, inner);
      f.forRange(f.i64(0), inner, [&](llvm::Value *i) {
        body(offsets(f, last, i, base), f.b.CreateAdd(resultBase, i));
      });
    });
  }

private:
  Values zeros(FunctionEmitter &f) const { return Values(operands_, f.i64(0)); }
  Values offsets(FunctionEmitter &f, size_t level, llvm::Value *index, Values base) const {
    for (size_t j = 0; j < operands_; ++j) {
      const ir::Dim &stride = strides_[j][level];
      if (stride == ir::Dim(0)) continue;
      base[j] = f.b.CreateAdd(base[j], stride == ir::Dim(1) ? index : f.b.CreateMul(index, f.dim(stride)));
    }
    return base;
  }

  std::vector<Level> levels_;
  std::vector<std::vector<ir::Dim>> strides_;
  size_t operands_;
};

/// The constant's value as its dtype, as the interpreter converts it.
llvm::Value *constantValue(FunctionEmitter &f, double v, DType dtype) {
  switch (dtype) {
  case DType::F32: return f.f32(float(v));
  case DType::Bool: return f.b.getInt1(v != 0);
  case DType::I64:
  case DType::I32: {
    double lowest = dtype == DType::I64 ? -9223372036854775808.0 : -2147483648.0;
    double t = std::trunc(v);
    int64_t n = (t >= lowest && t < -lowest) ? int64_t(t) : int64_t(lowest);
    return llvm::ConstantInt::get(f.registerType(dtype), uint64_t(n), true);
  }
  }
  return nullptr;
}

/// An operand's value when it is a leaf known without loading: a constant
/// or a dim; null otherwise.
llvm::Value *immediate(FunctionEmitter &f, const ir::Value *v) {
  if (v->kind != ir::Value::Kind::NodeResult) return nullptr;
  const ir::Node &def = *v->def;
  if (def.op == ir::OpKind::Constant) return constantValue(f, def.attrs.Value, def.attrs.DType);
  if (def.op == ir::OpKind::DimValue) return f.dim(ir::Dim::symbol(def.attrs.Symbol));
  return nullptr;
}

/// Loads (or takes the immediate of) each operand at its offset.
Values loadOperands(FunctionEmitter &f, const std::vector<const ir::Value *> &operands,
                    const Values &pointers, const Values &offsets) {
  Values x;
  for (size_t j = 0; j < operands.size(); ++j) {
    llvm::Value *imm = immediate(f, operands[j]);
    x.push_back(imm ? imm : f.loadElement(operands[j]->type.dtype, pointers[j], offsets[j]));
  }
  return x;
}

Values operandPointers(FunctionEmitter &f, const std::vector<const ir::Value *> &operands) {
  Values p;
  for (const ir::Value *v : operands) p.push_back(immediate(f, v) ? nullptr : f.ptr(v));
  return p;
}

std::vector<ir::DimList> shapesOf(const std::vector<const ir::Value *> &operands) {
  std::vector<ir::DimList> shapes;
  for (const ir::Value *v : operands) shapes.push_back(v->type.shape);
  return shapes;
}

/// The value of one element of a node: its op, or its fused body, on x.
using ElementFormula = std::function<llvm::Value *(FunctionEmitter &, const Values &)>;

/// Runs `formula` over every element of the node's result, in parallel.
void emitElementwiseNode(NodeLowering &L, const std::vector<const ir::Value *> &operands,
                         const ElementFormula &formula) {
  const ir::Value *result = L.result();
  ElementLoop loop(result->type.shape, shapesOf(operands));
  FunctionEmitter &t = L.task("map");
  Values pointers = operandPointers(t, operands);
  llvm::Value *out = t.ptr(result);
  loop.emit(t, t.arg(1), t.arg(2), [&](const Values &offsets, llvm::Value *at) {
    t.storeElement(result->type.dtype, formula(t, loadOperands(t, operands, pointers, offsets)), out, at);
  });
  L.runParallel(t, loop.items(L.entry()), loop.grain());
}

/// Integer division fails on a zero divisor (when the result has elements):
/// the divisor operand is scanned in the entry before any work.
void checkDivisors(NodeLowering &L) {
  const ir::Value *divisor = L.operand(1);
  if (!isInteger(divisor->type.dtype)) return;
  FunctionEmitter &e = L.entry();
  const ir::DimList &shape = L.result()->type.shape;
  llvm::Value *used = e.b.CreateICmpSGT(e.extent(shape, 0, shape.size()), e.i64(0));
  llvm::Value *zero;
  if (llvm::Value *imm = immediate(e, divisor)) {
    zero = e.b.CreateICmpEQ(imm, llvm::Constant::getNullValue(imm->getType()));
  } else {
    llvm::Value *data = e.ptr(divisor);
    llvm::Value *count = e.extent(divisor->type.shape, 0, divisor->type.shape.size());
    zero = e.forRangeCarry(e.i64(0), count, {e.b.getFalse()}, [&](llvm::Value *i, const Values &c) {
      llvm::Value *d = e.loadElement(divisor->type.dtype, data, i);
      return Values{e.b.CreateOr(c[0], e.b.CreateICmpEQ(d, llvm::Constant::getNullValue(d->getType())))};
    })[0];
  }
  L.failIf(e.b.CreateAnd(used, zero), kIntegerDivisionByZero, e.i64(0), e.i64(0));
}

std::vector<const ir::Value *> operandsOf(const ir::Node &node) {
  return std::vector<const ir::Value *>(node.operands().begin(), node.operands().end());
}

/// Each step of a fused body on the inputs' values; the last is the result.
/// With `zeroDivisor`, also ORs into it whether an integer division step
/// met a zero divisor.
llvm::Value *evaluateBody(FunctionEmitter &f, const ir::Node &node, const Values &inputs,
                          llvm::Value **zeroDivisor) {
  const ir::ElementwiseBody &body = node.attrs.Body;
  Values values = inputs;
  std::vector<DType> types;
  for (const ir::Value *v : node.operands()) types.push_back(v->type.dtype);
  for (const ir::ElementwiseStep &step : body.steps) {
    Values x;
    std::vector<ir::Type> scalarTypes;
    std::vector<DType> dtypes;
    for (int32_t k : step.operands) {
      x.push_back(values[size_t(k)]);
      dtypes.push_back(types[size_t(k)]);
      scalarTypes.push_back(ir::Type{types[size_t(k)], {}});
    }
    ir::Attrs attrs;
    attrs.DType = step.dtype;
    auto resultTypes = ir::inferResultTypes(step.op, scalarTypes, attrs);
    assert(resultTypes && "the verifier checked the body's types");
    DType resultType = resultTypes->front().dtype;
    if (zeroDivisor && step.op == ir::OpKind::Div && isInteger(dtypes[1]))
      *zeroDivisor = f.b.CreateOr(*zeroDivisor, f.b.CreateICmpEQ(x[1], llvm::Constant::getNullValue(x[1]->getType())));
    values.push_back(emitScalarOp(f, step.op, dtypes, x, resultType));
    types.push_back(resultType);
  }
  return values.back();
}

/// Whether a step of the body divides integers (its operands' dtypes
/// follow from the inputs' through each step's typing rule).
bool hasIntegerDivision(const ir::Node &node) {
  std::vector<DType> types;
  for (const ir::Value *v : node.operands()) types.push_back(v->type.dtype);
  for (const ir::ElementwiseStep &step : node.attrs.Body.steps) {
    std::vector<ir::Type> scalarTypes;
    for (int32_t k : step.operands) scalarTypes.push_back(ir::Type{types[size_t(k)], {}});
    if (step.op == ir::OpKind::Div && isInteger(scalarTypes[1].dtype)) return true;
    ir::Attrs attrs;
    attrs.DType = step.dtype;
    auto resultTypes = ir::inferResultTypes(step.op, scalarTypes, attrs);
    types.push_back(resultTypes ? resultTypes->front().dtype : DType::F32);
  }
  return false;
}

} // namespace

void emitBroadcastCopy(NodeLowering &L, const ir::Value *value, const ir::DimList &shape, int slot) {
  ElementLoop loop(shape, {value->type.shape});
  FunctionEmitter &t = L.task("broadcast");
  llvm::Value *from = t.ptr(value), *to = t.framePointer(slot);
  DType dtype = value->type.dtype;
  loop.emit(t, t.arg(1), t.arg(2), [&](const Values &offsets, llvm::Value *at) {
    llvm::Type *type = t.memoryType(dtype);
    t.b.CreateStore(t.b.CreateLoad(type, t.gep(type, from, offsets[0])), t.gep(type, to, at));
  });
  L.runParallel(t, loop.items(L.entry()), loop.grain());
}

llvm::Value *reassociableAdd(FunctionEmitter &f, llvm::Value *a, llvm::Value *b) {
  llvm::Value *sum = f.b.CreateFAdd(a, b);
  if (auto *i = llvm::dyn_cast<llvm::Instruction>(sum)) i->setHasAllowReassoc(true);
  return sum;
}

Status lowerLeaf(NodeLowering &L) {
  FunctionEmitter &e = L.entry();
  llvm::Value *value = immediate(e, L.result());
  e.storeElement(L.result()->type.dtype, value, e.ptr(L.result()), e.i64(0));
  return Status::ok();
}

Status lowerElementwise(NodeLowering &L) {
  const ir::Node &node = L.node;
  if (node.op == ir::OpKind::Div) checkDivisors(L);
  std::vector<DType> types;
  for (const ir::Value *v : node.operands()) types.push_back(v->type.dtype);
  DType resultType = L.result()->type.dtype;
  emitElementwiseNode(L, operandsOf(node), [&](FunctionEmitter &f, const Values &x) {
    return emitScalarOp(f, node.op, types, x, resultType);
  });
  return Status::ok();
}

// A division step may divide by a value computed inside the body, so the
// zero check runs the body over every element once, sequentially, first.
Status lowerFusedElementwise(NodeLowering &L) {
  const ir::Node &node = L.node;
  std::vector<const ir::Value *> operands = operandsOf(node);
  if (hasIntegerDivision(node)) {
    FunctionEmitter &e = L.entry();
    ElementLoop loop(L.result()->type.shape, shapesOf(operands));
    Values pointers = operandPointers(e, operands);
    llvm::Value *flag = e.stackArray(e.b.getInt1Ty(), 1);
    e.b.CreateStore(e.b.getFalse(), flag);
    loop.emit(e, e.i64(0), loop.items(e), [&](const Values &offsets, llvm::Value *) {
      llvm::Value *zero = e.b.CreateLoad(e.b.getInt1Ty(), flag);
      evaluateBody(e, node, loadOperands(e, operands, pointers, offsets), &zero);
      e.b.CreateStore(zero, flag);
    });
    L.failIf(e.b.CreateLoad(e.b.getInt1Ty(), flag), kIntegerDivisionByZero, e.i64(0), e.i64(0));
  }
  emitElementwiseNode(L, operands, [&](FunctionEmitter &f, const Values &x) {
    return evaluateBody(f, node, x, nullptr);
  });
  return Status::ok();
}

} // namespace attn::llvmcg
