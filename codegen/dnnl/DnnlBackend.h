// The dnnl backend: the optimised graph mapped onto oneDNN 2.x primitives
// (matmul with bias and eltwise post-ops, eltwise, binary, reduction,
// softmax, layer normalization, the LSTM, GRU and vanilla RNN primitives),
// with the interpreter's loops for what oneDNN has no primitive for
// (docs/dnnl-backend.md has the table). No oneDNN header is included here.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <cstdint>
#include <memory>

namespace attn::dnnlcg {

struct DnnlOptions {
  /// Threads per run (oneDNN's OpenMP threads, the caller's included); 0:
  /// OpenMP's default (every hardware thread, or OMP_NUM_THREADS).
  unsigned threads = 0;
  /// The bytes of tensors one run may allocate; 0: the machine's physical memory.
  uint64_t maxMemory = 0;
  /// The primitives kept per node for distinct shapes (B, T, ...) before the
  /// oldest is dropped.
  size_t shapesPerNode = 16;
};

/// Checks `module` and `weights` as the interpreter does (the same messages),
/// creates every shape-independent primitive and reorders the weights for
/// them. The Executable keeps the module and the weights (through
/// `weights.owner`) alive; its runs are thread-safe.
Result<std::unique_ptr<Executable>> compileDnnl(std::shared_ptr<const ir::Module> module,
                                                WeightMap weights, const DnnlOptions &options = {});

} // namespace attn::dnnlcg
