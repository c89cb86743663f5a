// What running a graph costs, read from the IR: the floating-point
// operations of each node once the symbolic dims are bound (for GFLOP/s in
// `attnc bench` and bench/).
#pragma once

#include "ir/Graph.h"

#include <map>
#include <optional>
#include <string>

namespace attn::ir {

using DimBindings = std::map<std::string, int64_t>;

/// The size of `v`'s axis `axis` under `dims`; nullopt when the axis does
/// not exist or a symbol is unbound.
std::optional<int64_t> dimSize(const Value *v, size_t axis, const DimBindings &dims);

/// The floating-point operations of one run of `node` (docs/ir.md, "Cost"):
/// 2 per multiply-add of a matrix product (matmul, linear, the gate products
/// of a recurrent layer), 1 per element of an elementwise op, bias add or
/// reduction input, 5 per element of a softmax, 8 of a layer norm; fused ops
/// count what their unfused pattern counts; data movement counts 0.
/// Nullopt when a dim is unbound.
std::optional<double> nodeFlops(const Node &node, const DimBindings &dims);

/// The sum over the graph's nodes.
std::optional<double> graphFlops(const Graph &graph, const DimBindings &dims);

} // namespace attn::ir
