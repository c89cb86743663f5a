// The stable textual form of the IR (docs/ir.md), for --emit=ir, the
// --print-after flags and FileCheck tests.
#pragma once

#include "ir/Graph.h"

#include <ostream>
#include <string>

namespace attn::ir {

/// Module constants with at most this many elements print their data (and
/// parse back, ir/Parser.h); larger ones print their type only.
constexpr int64_t kPrintedConstantElements = 64;

void printModule(const Module &module, std::ostream &os);
void printGraph(const Module &module, const Graph &graph, std::ostream &os);
std::string moduleToString(const Module &module);

} // namespace attn::ir
