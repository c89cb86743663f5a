// Inputs for a function when the user gives none (`attnc bench`, bench/):
// deterministic random tensors of the shapes the bound dims give, integer
// arguments within what the graph's uses of them allow.
#pragma once

#include "ir/Cost.h"

#include <optional>
#include <utility>
#include <vector>

namespace attn::ir {

/// The values an integer argument may take: [low, high], both included.
struct IntegerDomain {
  int64_t low = 0, high = 0;
};

/// What the graph's uses of integer argument `arg` allow (its own and those
/// of shape ops over it: an unsqueezed token is still a token): an
/// embedding's ids lie in [0, rows - 1]; a recurrent layer's lengths in [1, T]; a
/// sequence_mask's in [0, length]; where several uses constrain it, the
/// intersection; with none, [0, 1]. Nullopt when a dim is unbound.
std::optional<IntegerDomain> integerDomain(const Graph &graph, const Value *arg, const DimBindings &dims);

/// Inputs for every argument of `graph` under `dims` (every symbol its
/// arguments use must be bound), the same for the same seed: f32 uniform in
/// [-1, 1), bools true with probability 1/2, integers uniform in their
/// domain. Nullopt when a dim is unbound.
std::optional<std::vector<std::pair<std::string, Tensor>>> sampleInputs(const Graph &graph, const DimBindings &dims,
                                                                        uint64_t seed);

} // namespace attn::ir
