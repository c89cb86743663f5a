// Result types of an op from its operand types and attributes: the one place
// that knows each op's typing rules. The builder uses it to create nodes, the
// verifier to re-check them. Errors are user-facing messages (the frontend
// adds the source location).
#pragma once

#include "ir/Ops.h"
#include "ir/Type.h"
#include "runtime/Status.h"

#include <vector>

namespace attn::ir {

Result<std::vector<Type>> inferResultTypes(OpKind op, const std::vector<Type> &operands,
                                           const Attrs &attrs);

/// NumPy/PyTorch broadcasting of two shapes; an error names both.
Result<DimList> broadcastShapes(const DimList &a, const DimList &b);

/// Number of operands a recurrent op takes given its attributes.
size_t recurrentOperandCount(OpKind op, const Attrs &attrs);
/// Rows of the gate matrices per hidden unit: LSTM 4, GRU 3, RNN 1.
int64_t recurrentGateCount(OpKind op);

} // namespace attn::ir
