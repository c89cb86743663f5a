// A Dim as the list of its terms (coefficient times a product of symbols),
// which code generation needs to evaluate a dim from the symbols' values.
// ir::Dim keeps its terms private; its canonical text (`B*T + 2*T - 1`) is
// parsed back, and the parse is checked against Dim::evaluate.
#pragma once

#include "ir/Dim.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attn::llvmcg {

struct DimTerm {
  int64_t coefficient = 0;
  std::vector<std::string> symbols; // a product; empty for the constant term
};

/// The terms of `dim`, constant term included (none for 0).
std::vector<DimTerm> dimTerms(const ir::Dim &dim);

/// Whether `dim` is >= 0 whenever every symbol is (no negative coefficient).
bool isNonNegative(const ir::Dim &dim);

} // namespace attn::llvmcg
