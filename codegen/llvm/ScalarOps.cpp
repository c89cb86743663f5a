// The scalar formula of every elementwise op, on register values (scalars or
// vectors alike), with the interpreter's semantics (codegen/interp/
// Elementwise.h, ElementwiseKernels.cpp): integers wrap, integer division
// floors (min / -1 wraps to min), maximum/minimum propagate NaN, relu keeps
// NaN, a cast from float to integer truncates and gives the target's minimum
// for NaN and out-of-range values, anything to bool is `!= 0`.
#include "codegen/llvm/Codegen.h"

#include <cmath>
#include <limits>

namespace attn::llvmcg {

namespace {

llvm::Value *zeroOf(llvm::Value *like) { return llvm::Constant::getNullValue(like->getType()); }

llvm::Value *castValue(FunctionEmitter &f, llvm::Value *x, DType from, DType to) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Type *target = f.registerType(to);
  if (auto *v = llvm::dyn_cast<llvm::VectorType>(x->getType()))
    target = llvm::VectorType::get(target, v->getElementCount());
  if (from == to) return x;
  if (to == DType::Bool)
    return from == DType::F32 ? b.CreateFCmpUNE(x, zeroOf(x)) : b.CreateICmpNE(x, zeroOf(x));
  if (from == DType::Bool)
    return to == DType::F32 ? b.CreateUIToFP(x, target) : b.CreateZExt(x, target);
  if (from == DType::F32 && to == DType::F32) return x;
  if (to == DType::F32) return b.CreateSIToFP(x, target);
  if (from != DType::F32) return b.CreateSExtOrTrunc(x, target);
  // Float to integer: in range means trunc(x) in [min, -min); both bounds are
  // powers of two, exact in f32. fptosi of anything else is poison, so the
  // converted operand is made safe before the select.
  double lowest = to == DType::I64 ? -9223372036854775808.0 : -2147483648.0;
  llvm::Value *t = b.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, x);
  llvm::Value *inRange = b.CreateAnd(b.CreateFCmpOGE(t, f.constantLike(x, float(lowest))),
                                     b.CreateFCmpOLT(t, f.constantLike(x, float(-lowest))));
  llvm::Value *safe = b.CreateSelect(inRange, t, zeroOf(x));
  llvm::Value *minimum = llvm::ConstantInt::get(target, to == DType::I64
                                                            ? uint64_t(std::numeric_limits<int64_t>::min())
                                                            : uint64_t(uint32_t(std::numeric_limits<int32_t>::min())));
  return b.CreateSelect(inRange, b.CreateFPToSI(safe, target), minimum);
}

/// Python's `//` for b != 0: the quotient rounded toward negative infinity;
/// b == -1 is negation (wrapping), kept away from sdiv, for which min / -1
/// is undefined.
llvm::Value *floorDivide(FunctionEmitter &f, llvm::Value *a, llvm::Value *d) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *one = llvm::ConstantInt::get(a->getType(), 1);
  llvm::Value *minusOne = llvm::Constant::getAllOnesValue(a->getType());
  llvm::Value *isMinusOne = b.CreateICmpEQ(d, minusOne);
  llvm::Value *isZero = b.CreateICmpEQ(d, zeroOf(d));
  llvm::Value *safe = b.CreateSelect(b.CreateOr(isMinusOne, isZero), one, d);
  llvm::Value *q = b.CreateSDiv(a, safe), *r = b.CreateSRem(a, safe);
  llvm::Value *signsDiffer = b.CreateICmpSLT(b.CreateXor(r, safe), zeroOf(r));
  llvm::Value *adjust = b.CreateAnd(b.CreateICmpNE(r, zeroOf(r)), signsDiffer);
  q = b.CreateSelect(adjust, b.CreateSub(q, one), q);
  return b.CreateSelect(isMinusOne, b.CreateSub(zeroOf(a), a), q);
}

/// torch.maximum/minimum: NaN if either operand is; else the larger/smaller,
/// the first operand on ties (as the interpreter's `a < b ? b : a`).
llvm::Value *extremum(FunctionEmitter &f, bool isFloat, bool maximum, llvm::Value *a, llvm::Value *b) {
  llvm::IRBuilder<> &B = f.b;
  if (!isFloat) return B.CreateSelect(maximum ? B.CreateICmpSLT(a, b) : B.CreateICmpSLT(b, a), b, a);
  llvm::Value *pick = B.CreateSelect(maximum ? B.CreateFCmpOLT(a, b) : B.CreateFCmpOLT(b, a), b, a);
  llvm::Value *nan = f.constantLike(a, std::numeric_limits<float>::quiet_NaN());
  return B.CreateSelect(B.CreateFCmpUNO(a, b), nan, pick);
}

/// PyTorch's comparisons: ordered for floats (NaN is unequal to everything:
/// `!=` is the unordered predicate), signed for integers, unsigned for bool
/// (an i1 true is -1 to a signed compare).
llvm::Value *compare(FunctionEmitter &f, ir::OpKind op, DType dtype, llvm::Value *a, llvm::Value *b) {
  using K = ir::OpKind;
  using P = llvm::CmpInst::Predicate;
  llvm::IRBuilder<> &B = f.b;
  if (dtype == DType::F32) {
    P p = op == K::Equal ? P::FCMP_OEQ : op == K::NotEqual ? P::FCMP_UNE : op == K::Less ? P::FCMP_OLT
        : op == K::LessEqual ? P::FCMP_OLE : op == K::Greater ? P::FCMP_OGT : P::FCMP_OGE;
    return B.CreateFCmp(p, a, b);
  }
  bool isBool = dtype == DType::Bool;
  P p = op == K::Equal ? P::ICMP_EQ : op == K::NotEqual ? P::ICMP_NE
      : op == K::Less ? (isBool ? P::ICMP_ULT : P::ICMP_SLT)
      : op == K::LessEqual ? (isBool ? P::ICMP_ULE : P::ICMP_SLE)
      : op == K::Greater ? (isBool ? P::ICMP_UGT : P::ICMP_SGT)
      : (isBool ? P::ICMP_UGE : P::ICMP_SGE);
  return B.CreateICmp(p, a, b);
}

} // namespace

llvm::Value *emitScalarOp(FunctionEmitter &f, ir::OpKind op, const std::vector<DType> &types,
                          const Values &x, DType resultType) {
  using K = ir::OpKind;
  llvm::IRBuilder<> &b = f.b;
  bool isFloat = !types.empty() && types.back() == DType::F32;
  switch (op) {
  case K::Tanh: return f.tanh(x[0]);
  case K::Gelu: return f.gelu(x[0]);
  case K::Sigmoid: return f.sigmoid(x[0]);
  case K::Exp: return f.exp(x[0]);
  case K::Log: return f.log(x[0]);
  case K::Sqrt: return b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x[0]);
  case K::Relu:
    return isFloat ? b.CreateSelect(b.CreateFCmpOLT(x[0], zeroOf(x[0])), zeroOf(x[0]), x[0])
                   : b.CreateSelect(b.CreateICmpSLT(x[0], zeroOf(x[0])), zeroOf(x[0]), x[0]);
  case K::Abs:
    return isFloat ? b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x[0])
                   : b.CreateSelect(b.CreateICmpSLT(x[0], zeroOf(x[0])), b.CreateSub(zeroOf(x[0]), x[0]), x[0]);
  case K::Neg: return isFloat ? b.CreateFNeg(x[0]) : b.CreateSub(zeroOf(x[0]), x[0]);
  case K::Cast: return castValue(f, x[0], types[0], resultType);
  case K::Add: return isFloat ? b.CreateFAdd(x[0], x[1]) : b.CreateAdd(x[0], x[1]);
  case K::Sub: return isFloat ? b.CreateFSub(x[0], x[1]) : b.CreateSub(x[0], x[1]);
  case K::Mul: return isFloat ? b.CreateFMul(x[0], x[1]) : b.CreateMul(x[0], x[1]);
  case K::Div: return isFloat ? b.CreateFDiv(x[0], x[1]) : floorDivide(f, x[0], x[1]);
  case K::Maximum: return extremum(f, isFloat, true, x[0], x[1]);
  case K::Minimum: return extremum(f, isFloat, false, x[0], x[1]);
  case K::Where: return b.CreateSelect(x[0], x[1], x[2]);
  case K::Equal: case K::NotEqual: case K::Less: case K::LessEqual: case K::Greater:
  case K::GreaterEqual:
    return compare(f, op, types[0], x[0], x[1]);
  case K::BitwiseAnd: return b.CreateAnd(x[0], x[1]);
  case K::BitwiseOr: return b.CreateOr(x[0], x[1]);
  case K::BitwiseNot: return b.CreateNot(x[0]);
  // Not elementwise: no scalar form (the verifier keeps them out of a
  // fused_elementwise body). Listed so that a new op must be placed.
  case K::Constant: case K::DimValue: case K::Sum: case K::Mean: case K::Max: case K::Argmax:
  case K::Softmax: case K::LogSoftmax: case K::MatMul: case K::Transpose: case K::Permute:
  case K::Reshape: case K::Squeeze: case K::Unsqueeze: case K::Concat: case K::Slice:
  case K::SequenceMask: case K::Linear: case K::Embedding: case K::LayerNorm: case K::Conv1d: case K::LSTM:
  case K::GRU: case K::RNN: case K::AdditiveAttention: case K::DotAttention: case K::LinearAct:
  case K::FusedElementwise:
    break;
  }
  assert(false && "not an elementwise op");
  return nullptr;
}

} // namespace attn::llvmcg
