// Internal to codegen/llvm: the JIT of one Executable, behind an interface
// without LLVM types (the ORC headers stay in Jit.cpp).
#pragma once

#include "codegen/common/ModuleChecks.h"
#include "codegen/llvm/LLVMBackend.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace attn::llvmcg {

/// The two functions the code of one graph defines (RuntimeAbi.h).
struct EntryPoints {
  void *entry = nullptr, *scratchBytes = nullptr;
};

/// Compiles the functions of one module, each when first asked for, and
/// links them into the process. Per function:
///   key      the cache key: the graph as printed, every weight's bytes, the
///            target, attnc's code generator (runtime/ObjectCache.h)
///   load     the objects from the cache, on a hit; on a miss:
///   emit     LLVM IR from the graph, weights as symbols (WeightMode::Linked)
///   split    the module cut into one part per thread (bitcode between them)
///   optimize the function pipeline of each part, on its own thread
///   codegen  instruction selection to an object, on the same threads
///   store    the objects into the cache
///   link     JITLink: the objects into memory, the weights' symbols bound
class Jit {
public:
  /// A JIT for `module` (checked by the caller) and `weights`, which must
  /// outlive it, as must the module.
  static Result<std::unique_ptr<Jit>> create(const ir::Module &module, const codegen::WeightViews &weights,
                                             const LLVMOptions &options);
  virtual ~Jit() = default;
  /// `graph`'s entry points, compiled now unless they were before (then the
  /// first result again, error or not). Safe to call from many threads.
  virtual Result<EntryPoints> compile(const ir::Graph &graph) = 0;
  /// The phases of every compile so far, summed by name, in first-run order.
  virtual std::vector<CompilePhase> phases() const = 0;
};

/// Milliseconds since `start`.
inline double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace attn::llvmcg
