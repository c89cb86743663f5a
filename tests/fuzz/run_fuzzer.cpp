// libFuzzer target: the bundled models (examples/ and the golden cases) run
// on inputs made from the fuzzer's bytes: which model and function, small
// dims (0 to 6), values, token ids a little outside the vocabulary, lengths
// outside [1, T]. Each input runs on three executables: the interpreter on
// the module as written (the reference), the interpreter and the llvm
// backend on the optimised (fused) module. Properties: all three succeed or
// all fail; the optimised two fail with the same message; results agree
// within architecture.md's tolerance.
#include "FuzzSupport.h"

#include "codegen/Backend.h"
#include "codegen/interp/ConstantEvaluation.h"
#include "frontend/Frontend.h"
#include "ir/InitialWeights.h"
#include "passes/PassManager.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace {

using namespace attn;

struct CompiledModel {
  std::string path;
  std::unique_ptr<Executable> reference, interp, llvm;
  std::shared_ptr<const ir::Module> plain;
};

std::vector<std::string> modelPaths() {
  std::vector<std::string> paths;
  for (const char *dir : {"/examples", "/tests/golden/cases"})
    for (const auto &entry : std::filesystem::directory_iterator(std::string(ATTN_SOURCE_DIR) + dir))
      if (entry.path().extension() == ".attn") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::unique_ptr<Executable> compileOrDie(std::shared_ptr<const ir::Module> module,
                                         std::shared_ptr<const WeightStore> weights, codegen::Backend backend) {
  codegen::CompileOptions options;
  options.threads = 1;
  options.cacheDir = "off";
  options.maxMemory = 256 << 20;
  auto exe = codegen::compile(std::move(module), std::move(weights), backend, options);
  ATTN_FUZZ_CHECK(exe.isOk(), exe.message());
  return std::move(*exe);
}

/// Model `index`, compiled the first time it is asked for.
CompiledModel &model(size_t index) {
  static std::vector<std::string> paths = modelPaths();
  static std::map<size_t, CompiledModel> cache;
  index %= paths.size();
  if (auto it = cache.find(index); it != cache.end()) return it->second;
  std::ifstream in(paths[index]);
  std::stringstream text;
  text << in.rdbuf();
  auto compiled = frontend::compileModelText(text.str(), paths[index]);
  ATTN_FUZZ_CHECK(compiled.module != nullptr, compiled.diagnostics);
  auto tensors = ir::initialWeights(*compiled.module, 0);
  ATTN_FUZZ_CHECK(tensors.isOk(), tensors.message());
  auto weights = std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(*tensors)));
  std::shared_ptr<ir::Module> plain = std::move(compiled.module);
  auto optimised = frontend::compileModelText(text.str(), paths[index]).module;
  WeightMap weightMap = WeightMap::fromStore(weights);
  passes::PassContext context(*optimised);
  context.weights = &weightMap;
  context.evaluate = interp::evaluateConstantNode;
  std::ostringstream log;
  Status s = passes::runPipeline(context, passes::PipelineOptions{}, log);
  ATTN_FUZZ_CHECK(s.isOk(), s.message());
  std::shared_ptr<const ir::Module> opt = std::move(optimised);
  CompiledModel &m = cache[index];
  m.path = paths[index];
  m.plain = plain;
  m.reference = compileOrDie(plain, weights, codegen::Backend::Interp);
  m.interp = compileOrDie(opt, weights, codegen::Backend::Interp);
  m.llvm = compileOrDie(opt, weights, codegen::Backend::LLVM);
  return m;
}

bool close(const Tensor &got, const Tensor &ref) {
  if (got.dtype() != ref.dtype() || got.shape() != ref.shape()) return false;
  for (int64_t i = 0; i < ref.numElements(); ++i) {
    if (ref.dtype() != DType::F32) {
      if (std::memcmp(static_cast<const char *>(got.data()) + i * dtypeSize(ref.dtype()),
                      static_cast<const char *>(ref.data()) + i * dtypeSize(ref.dtype()), dtypeSize(ref.dtype())))
        return false;
      continue;
    }
    double g = got.as<float>()[i], r = ref.as<float>()[i];
    if (std::isnan(r) ? !std::isnan(g) : std::isinf(r) ? g != r : std::fabs(g - r) > 1e-5 + 1e-4 * std::fabs(r))
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::ByteReader bytes(data, size);
  CompiledModel &m = model(bytes.byte());
  const auto &functions = m.reference->functions();
  const FunctionSignature &fn = functions[bytes.below(unsigned(functions.size()))];
  const ir::Graph &graph = *m.plain->findFunction(fn.name);

  // Dims: each symbol of the arguments once, 0 to 6; constants as declared.
  std::map<std::string, int64_t> dims;
  for (const ir::Value *arg : graph.arguments)
    for (const ir::Dim &d : arg->type.shape)
      if (auto s = d.asSymbol(); s && !dims.count(*s)) dims[*s] = bytes.below(7);
  std::vector<std::pair<std::string, Tensor>> inputs;
  for (const ir::Value *arg : graph.arguments) {
    Shape shape;
    for (const ir::Dim &d : arg->type.shape) shape.push_back(std::max<int64_t>(0, d.evaluate(dims).value_or(0)));
    Tensor t(arg->type.dtype, shape);
    for (int64_t i = 0; i < t.numElements(); ++i) {
      uint8_t b = bytes.byte();
      switch (t.dtype()) {
      case DType::F32: t.as<float>()[i] = float(int(b) - 128) / 32.0f; break;
      // Ids in [-1, 20]: in range for small vocabularies, past it for some.
      case DType::I64: t.as<int64_t>()[i] = int64_t(b % 22) - 1; break;
      case DType::I32: t.as<int32_t>()[i] = int32_t(b % 22) - 1; break;
      case DType::Bool: t.as<uint8_t>()[i] = b & 1; break;
      }
    }
    inputs.emplace_back(arg->name, std::move(t));
  }
  NamedTensorViews views;
  for (const auto &[name, t] : inputs) views.emplace_back(name, t.view());

  auto reference = m.reference->run(fn.name, views);
  auto interp = m.interp->run(fn.name, views);
  auto llvm = m.llvm->run(fn.name, views);
  std::string where = m.path + " " + fn.name;
  ATTN_FUZZ_CHECK(reference.isOk() == interp.isOk() && interp.isOk() == llvm.isOk(),
                  where + ": reference '" + reference.message() + "', interp '" + interp.message() + "', llvm '" +
                      llvm.message() + "'");
  if (!reference) {
    ATTN_FUZZ_CHECK(interp.message() == llvm.message(), where + ": '" + interp.message() + "' vs '" + llvm.message() + "'");
    return 0;
  }
  for (size_t i = 0; i < reference->size(); ++i) {
    ATTN_FUZZ_CHECK(close((*interp)[i], (*reference)[i]), where + ": the optimised interpreter's result " + std::to_string(i));
    ATTN_FUZZ_CHECK(close((*llvm)[i], (*reference)[i]), where + ": llvm's result " + std::to_string(i));
  }
  return 0;
}
