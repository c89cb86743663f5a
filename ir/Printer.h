// The stable textual form of the IR (docs/ir.md), for --emit=ir, the
// --print-after flags and FileCheck tests.
#pragma once

#include "ir/Graph.h"

#include <ostream>
#include <string>

namespace attn::ir {

void printModule(const Module &module, std::ostream &os);
void printGraph(const Module &module, const Graph &graph, std::ostream &os);
std::string moduleToString(const Module &module);

} // namespace attn::ir
