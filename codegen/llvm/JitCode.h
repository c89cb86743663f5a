// Internal to codegen/llvm: compiled code loaded in the process, behind an
// interface without LLVM types (the ORC headers stay in Jit.cpp).
#pragma once

#include "codegen/common/ModuleChecks.h"
#include "codegen/llvm/LLVMBackend.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace attn::llvmcg {

class JitCode {
public:
  virtual ~JitCode() = default;
  /// The address of a function the code defines, or null.
  virtual void *address(const std::string &name) const = 0;
};

/// A module compiled and loaded: its code and the weights it packed (whose
/// addresses the code holds, so they live as long as the code).
struct JitModule {
  std::unique_ptr<JitCode> code;
  std::vector<Tensor> packedWeights;
  /// "emit" (LLVM IR from the graph), "optimize" (the function pipeline); the
  /// caller adds "jit" (instruction selection and linking, which ORC runs
  /// when the entry points are first looked up).
  std::vector<CompilePhase> phases;
};

/// Milliseconds since `start`.
inline double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// Generates, optimises and loads every function of `module` (checked by the
/// caller), the weights' addresses compiled in.
Result<JitModule> jitCompile(const ir::Module &module, const codegen::WeightViews &weights,
                             const LLVMOptions &options);

} // namespace attn::llvmcg
