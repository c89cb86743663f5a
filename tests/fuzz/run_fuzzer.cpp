// libFuzzer target: the bundled models (examples/ and the golden cases) run
// on inputs made from the fuzzer's bytes: which model and function, small
// dims (0 to 6), values, token ids a little outside the vocabulary, lengths
// outside [1, T]. Each input runs on four executables: the interpreter on
// the module as written (the reference), the interpreter, the llvm and the
// dnnl backends on the optimised (fused) module. Properties: all four
// succeed or all fail; the optimised three fail with the same message;
// results agree within architecture.md's tolerance.
#include "FuzzSupport.h"

#include "tests/generator/Differential.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace {

using namespace attn;

struct Model {
  std::string path;
  differential::Compiled compiled;
};

std::vector<std::string> modelPaths() {
  std::vector<std::string> paths;
  for (const char *dir : {"/examples", "/tests/golden/cases"})
    for (const auto &entry : std::filesystem::directory_iterator(std::string(ATTN_SOURCE_DIR) + dir))
      if (entry.path().extension() == ".attn") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// Model `index`, compiled the first time it is asked for.
Model &model(size_t index) {
  static std::vector<std::string> paths = modelPaths();
  static std::map<size_t, Model> cache;
  index %= paths.size();
  if (auto it = cache.find(index); it != cache.end()) return it->second;
  std::ifstream in(paths[index]);
  std::stringstream text;
  text << in.rdbuf();
  auto compiled = differential::compileAllWays(text.str(), paths[index], 0);
  ATTN_FUZZ_CHECK(compiled.isOk(), compiled.message());
  return cache[index] = Model{paths[index], std::move(*compiled)};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::ByteReader bytes(data, size);
  Model &m = model(bytes.byte());
  const auto &functions = m.compiled.reference->functions();
  const FunctionSignature &fn = functions[bytes.below(unsigned(functions.size()))];
  const ir::Graph &graph = *m.compiled.plain->findFunction(fn.name);

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

  auto failure = differential::runAllWays(m.compiled, fn.name, views);
  ATTN_FUZZ_CHECK(!failure, m.path + " " + fn.name + ": " + failure.value_or(""));
  return 0;
}
