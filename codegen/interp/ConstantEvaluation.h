// Evaluating one node on known operands with the reference kernels: what the
// constant-fold pass uses (the driver hands it over through the PassContext,
// since passes/ links no backend), as Glow folds constants with its
// interpreter.
#pragma once

#include "ir/Graph.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <vector>

namespace attn::interp {

/// The results of `node` on `operands`. The node's result shapes must be
/// constant (no symbolic dims); a kernel's error is returned as a value.
Result<std::vector<Tensor>> evaluateConstantNode(const ir::Node &node,
                                                 const std::vector<TensorView> &operands);

} // namespace attn::interp
