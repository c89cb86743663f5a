// The differential check shared by the program generator and the run fuzzer:
// one model compiled four ways (the interpreter on the module as written,
// the reference; the interpreter, the llvm backend and the dnnl backend on
// the optimised, fused module), and one input run on all four.
#pragma once

#include "codegen/Backend.h"
#include "codegen/interp/ConstantEvaluation.h"
#include "frontend/Frontend.h"
#include "ir/InitialWeights.h"
#include "passes/PassManager.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace attn::differential {

struct Compiled {
  std::shared_ptr<const ir::Module> plain; // as written
  std::unique_ptr<Executable> reference, interp, llvm, dnnl;
};

/// `text` compiled four ways with initialWeights(seed); an error says which
/// step failed ("frontend: ...", "compile: ...").
inline Result<Compiled> compileAllWays(const std::string &text, const std::string &name, uint64_t seed) {
  auto plain = frontend::compileModelText(text, name);
  if (!plain.module) return Status::error("frontend: " + plain.diagnostics);
  auto tensors = ir::initialWeights(*plain.module, seed, uint64_t(256) << 20);
  if (!tensors) return Status::error("compile: " + tensors.message());
  auto weights = std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(*tensors)));
  std::unique_ptr<ir::Module> optimised = frontend::compileModelText(text, name).module;
  WeightMap weightMap = WeightMap::fromStore(weights);
  passes::PassContext context(*optimised);
  context.weights = &weightMap;
  context.evaluate = interp::evaluateConstantNode;
  std::ostringstream log;
  if (Status s = passes::runPipeline(context, passes::PipelineOptions{}, log); !s)
    return Status::error("compile: the pipeline: " + s.message());
  Compiled c;
  c.plain = std::move(plain.module);
  std::shared_ptr<const ir::Module> opt = std::move(optimised);
  codegen::CompileOptions options;
  options.threads = 1;
  options.cacheDir = "off";
  options.maxMemory = uint64_t(256) << 20;
  std::pair<std::unique_ptr<Executable> *, std::pair<std::shared_ptr<const ir::Module>, codegen::Backend>> builds[] = {
      {&c.reference, {c.plain, codegen::Backend::Interp}},
      {&c.interp, {opt, codegen::Backend::Interp}},
      {&c.llvm, {opt, codegen::Backend::LLVM}},
      {&c.dnnl, {opt, codegen::Backend::DNNL}}};
  for (auto &[slot, what] : builds) {
    auto exe = codegen::compile(what.first, weights, what.second, options);
    if (!exe) return Status::error("compile: " + std::string(codegen::backendName(what.second)) + ": " + exe.message());
    *slot = std::move(*exe);
  }
  return c;
}

/// Whether `got` agrees with `ref`: f32 within 1e-5 + 1e-4 |ref| (NaN where
/// NaN, the same infinity), other dtypes bit for bit.
inline bool agrees(const Tensor &got, const Tensor &ref) {
  if (got.dtype() != ref.dtype() || got.shape() != ref.shape()) return false;
  if (ref.dtype() != DType::F32) return ref.byteSize() == 0 || std::memcmp(got.data(), ref.data(), ref.byteSize()) == 0;
  for (int64_t i = 0; i < ref.numElements(); ++i) {
    double g = got.as<float>()[i], r = ref.as<float>()[i];
    bool ok = std::isnan(r) ? std::isnan(g) : std::isinf(r) ? g == r : std::fabs(g - r) <= 1e-5 + 1e-4 * std::fabs(r);
    if (!ok) return false;
  }
  return true;
}

/// Runs `fn` on the four; nullopt when they agree, else "run: ..." (one
/// failed and another did not, or the backends' messages differ from the
/// optimised interpreter's) or "mismatch: ...".
inline std::optional<std::string> runAllWays(const Compiled &c, const std::string &fn, const NamedTensorViews &inputs) {
  auto reference = c.reference->run(fn, inputs), interp = c.interp->run(fn, inputs);
  if (reference.isOk() != interp.isOk())
    return "run: reference '" + reference.message() + "', interp '" + interp.message() + "'";
  if (interp)
    for (size_t i = 0; i < reference->size(); ++i)
      if (!agrees((*interp)[i], (*reference)[i])) return "mismatch: the optimised interpreter's result " + std::to_string(i);
  const std::pair<std::string, const Executable *> backends[] = {{"llvm", c.llvm.get()}, {"dnnl", c.dnnl.get()}};
  for (const auto &[name, exe] : backends) {
    auto got = exe->run(fn, inputs);
    if (got.isOk() != interp.isOk() || (!interp && got.message() != interp.message()))
      return "run: interp '" + interp.message() + "', " + name + " '" + got.message() + "'";
    if (got)
      for (size_t i = 0; i < reference->size(); ++i)
        if (!agrees((*got)[i], (*reference)[i])) return "mismatch: " + name + "'s result " + std::to_string(i);
  }
  return std::nullopt;
}

} // namespace attn::differential
