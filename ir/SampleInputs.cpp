// Sample inputs and the domains of integer arguments (SampleInputs.h).
#include "ir/SampleInputs.h"

#include <algorithm>
#include <random>

namespace attn::ir {

namespace {

/// Whether `op` only moves elements around: its result holds values of its input.
bool movesData(OpKind op) {
  for (OpKind mover : {OpKind::Transpose, OpKind::Permute, OpKind::Reshape, OpKind::Squeeze, OpKind::Unsqueeze,
                       OpKind::Concat, OpKind::Slice})
    if (op == mover) return true;
  return false;
}

} // namespace

std::optional<IntegerDomain> integerDomain(const Graph &graph, const Value *arg, const DimBindings &dims) {
  IntegerDomain domain{0, 1};
  bool constrained = false;
  auto narrow = [&](int64_t low, int64_t high) {
    domain = constrained ? IntegerDomain{std::max(domain.low, low), std::min(domain.high, high)}
                         : IntegerDomain{low, high};
    constrained = true;
  };
  // The uses of `arg` and of every value that only moves its elements.
  std::vector<const Value *> values = {arg};
  for (size_t i = 0; i < values.size(); ++i)
    for (const Node *user : graph.users(values[i])) {
      if (movesData(user->op)) {
        values.push_back(user->result());
      } else if (user->op == OpKind::Embedding && user->operand(0) == values[i]) {
        auto rows = dimSize(user->operand(1), 0, dims);
        if (!rows) return std::nullopt;
        narrow(0, *rows - 1);
      } else if (user->op == OpKind::SequenceMask) {
        auto length = user->attrs.Length.evaluate(dims);
        if (!length) return std::nullopt;
        narrow(0, *length);
      } else if (hasTrait(user->op, T_RECURRENT) && user->attrs.HasLengths && user->operand(0) != values[i]) {
        auto time = dimSize(user->operand(0), user->attrs.BatchFirst ? 1 : 0, dims);
        if (!time) return std::nullopt;
        narrow(1, *time);
      }
    }
  return domain;
}

std::optional<std::vector<std::pair<std::string, Tensor>>> sampleInputs(const Graph &graph, const DimBindings &dims,
                                                                        uint64_t seed) {
  std::mt19937_64 random(seed);
  auto uniform = [&] { return double(random() >> 11) * 0x1.0p-53; }; // [0, 1)
  std::vector<std::pair<std::string, Tensor>> inputs;
  for (const Value *arg : graph.arguments) {
    Shape shape;
    for (const Dim &d : arg->type.shape) {
      std::optional<int64_t> size = d.evaluate(dims);
      if (!size) return std::nullopt;
      shape.push_back(*size);
    }
    Tensor t(arg->type.dtype, shape);
    std::optional<IntegerDomain> domain = IntegerDomain{};
    if (isInteger(arg->type.dtype) && !(domain = integerDomain(graph, arg, dims))) return std::nullopt;
    for (int64_t i = 0; i < t.numElements(); ++i) {
      double r = uniform();
      switch (t.dtype()) {
      case DType::F32: t.as<float>()[i] = float(2 * r - 1); break;
      case DType::Bool: t.as<uint8_t>()[i] = r < 0.5; break;
      case DType::I64:
      case DType::I32: {
        int64_t v = domain->low + std::min(int64_t(r * double(domain->high - domain->low + 1)),
                                           domain->high - domain->low);
        if (t.dtype() == DType::I64) t.as<int64_t>()[i] = v;
        else t.as<int32_t>()[i] = int32_t(v);
        break;
      }
      }
    }
    inputs.emplace_back(arg->name, std::move(t));
  }
  return inputs;
}

} // namespace attn::ir
