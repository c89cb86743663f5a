// Backend selection.
#include "codegen/Backend.h"

#include "codegen/interp/Interpreter.h"
#include "codegen/dnnl/DnnlBackend.h"
#include "codegen/llvm/LLVMBackend.h"

namespace attn::codegen {

std::optional<Backend> parseBackend(std::string_view name) {
  if (name == "interp") return Backend::Interp;
  if (name == "llvm") return Backend::LLVM;
  if (name == "dnnl") return Backend::DNNL;
  return std::nullopt;
}

std::string_view backendName(Backend backend) {
  switch (backend) {
  case Backend::Interp: return "interp";
  case Backend::LLVM: return "llvm";
  case Backend::DNNL: return "dnnl";
  }
  return "?";
}

std::vector<WeightSpec> weightSpecs(const ir::Module &module) {
  std::vector<WeightSpec> specs;
  for (const auto &w : module.weights()) {
    if (module.constantData(w.get())) continue; // a pass's constant: the module holds it
    WeightSpec spec{w->name, w->type.dtype, {}};
    for (const ir::Dim &d : w->type.shape) spec.shape.push_back(*d.constant());
    specs.push_back(std::move(spec));
  }
  return specs;
}

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const ir::Module> module,
                                            std::shared_ptr<const WeightStore> weights,
                                            Backend backend, const CompileOptions &options) {
  switch (backend) {
  case Backend::Interp:
    return interp::compileInterpreter(std::move(module), WeightMap::fromStore(std::move(weights)),
                                      options.maxMemory);
  case Backend::LLVM: {
    llvmcg::LLVMOptions llvmOptions{options.cpu, options.features, options.threads, options.cacheDir,
                                    options.maxMemory};
    return llvmcg::compileLLVM(std::move(module), WeightMap::fromStore(std::move(weights)), llvmOptions);
  }
  case Backend::DNNL: {
    dnnlcg::DnnlOptions dnnlOptions;
    dnnlOptions.threads = options.threads;
    dnnlOptions.maxMemory = options.maxMemory;
    return dnnlcg::compileDnnl(std::move(module), WeightMap::fromStore(std::move(weights)), dnnlOptions);
  }
  }
  return Status::error("unknown backend");
}

} // namespace attn::codegen
