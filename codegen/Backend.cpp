// Backend selection.
#include "codegen/Backend.h"

#include "codegen/interp/Interpreter.h"

namespace attn::codegen {

std::optional<Backend> parseBackend(std::string_view name) {
  if (name == "interp") return Backend::Interp;
  return std::nullopt;
}

std::string_view backendName(Backend backend) {
  switch (backend) {
  case Backend::Interp: return "interp";
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
                                            Backend backend) {
  switch (backend) {
  case Backend::Interp:
    return interp::compileInterpreter(std::move(module), WeightMap::fromStore(std::move(weights)));
  }
  return Status::error("unknown backend");
}

} // namespace attn::codegen
