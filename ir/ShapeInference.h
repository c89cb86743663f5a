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

/// Rows of the gate matrices per hidden unit: LSTM 4, GRU 3, RNN 1.
int64_t recurrentGateCount(OpKind op);

/// Where a recurrent node's operands are (ops.def): x, [h0 [, c0]], [lengths],
/// then per layer and direction weight_ih, weight_hh [, bias_ih, bias_hh].
/// The one statement of that layout: shape inference, the frontend's layers
/// and both backends read it.
struct RecurrentOperands {
  RecurrentOperands(OpKind op, const Attrs &attrs);
  int64_t layers, directions;
  bool hasBias;
  std::optional<size_t> h0, c0, lengths; // operand indices, when present
  size_t firstWeight, count;              // count: every operand
  /// The index of (layer, dir)'s weight_ih; weight_hh, then bias_ih and
  /// bias_hh (when hasBias) follow it.
  size_t weights(int64_t layer, int64_t dir) const {
    return firstWeight + size_t(layer * directions + dir) * (hasBias ? 4 : 2);
  }
};

/// One weight of a recurrent op: its state_dict suffix ("weight_ih_l0",
/// "bias_hh_l1_reverse") and shape, given layer 0's input size.
struct RecurrentWeight {
  std::string name;
  DimList shape;
};
/// Every weight, in operand (= state_dict) order.
std::vector<RecurrentWeight> recurrentWeights(OpKind op, const Attrs &attrs, const Dim &inputSize);

} // namespace attn::ir
