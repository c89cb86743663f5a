// PyTorch's default initialisation of every weight a model declares
// (`attnc init-weights`), deterministic for a seed.
#pragma once

#include "ir/Graph.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attn::ir {

/// One tensor per module weight, in declaration order. The same seed gives
/// the same bytes on every machine (a fixed mt19937_64 stream and our own
/// uniform/normal transforms, not the implementation-defined std:: ones).
/// An error, before anything is allocated, when the weights together take
/// more than `maxMemory` bytes (0: the machine's physical memory).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
Result<NamedTensors> initialWeights(const Module &module, uint64_t seed, uint64_t maxMemory = 0);

} // namespace attn::ir
