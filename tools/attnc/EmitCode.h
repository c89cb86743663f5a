// `attnc compile --emit=llvm|asm|obj|lib`: the llvm backend's code for the
// optimised graph, as LLVM IR, assembly, an ELF object or a static library
// of it, with --header a C header for the last two (their ABI is in
// docs/llvm-backend.md). With --weights they are checked and compiled in.
#pragma once

#include "codegen/Backend.h"
#include "passes/PassManager.h"
#include "tools/attnc/Driver.h"

#include <string>
#include <vector>

namespace attn::tool {

enum class CodeEmit { LLVM, Asm, Obj, Lib };

struct EmitCodeOptions {
  std::string weightsPath; // empty: the weights are external symbols
  std::string outputPath;  // "-": stdout
  CodeEmit emit = CodeEmit::LLVM;
  passes::PipelineOptions pipeline;
  bool explainFusion = false;
  codegen::CompileOptions target; // cpu and features; empty: the host's
  std::string headerPath = {};    // the C header (Obj and Lib); empty: none
};

/// Writes the code to `outputPath` and, with a headerPath, the header; a
/// file is written whole or not at all, and a failure before both are
/// complete writes neither.
int emitCodeCommand(LoadedModel &model, const EmitCodeOptions &options);

/// Whether --header (`given`, `headerPath`) can be used: only with
/// --emit=obj|lib (`objectCode`), a file other than -o's and the inputs
/// (not both on stdout). Prints the usage error otherwise.
bool checkHeaderOption(bool given, const std::string &headerPath, bool objectCode,
                       const std::string &outputPath, const std::vector<std::string> &inputs);

/// Whether --mcpu and --mattr name a CPU and features LLVM knows; prints the
/// error otherwise.
bool checkTargetOptions(const codegen::CompileOptions &target);

} // namespace attn::tool
