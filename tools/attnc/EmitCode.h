// `attnc compile --emit=llvm|asm|obj`: the llvm backend's code for the
// optimised graph, as LLVM IR, assembly or an ELF object (its ABI is in
// docs/llvm-backend.md). With --weights they are checked and compiled in.
#pragma once

#include "codegen/Backend.h"
#include "passes/PassManager.h"
#include "tools/attnc/Driver.h"

#include <string>

namespace attn::tool {

enum class CodeEmit { LLVM, Asm, Obj };

struct EmitCodeOptions {
  std::string weightsPath; // empty: the weights are external symbols
  std::string outputPath;  // "-": stdout
  CodeEmit emit = CodeEmit::LLVM;
  passes::PipelineOptions pipeline;
  bool explainFusion = false;
  codegen::CompileOptions target; // cpu and features; empty: the host's
};

int emitCodeCommand(LoadedModel &model, const EmitCodeOptions &options);

/// Whether --mcpu and --mattr name a CPU and features LLVM knows; prints the
/// error otherwise.
bool checkTargetOptions(const codegen::CompileOptions &target);

} // namespace attn::tool
