// Loading generated code into the process with ORC's LLJIT. The module is
// optimised by our own O3 pipeline (Target.cpp) before LLJIT compiles it for
// the same CPU and features; ORC errors become Status values.
#include "codegen/llvm/JitCode.h"
#include "codegen/llvm/Target.h"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/Support/Error.h>

namespace attn::llvmcg {

namespace {

Status toStatus(llvm::Error error) {
  return Status::error("llvm: " + llvm::toString(std::move(error)));
}

class LoadedCode final : public JitCode {
public:
  explicit LoadedCode(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}
  void *address(const std::string &name) const override {
    auto symbol = jit_->lookup(name);
    if (!symbol) {
      llvm::consumeError(symbol.takeError());
      return nullptr;
    }
    return symbol->toPtr<void *>();
  }

private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

} // namespace

Result<JitModule> jitCompile(const ir::Module &module, const codegen::WeightViews &weights,
                             const LLVMOptions &options) {
  auto target = resolveTarget(options);
  if (!target) return target.status();
  if (std::vector<std::string> missing = missingHostFeatures(options); !missing.empty()) {
    std::string list;
    for (const std::string &f : missing) list += (list.empty() ? "" : ", ") + f;
    return Status::error("cannot run code for CPU '" + options.cpu + "' on this host: it lacks " + list);
  }
  auto context = std::make_unique<llvm::LLVMContext>();
  auto generated = std::make_unique<llvm::Module>("attn." + module.name, *context);
  JitModule result;
  auto start = std::chrono::steady_clock::now();
  if (Status s = emitModule(*generated, target->info, module, WeightMode::Addresses, &weights,
                            &result.packedWeights);
      !s)
    return s;
  result.phases.push_back({"emit", millisecondsSince(start)});
  start = std::chrono::steady_clock::now();
  if (Status s = optimizeModule(*generated, *target->machine); !s) return s;
  result.phases.push_back({"optimize", millisecondsSince(start)});

  llvm::orc::JITTargetMachineBuilder machineBuilder(target->machine->getTargetTriple());
  machineBuilder.setCPU(target->info.cpu);
  llvm::SmallVector<llvm::StringRef, 32> features;
  llvm::StringRef(target->info.features).split(features, ',', -1, false);
  machineBuilder.addFeatures(std::vector<std::string>(features.begin(), features.end()));
  machineBuilder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(machineBuilder)).create();
  if (!jit) return toStatus(jit.takeError());
  if (llvm::Error e = (*jit)->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(generated), std::move(context))))
    return toStatus(std::move(e));
  result.code = std::make_unique<LoadedCode>(std::move(*jit));
  return result;
}

} // namespace attn::llvmcg
