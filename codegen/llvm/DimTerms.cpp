// Dims in generated code (DimTerms.h).
#include "codegen/llvm/DimTerms.h"

namespace attn::llvmcg {

namespace {

llvm::Value *emitAtom(llvm::IRBuilder<> &b, const ir::Dim::Atom &atom, const SymbolValue &symbol,
                      SizeArithmetic &arithmetic) {
  llvm::Value *x = emitDim(b, atom.lhs, symbol, &arithmetic), *y = emitDim(b, atom.rhs, symbol, &arithmetic);
  switch (atom.op) {
  case ir::Dim::Op::Min: return b.CreateSelect(b.CreateICmpSLT(y, x), y, x);
  case ir::Dim::Op::Max: return b.CreateSelect(b.CreateICmpSGT(y, x), y, x);
  case ir::Dim::Op::FloorDiv: break;
  }
  // Python's //: truncate, then one less when the remainder's sign differs from y's.
  llvm::Value *zero = b.getInt64(0);
  y = b.CreateSelect(b.CreateICmpEQ(y, zero), b.getInt64(1), y);
  llvm::Value *q = b.CreateSDiv(x, y), *r = b.CreateSRem(x, y);
  llvm::Value *adjust = b.CreateAnd(b.CreateICmpNE(r, zero),
                                    b.CreateICmpNE(b.CreateICmpSLT(r, zero), b.CreateICmpSLT(y, zero)));
  return b.CreateSub(q, b.CreateZExt(adjust, b.getInt64Ty()));
}

} // namespace

llvm::Value *SizeArithmetic::apply(llvm::Intrinsic::ID id, llvm::Value *x, llvm::Value *y) {
  llvm::Value *pair = b_.CreateBinaryIntrinsic(id, x, y);
  overflowed_ = b_.CreateOr(overflowed_, b_.CreateExtractValue(pair, 1));
  return b_.CreateExtractValue(pair, 0);
}

llvm::Value *emitDim(llvm::IRBuilder<> &b, const ir::Dim &dim, const SymbolValue &symbol,
                     SizeArithmetic *arithmetic) {
  if (auto c = dim.constant()) return b.getInt64(uint64_t(*c));
  SizeArithmetic plain(b, /*checked=*/false);
  SizeArithmetic &a = arithmetic ? *arithmetic : plain;
  llvm::Value *sum = nullptr;
  for (const ir::Dim::Term &term : dim.terms()) {
    llvm::Value *product = term.coefficient == 1 ? nullptr : b.getInt64(uint64_t(term.coefficient));
    for (const ir::Dim::Factor &f : term.factors) {
      llvm::Value *v = f.atom ? emitAtom(b, *f.atom, symbol, a) : symbol(f.symbol);
      product = product ? a.mul(product, v) : v;
    }
    if (!product) product = b.getInt64(uint64_t(term.coefficient));
    sum = sum ? a.add(sum, product) : product;
  }
  return sum ? sum : b.getInt64(0);
}

bool isNonNegative(const ir::Dim &dim) {
  for (const ir::Dim::Term &term : dim.terms()) {
    if (term.coefficient < 0) return false;
    for (const ir::Dim::Factor &f : term.factors)
      if (f.atom && (!isNonNegative(f.atom->lhs) || !isNonNegative(f.atom->rhs))) return false;
  }
  return true;
}

} // namespace attn::llvmcg
