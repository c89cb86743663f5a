// FLOP counts per node and the domains of integer arguments (Cost.h).
#include "ir/Cost.h"

#include "ir/ShapeInference.h"

#include <algorithm>

namespace attn::ir {

namespace {

std::optional<double> elements(const Value *v, const DimBindings &dims) {
  double n = 1;
  for (const Dim &d : v->type.shape) {
    std::optional<int64_t> size = d.evaluate(dims);
    if (!size) return std::nullopt;
    n *= double(*size);
  }
  return n;
}

/// x W^T (+ b): 2 per multiply-add, 1 per bias element.
std::optional<double> linearFlops(const Node &node, const DimBindings &dims) {
  auto out = elements(node.result(), dims);
  auto K = dimSize(node.operand(1), 1, dims);
  if (!out || !K) return std::nullopt;
  return 2 * *out * double(*K) + (node.operands().size() > 2 ? *out : 0);
}

/// The gate products of every layer and direction: 2 * B*T * (I + H) * gates*H.
std::optional<double> recurrentFlops(const Node &node, const DimBindings &dims) {
  const Attrs &a = node.attrs;
  const Value *x = node.operand(0);
  auto batch = dimSize(x, 0, dims), time = dimSize(x, 1, dims);
  if (!batch || !time) return std::nullopt;
  const RecurrentOperands layout(node.op, a);
  double flops = 0;
  for (int64_t layer = 0; layer < layout.layers; ++layer)
    for (int64_t dir = 0; dir < layout.directions; ++dir)
      for (size_t w : {layout.weights(layer, dir), layout.weights(layer, dir) + 1}) { // W_ih, W_hh
        auto weight = elements(node.operand(unsigned(w)), dims);
        if (!weight) return std::nullopt;
        flops += 2 * double(*batch) * double(*time) * *weight;
      }
  return flops;
}

/// The unfused pattern: for additive, h W^T + b, tanh, the score product,
/// softmax over T, the weighted sum; for dot, the score product instead.
std::optional<double> attentionFlops(const Node &node, const DimBindings &dims) {
  const Value *h = node.operand(0);
  auto batch = dimSize(h, 0, dims), time = dimSize(h, 1, dims), D = dimSize(h, 2, dims);
  if (!batch || !time || !D) return std::nullopt;
  double positions = double(*batch) * double(*time);
  if (node.op == OpKind::DotAttention && node.operand(1)->type.rank() == 3) { // S queries per row
    auto queries = dimSize(node.operand(1), 1, dims);
    if (!queries) return std::nullopt;
    positions *= double(*queries);
  }
  double tail = 5 * positions + 2 * positions * double(*D);
  if (node.op == OpKind::DotAttention) return 2 * positions * double(*D) + tail;
  auto A = dimSize(node.operand(1), 0, dims);
  if (!A) return std::nullopt;
  return positions * double(*A) * (2 * double(*D) + 1 + 1 + 2) + tail;
}

} // namespace

std::optional<int64_t> dimSize(const Value *v, size_t axis, const DimBindings &dims) {
  return axis < v->type.shape.size() ? v->type.shape[axis].evaluate(dims) : std::nullopt;
}

std::optional<double> nodeFlops(const Node &node, const DimBindings &dims) {
  switch (node.op) {
  case OpKind::Constant:
  case OpKind::DimValue:
  case OpKind::Transpose:
  case OpKind::Permute:
  case OpKind::Reshape:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Concat:
  case OpKind::Slice:
  case OpKind::SequenceMask:
  case OpKind::Embedding: return 0.0;
  case OpKind::Tanh:
  case OpKind::Sigmoid:
  case OpKind::Relu:
  case OpKind::Exp:
  case OpKind::Log:
  case OpKind::Sqrt:
  case OpKind::Abs:
  case OpKind::Neg:
  case OpKind::Gelu:
  case OpKind::Cast:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Div:
  case OpKind::Maximum:
  case OpKind::Minimum:
  case OpKind::Where:
  case OpKind::Equal:
  case OpKind::NotEqual:
  case OpKind::Less:
  case OpKind::LessEqual:
  case OpKind::Greater:
  case OpKind::GreaterEqual:
  case OpKind::BitwiseAnd:
  case OpKind::BitwiseOr:
  case OpKind::BitwiseNot: return elements(node.result(), dims);
  case OpKind::Sum:
  case OpKind::Mean:
  case OpKind::Max:
  case OpKind::Argmax: return elements(node.operand(0), dims);
  case OpKind::Softmax:
  case OpKind::LogSoftmax: {
    auto n = elements(node.result(), dims);
    return n ? std::optional<double>(5 * *n) : std::nullopt;
  }
  case OpKind::LayerNorm: {
    auto n = elements(node.result(), dims);
    return n ? std::optional<double>(8 * *n) : std::nullopt;
  }
  case OpKind::MatMul: {
    // The reduced axis is the first operand's last (a vector's only) one.
    auto out = elements(node.result(), dims);
    const Value *a = node.operand(0);
    auto K = dimSize(a, a->type.shape.size() - 1, dims);
    if (!out || !K) return std::nullopt;
    return 2 * *out * double(*K);
  }
  case OpKind::Linear: return linearFlops(node, dims);
  case OpKind::Conv1d: { // 2 per multiply-add (C K of them per output), 1 per bias element
    auto out = elements(node.result(), dims), perOutput = elements(node.operand(1), dims);
    auto O = dimSize(node.operand(1), 0, dims);
    if (!out || !perOutput || !O || *O == 0) return std::nullopt;
    return 2 * *out * (*perOutput / double(*O)) + (node.operands().size() > 2 ? *out : 0);
  }
  case OpKind::LinearAct: {
    auto linear = linearFlops(node, dims);
    auto out = elements(node.result(), dims);
    if (!linear || !out) return std::nullopt;
    return *linear + *out;
  }
  case OpKind::FusedElementwise: {
    auto out = elements(node.result(), dims);
    return out ? std::optional<double>(*out * double(node.attrs.Body.steps.size())) : std::nullopt;
  }
  case OpKind::LSTM:
  case OpKind::GRU:
  case OpKind::RNN: return recurrentFlops(node, dims);
  case OpKind::AdditiveAttention:
  case OpKind::DotAttention: return attentionFlops(node, dims);
  }
  return std::nullopt;
}

std::optional<double> graphFlops(const Graph &graph, const DimBindings &dims) {
  double total = 0;
  for (const auto &node : graph.nodes()) {
    auto flops = nodeFlops(*node, dims);
    if (!flops) return std::nullopt;
    total += *flops;
  }
  return total;
}

} // namespace attn::ir
