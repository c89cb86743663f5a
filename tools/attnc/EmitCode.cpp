// attnc compile for the code emit kinds: bind the weights if given, run the
// pass pipeline (folding with the weights), generate code with the llvm
// backend for the chosen or the host CPU, write it out.
#include "tools/attnc/EmitCode.h"

#include "codegen/llvm/LLVMBackend.h"
#include "tools/attnc/CompileCommand.h"
#include "tools/attnc/RunCommand.h"

namespace attn::tool {

int emitCodeCommand(LoadedModel &model, const EmitCodeOptions &options) {
  std::shared_ptr<const WeightStore> store;
  WeightMap weights;
  if (!optimizeWithOptionalWeights(model, options.weightsPath, options.pipeline,
                                   options.explainFusion, store, weights))
    return kUserError;
  llvmcg::EmitKind kind = options.emit == CodeEmit::LLVM  ? llvmcg::EmitKind::LLVMIR
                          : options.emit == CodeEmit::Asm ? llvmcg::EmitKind::Assembly
                                                          : llvmcg::EmitKind::Object;
  llvmcg::LLVMOptions target{options.target.cpu, options.target.features, 0};
  auto code = llvmcg::emitCode(*model.module, store ? &weights : nullptr, kind, target);
  if (!code) {
    reportError(code.message());
    return kUserError;
  }
  return writeOutput(options.outputPath, *code) ? kSuccess : kUserError;
}

bool checkTargetOptions(const codegen::CompileOptions &target) {
  if (target.cpu.empty()) return true;
  Status s = llvmcg::checkTarget(llvmcg::LLVMOptions{target.cpu, target.features, 0});
  if (!s) reportError(s.message());
  return s.isOk();
}

} // namespace attn::tool
