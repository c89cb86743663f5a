// Internal to codegen/llvm: compiled code loaded in the process, behind an
// interface without LLVM types (the ORC headers stay in Jit.cpp).
#pragma once

#include "codegen/common/ModuleChecks.h"
#include "codegen/llvm/LLVMBackend.h"

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
};

/// Generates, optimises and loads every function of `module` (checked by the
/// caller), the weights' addresses compiled in.
Result<JitModule> jitCompile(const ir::Module &module, const codegen::WeightViews &weights,
                             const LLVMOptions &options);

} // namespace attn::llvmcg
