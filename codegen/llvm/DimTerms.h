// A Dim in generated code: its terms (ir::Dim::terms) as products and sums of
// the symbols' run-time values, floordiv/min/max atoms as their operations.
#pragma once

#include "ir/Dim.h"

#include <llvm/IR/IRBuilder.h>

#include <functional>
#include <string>

namespace attn::llvmcg {

using SymbolValue = std::function<llvm::Value *(const std::string &)>;

/// `dim` as an i64, each symbol's value from `symbol`. A floordiv by zero
/// divides by 1 instead (the host checks every result shape before the
/// code runs, so a dim without a value never reaches it).
llvm::Value *emitDim(llvm::IRBuilder<> &b, const ir::Dim &dim, const SymbolValue &symbol);

/// Whether `dim` is >= 0 whenever every symbol is (no negative coefficient,
/// and every atom's operands so).
bool isNonNegative(const ir::Dim &dim);

} // namespace attn::llvmcg
