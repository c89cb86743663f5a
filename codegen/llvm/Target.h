// Internal to codegen/llvm: the target machine for a TargetInfo, the
// optimisation pipeline, and assembly/object emission. Target.cpp has the definitions.
#pragma once

#include "codegen/llvm/Codegen.h"
#include "codegen/llvm/LLVMBackend.h"

#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace attn::llvmcg {

/// The TargetInfo for `options` (the host when no CPU is given), with the
/// target machine that compiles for it.
struct Target {
  TargetInfo info;
  std::unique_ptr<llvm::TargetMachine> machine;
};
Result<Target> resolveTarget(const LLVMOptions &options);

/// Sets the module's triple and data layout and verifies it. A module that
/// fails verification is a bug in the lowering, reported as an error.
Status verifyGenerated(llvm::Module &module, llvm::TargetMachine &machine);

/// The backend's two function pipelines (Target.cpp: kernels, and the
/// rest), on a module verifyGenerated passed; a part split from one keeps
/// its triple and data layout.
Status optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

/// Assembly or object bytes of a copy of `module` (the legacy code generator
/// rewrites the module it runs on).
Result<std::string> emitMachineCode(const llvm::Module &module, llvm::TargetMachine &machine,
                                    EmitKind kind);
/// The same, from `module` itself, which it leaves changed.
Result<std::string> emitMachineCodeInPlace(llvm::Module &module, llvm::TargetMachine &machine, EmitKind kind);

/// Builds the LLVM module of every function of `source`, or of `only`; with
/// WeightMode::Linked, the derived data goes to `blobs`.
Status emitModule(llvm::Module &module, const TargetInfo &target, const ir::Module &source,
                  WeightMode mode, const codegen::WeightViews *weights, const ir::Graph *only = nullptr,
                  std::vector<LinkedBlob> *blobs = nullptr);

} // namespace attn::llvmcg
