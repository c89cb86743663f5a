// Every backend against PyTorch: every case of tests/golden/manifest.json
// (made by tests/golden/make_goldens.py) is compiled with its -D overrides,
// bound to its weights, run on its inputs, and compared with PyTorch's
// outputs within 1e-5 + 1e-4 * |ref| (integers and bools exactly). The
// compiled backends are also compared with the interpreter, the reference;
// llvm runs for the host and for each ISA level the host can execute.
// Each case runs as parsed and after the default pass pipeline (fusion and
// constant folding over the weights), so fused ops meet PyTorch too.
#include "../frontend/FrontendTestSupport.h"
#include "../llvm/TestTargets.h"
#include "codegen/Backend.h"
#include "codegen/interp/ConstantEvaluation.h"
#include "passes/PassManager.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

struct GoldenCase {
  std::string name, model, fn, dir;
  std::vector<std::pair<std::string, std::string>> defines;
};

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<GoldenCase> loadManifest() {
  std::string root = ATTN_SOURCE_DIR;
  auto json = llvm::json::parse(readFile(root + "/tests/golden/manifest.json"));
  std::vector<GoldenCase> cases;
  if (!json) {
    llvm::consumeError(json.takeError());
    return cases;
  }
  for (const llvm::json::Value &v : *json->getAsArray()) {
    const llvm::json::Object &o = *v.getAsObject();
    GoldenCase c{o.getString("name")->str(), root + "/" + o.getString("model")->str(),
                 o.getString("fn")->str(), root + "/" + o.getString("dir")->str(), {}};
    for (const auto &[key, value] : *o.getObject("defines")) {
      std::string text;
      if (auto i = value.getAsInteger()) text = std::to_string(*i);
      else if (auto d = value.getAsNumber()) {
        std::ostringstream os;
        os.precision(17);
        os << *d;
        text = os.str();
      }
      c.defines.emplace_back(key.str(), text);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

double valueAt(const attn::TensorView &v, int64_t i) {
  switch (v.dtype) {
  case attn::DType::F32: return v.as<float>()[i];
  case attn::DType::I64: return double(v.as<int64_t>()[i]);
  case attn::DType::I32: return v.as<int32_t>()[i];
  case attn::DType::Bool: return v.as<uint8_t>()[i];
  }
  return 0;
}

struct GoldenParam {
  GoldenCase golden;
  attn::codegen::Backend backend;
  bool optimized; // after the default pass pipeline
  std::string target; // "" for the interpreter and the host, else an ISA level
  attn::codegen::CompileOptions options;
};

/// Every case on the interpreter, on llvm for every target of testTargets()
/// (the host and each ISA level it can execute), and on dnnl.
std::vector<GoldenParam> goldenParams() {
  using attn::codegen::Backend;
  std::vector<GoldenParam> params;
  for (bool optimized : {false, true})
    for (const GoldenCase &c : loadManifest()) {
      params.push_back({c, Backend::Interp, optimized, "", {}});
      for (const auto &target : attn::llvmcg::testing::testTargets())
        params.push_back({c, Backend::LLVM, optimized, target.name == "host" ? "" : target.name,
                          {0, target.options.cpu, target.options.features}});
      params.push_back({c, Backend::DNNL, optimized, "", {}});
    }
  return params;
}

/// The default pipeline with the weights' data, as `attnc run` does.
attn::Status optimize(attn::ir::Module &module, std::shared_ptr<const attn::WeightStore> weights) {
  attn::WeightMap map = attn::WeightMap::fromStore(std::move(weights));
  attn::passes::PassContext context(module);
  context.weights = &map;
  context.evaluate = attn::interp::evaluateConstantNode;
  std::ostringstream log;
  return attn::passes::runPipeline(context, {}, log);
}

/// Elementwise agreement with `ref` within the tolerance; at most 5 reports.
void expectClose(const std::string &what, const attn::TensorView &got, const attn::TensorView &ref) {
  ASSERT_EQ(got.dtype, ref.dtype) << what;
  ASSERT_EQ(got.shape, ref.shape) << what;
  int failures = 0;
  for (int64_t i = 0; i < got.numElements() && failures < 5; ++i) {
    double g = valueAt(got, i), e = valueAt(ref, i);
    double tolerance = got.dtype == attn::DType::F32 ? 1e-5 + 1e-4 * std::abs(e) : 0;
    // NaN matches NaN and an infinity itself (a fully masked row, a -inf fill).
    bool same = g == e || (std::isnan(g) && std::isnan(e));
    if (!(std::abs(g - e) <= tolerance) && !same) {
      ++failures;
      ADD_FAILURE() << what << "[" << i << "] = " << g << ", expected " << e;
    }
  }
}

void PrintTo(const GoldenParam &p, std::ostream *os) {
  *os << attn::codegen::backendName(p.backend) << (p.target.empty() ? "" : "_") << p.target
      << (p.optimized ? "_opt/" : "/") << p.golden.name;
}

class Golden : public ::testing::TestWithParam<GoldenParam> {};

} // namespace

TEST(GoldenManifest, HasCases) { EXPECT_GE(loadManifest().size(), 40u); }

TEST_P(Golden, MatchesPyTorch) {
  const GoldenCase &gc = GetParam().golden;
  attn::codegen::Backend backend = GetParam().backend;
  attn::frontend::FrontendOptions options;
  options.defines = gc.defines;
  auto compiled = attn::testing::compileText(readFile(gc.model), options);
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  auto specs = attn::codegen::weightSpecs(*compiled.module);
  std::shared_ptr<const attn::WeightStore> weights;
  if (std::filesystem::exists(gc.dir + "/weights.safetensors")) {
    auto store = attn::WeightStore::open(gc.dir + "/weights.safetensors", specs);
    ASSERT_TRUE(store.isOk()) << store.message();
    weights = std::make_shared<const attn::WeightStore>(std::move(*store));
  } else {
    ASSERT_TRUE(specs.empty());
    weights = std::make_shared<const attn::WeightStore>(attn::WeightStore::fromTensors({}));
  }
  if (GetParam().optimized) {
    attn::Status s = optimize(*compiled.module, weights);
    ASSERT_TRUE(s.isOk()) << s.message();
  }
  std::shared_ptr<const attn::ir::Module> module = std::move(compiled.module);
  auto exe = attn::codegen::compile(module, weights, backend, GetParam().options);
  ASSERT_TRUE(exe.isOk()) << exe.message();
  auto inputs = attn::SafetensorsFile::open(gc.dir + "/inputs.safetensors");
  ASSERT_TRUE(inputs.isOk()) << inputs.message();
  auto expected = attn::SafetensorsFile::open(gc.dir + "/outputs.safetensors");
  ASSERT_TRUE(expected.isOk()) << expected.message();
  attn::NamedTensorViews views = inputs->views();
  auto results = (*exe)->run(gc.fn, views);
  ASSERT_TRUE(results.isOk()) << results.message();
  const attn::FunctionSignature *sig = (*exe)->findFunction(gc.fn);
  ASSERT_EQ(results->size(), expected->names().size());
  for (size_t r = 0; r < results->size(); ++r) {
    const std::string &name = sig->results[r].name;
    const attn::TensorView *ref = expected->find(name);
    ASSERT_NE(ref, nullptr) << "no reference for output " << name;
    expectClose(gc.name + ": output " + name + " (PyTorch)", (*results)[r].view(), *ref);
  }
  if (backend == attn::codegen::Backend::Interp) return;
  auto reference = attn::codegen::compile(module, weights, attn::codegen::Backend::Interp);
  ASSERT_TRUE(reference.isOk()) << reference.message();
  auto referenceResults = (*reference)->run(gc.fn, views);
  ASSERT_TRUE(referenceResults.isOk()) << referenceResults.message();
  for (size_t r = 0; r < results->size(); ++r)
    expectClose(gc.name + ": output " + sig->results[r].name + " (interpreter)", (*results)[r].view(),
                (*referenceResults)[r].view());
}

INSTANTIATE_TEST_SUITE_P(PyTorch, Golden, ::testing::ValuesIn(goldenParams()),
                         [](const ::testing::TestParamInfo<GoldenParam> &info) {
                           return std::string(attn::codegen::backendName(info.param.backend)) +
                                  (info.param.target.empty() ? "" : "_") + info.param.target +
                                  (info.param.optimized ? "_opt_" : "_") + info.param.golden.name;
                         });
