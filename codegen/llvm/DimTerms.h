// A Dim in generated code: its terms (ir::Dim::terms) as products and sums of
// the symbols' run-time values, floordiv/min/max atoms as their operations.
#pragma once

#include "ir/Dim.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <functional>
#include <string>

namespace attn::llvmcg {

using SymbolValue = std::function<llvm::Value *(const std::string &)>;

/// i64 products and sums for sizes; checked ones remember whether any of
/// them overflowed (sizes computed from the dims of a call, which a
/// stranger's file sets).
class SizeArithmetic {
public:
  SizeArithmetic(llvm::IRBuilder<> &b, bool checked) : b_(b), checked_(checked), overflowed_(b.getFalse()) {}
  llvm::Value *mul(llvm::Value *x, llvm::Value *y) {
    return checked_ ? apply(llvm::Intrinsic::smul_with_overflow, x, y) : b_.CreateMul(x, y);
  }
  llvm::Value *add(llvm::Value *x, llvm::Value *y) {
    return checked_ ? apply(llvm::Intrinsic::sadd_with_overflow, x, y) : b_.CreateAdd(x, y);
  }
  /// An i1: whether any checked operation so far overflowed.
  llvm::Value *overflowed() const { return overflowed_; }

private:
  llvm::Value *apply(llvm::Intrinsic::ID id, llvm::Value *x, llvm::Value *y);
  llvm::IRBuilder<> &b_;
  bool checked_;
  llvm::Value *overflowed_;
};

/// `dim` as an i64, each symbol's value from `symbol`. A floordiv by zero
/// divides by 1 instead (the host checks every result shape before the
/// code runs, so a dim without a value never reaches it). Its products and
/// sums go through `arithmetic` when given (checked sizes), else plain.
llvm::Value *emitDim(llvm::IRBuilder<> &b, const ir::Dim &dim, const SymbolValue &symbol,
                     SizeArithmetic *arithmetic = nullptr);

/// Whether `dim` is >= 0 whenever every symbol is (no negative coefficient,
/// and every atom's operands so).
bool isNonNegative(const ir::Dim &dim);

} // namespace attn::llvmcg
