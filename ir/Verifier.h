// Structural and type invariants of a Module. Runs after the frontend and
// after every pass in test builds. A failure is a compiler bug, reported as
// a message naming the function and node.
#pragma once

#include "ir/Graph.h"
#include "runtime/Status.h"

namespace attn::ir {

Status verifyModule(const Module &module);

} // namespace attn::ir
