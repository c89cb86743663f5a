// Loading generated code into the process with ORC's LLJIT. The module is
// optimised by our own pipeline (Target.cpp) before LLJIT compiles it for
// the same CPU and features; ORC errors become Status values.
#include "codegen/llvm/JitCode.h"
#include "codegen/llvm/Target.h"

#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/Support/Error.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

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

/// With ATTNC_PERF_MAP set, every function the JIT links is appended to
/// /tmp/perf-<pid>.map ("address size name"), where `perf report` finds the
/// names of JIT code (docs/benchmarks.md, "Profiling generated code").
// GCC 12 warns (wrongly) that unique_function's storage may be used
// uninitialised when a lambda is moved into PostFixupPasses.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
class PerfMapPlugin final : public llvm::orc::ObjectLinkingLayer::Plugin {
public:
  void modifyPassConfig(llvm::orc::MaterializationResponsibility &, llvm::jitlink::LinkGraph &,
                        llvm::jitlink::PassConfiguration &config) override {
    config.PostFixupPasses.push_back([](llvm::jitlink::LinkGraph &graph) {
      static std::mutex mutex;
      std::lock_guard<std::mutex> lock(mutex);
      std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
      if (FILE *file = std::fopen(path.c_str(), "a")) {
        for (llvm::jitlink::Symbol *symbol : graph.defined_symbols())
          if (symbol->hasName() && symbol->getSize() > 0)
            std::fprintf(file, "%llx %zx %s\n", static_cast<unsigned long long>(symbol->getAddress().getValue()),
                         symbol->getSize(), symbol->getName().str().c_str());
        std::fclose(file);
      }
      return llvm::Error::success();
    });
  }
  llvm::Error notifyFailed(llvm::orc::MaterializationResponsibility &) override { return llvm::Error::success(); }
  llvm::Error notifyRemovingResources(llvm::orc::JITDylib &, llvm::orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::JITDylib &, llvm::orc::ResourceKey, llvm::orc::ResourceKey) override {}
};
#pragma GCC diagnostic pop

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
  llvm::orc::LLJITBuilder builder;
  builder.setJITTargetMachineBuilder(std::move(machineBuilder));
  if (std::getenv("ATTNC_PERF_MAP")) {
    // JITLink keeps no names for local symbols: give the tasks global ones.
    for (llvm::Function &fn : *generated)
      if (!fn.isDeclaration() && fn.hasLocalLinkage()) {
        fn.setLinkage(llvm::GlobalValue::ExternalLinkage);
        fn.setVisibility(llvm::GlobalValue::HiddenVisibility);
      }
    builder.setObjectLinkingLayerCreator(
        [](llvm::orc::ExecutionSession &session,
           const llvm::Triple &) -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
          auto layer = std::make_unique<llvm::orc::ObjectLinkingLayer>(session);
          layer->addPlugin(std::make_unique<PerfMapPlugin>());
          return layer;
        });
  }
  auto jit = builder.create();
  if (!jit) return toStatus(jit.takeError());
  if (llvm::Error e = (*jit)->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(generated), std::move(context))))
    return toStatus(std::move(e));
  result.code = std::make_unique<LoadedCode>(std::move(*jit));
  return result;
}

} // namespace attn::llvmcg
