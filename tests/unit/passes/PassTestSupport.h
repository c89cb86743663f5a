// The numeric check every pass test shares: a model text is compiled twice,
// as parsed and through a pass pipeline, both run on the reference
// interpreter with the same seeded weights and inputs, and every result of
// every function must agree within 1e-5 + 1e-4 |ref| (architecture.md).
// Inputs include masks with fully masked rows: a bool argument's row 0 is all
// false, and so is the sequence_mask of an integer `lengths` argument that no
// recurrent layer reads (an LSTM needs lengths in [1, T]).
#pragma once

#include "../frontend/FrontendTestSupport.h"
#include "codegen/Backend.h"
#include "codegen/interp/ConstantEvaluation.h"
#include "ir/SampleInputs.h"
#include "passes/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace attn::testing {

using DimValues = std::map<std::string, int64_t>;

/// Uniform in [lo, hi) from a fixed stream (our transform, not std::'s).
class Random {
public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * double(engine_() >> 11) * 0x1.0p-53;
  }
  int64_t integer(int64_t lo, int64_t hi) {
    return lo + int64_t(engine_() % uint64_t(hi - lo + 1));
  }

private:
  std::mt19937_64 engine_;
};

inline std::string readTextFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Weights for every weight the module declares, uniform in [-0.8, 0.8).
inline std::shared_ptr<const WeightStore> seededWeights(const ir::Module &module, uint64_t seed) {
  Random random(seed);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const WeightSpec &spec : codegen::weightSpecs(module)) {
    Tensor t(spec.dtype, spec.shape);
    if (spec.dtype == DType::F32)
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.as<float>()[i] = float(random.uniform(-0.8, 0.8));
    tensors.emplace_back(spec.name, std::move(t));
  }
  return std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(tensors)));
}

/// Fills integer argument `arg` (shape `shape`) within what its users allow
/// (ir::integerDomain); lengths take their extremes in rows 0 and 1, so a
/// sequence_mask without an LSTM has a fully masked row.
inline void fillIntegers(const ir::Graph &g, const ir::Value *arg, const DimValues &dims, Tensor &t,
                         Random &random) {
  bool lengths = false;
  for (const ir::Node *user : g.users(arg))
    lengths = lengths || user->op == ir::OpKind::SequenceMask || ir::hasTrait(user->op, ir::T_RECURRENT);
  std::optional<ir::IntegerDomain> domain = ir::integerDomain(g, arg, dims);
  ASSERT_TRUE(domain.has_value()) << "argument " << arg->name;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    int64_t v = random.integer(domain->low, domain->high);
    if (lengths && i == 0) v = domain->low;
    if (lengths && i == 1) v = domain->high;
    if (t.dtype() == DType::I64)
      t.as<int64_t>()[i] = v;
    else
      t.as<int32_t>()[i] = int32_t(v);
  }
}

/// Seeded inputs for every argument of `g`, symbols bound from `dims` (3 if absent).
inline std::vector<std::pair<std::string, Tensor>> seededInputs(const ir::Graph &g, DimValues dims,
                                                                uint64_t seed) {
  Random random(seed);
  std::vector<std::pair<std::string, Tensor>> inputs;
  for (const ir::Value *arg : g.arguments) {
    Shape shape;
    for (const ir::Dim &d : arg->type.shape) {
      for (const std::string &s : d.symbols())
        dims.emplace(s, 3);
      shape.push_back(*d.evaluate(dims));
    }
    Tensor t(arg->type.dtype, shape);
    int64_t rowLength = shape.empty() ? 1 : t.numElements() / shape[0];
    for (int64_t i = 0; i < t.numElements(); ++i) {
      if (t.dtype() == DType::F32) t.as<float>()[i] = float(random.uniform(-1.5, 1.5));
      if (t.dtype() == DType::Bool)
        t.as<uint8_t>()[i] = i >= rowLength && random.uniform(0, 1) < 0.7;
    }
    if (isInteger(t.dtype())) fillIntegers(g, arg, dims, t, random);
    inputs.emplace_back(arg->name, std::move(t));
  }
  return inputs;
}

/// Runs `pipeline` on `module` with the weights' data and the interpreter's
/// node evaluator, the verifier after every pass.
inline Status optimize(ir::Module &module, const passes::PipelineOptions &pipeline,
                       std::shared_ptr<const WeightStore> weights, std::string *log = nullptr) {
  passes::PassContext context(module);
  WeightMap map;
  if (weights) map = WeightMap::fromStore(weights);
  context.weights = weights ? &map : nullptr;
  context.evaluate = interp::evaluateConstantNode;
  passes::PipelineOptions options = pipeline;
  options.verifyEach = true;
  std::ostringstream os;
  Status s = passes::runPipeline(context, options, os);
  if (log) *log = os.str();
  return s;
}

inline size_t countOps(const ir::Module &module, ir::OpKind op) {
  size_t n = 0;
  for (const auto &g : module.functions)
    for (const auto &node : g->nodes())
      n += node->op == op;
  return n;
}

/// a and b agree within architecture.md's tolerance (integers exactly).
inline void expectAllClose(const Tensor &actual, const Tensor &expected, const std::string &what) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  int failures = 0;
  for (int64_t i = 0; i < actual.numElements() && failures < 5; ++i) {
    double a = 0, e = 0, tolerance = 0;
    switch (actual.dtype()) {
    case DType::F32:
      a = actual.as<float>()[i], e = expected.as<float>()[i], tolerance = 1e-5 + 1e-4 * std::abs(e);
      break;
    case DType::I64:
      a = double(actual.as<int64_t>()[i]), e = double(expected.as<int64_t>()[i]);
      break;
    case DType::I32: a = actual.as<int32_t>()[i], e = expected.as<int32_t>()[i]; break;
    case DType::Bool: a = actual.as<uint8_t>()[i], e = expected.as<uint8_t>()[i]; break;
    }
    // NaN matches NaN (PyTorch's softmax of a row filled with -inf everywhere).
    if (!(std::abs(a - e) <= tolerance) && !(std::isnan(a) && std::isnan(e)) && a != e) {
      ++failures;
      ADD_FAILURE() << what << "[" << i << "] = " << a << " after the passes, " << e << " before";
    }
  }
}

/// Compiles `text` as parsed and through `pipeline`; for each set of dims,
/// runs every function of both on the same seeded inputs and compares all
/// results. Returns the optimised module (null after a failure).
inline std::shared_ptr<const ir::Module>
expectSameResults(const std::string &text, const passes::PipelineOptions &pipeline,
                  const std::vector<DimValues> &dimSets = {{{"B", 3}, {"T", 5}}}, uint64_t seed = 7,
                  const frontend::FrontendOptions &frontendOptions = {}) {
  auto reference = compileText(text, frontendOptions);
  auto optimized = compileText(text, frontendOptions);
  EXPECT_TRUE(reference.module) << reference.diagnostics;
  if (!reference.module) return nullptr;
  auto weights = seededWeights(*reference.module, seed);
  Status s = optimize(*optimized.module, pipeline, weights);
  EXPECT_TRUE(s.isOk()) << s.message();
  if (!s) return nullptr;
  std::shared_ptr<const ir::Module> before = std::move(reference.module);
  std::shared_ptr<const ir::Module> after = std::move(optimized.module);
  auto exeBefore = codegen::compile(before, weights, codegen::Backend::Interp);
  auto exeAfter = codegen::compile(after, weights, codegen::Backend::Interp);
  EXPECT_TRUE(exeBefore.isOk()) << exeBefore.message();
  EXPECT_TRUE(exeAfter.isOk()) << exeAfter.message() << "\n" << ir::moduleToString(*after);
  if (!exeBefore || !exeAfter) return nullptr;
  for (const DimValues &dims : dimSets)
    for (const auto &g : before->functions) {
      auto inputs = seededInputs(*g, dims, seed + dims.size());
      NamedTensorViews views;
      for (const auto &[name, t] : inputs)
        views.emplace_back(name, t.view());
      auto expected = (*exeBefore)->run(g->name, views);
      auto actual = (*exeAfter)->run(g->name, views);
      EXPECT_TRUE(expected.isOk()) << expected.message();
      EXPECT_TRUE(actual.isOk()) << actual.message();
      if (!expected || !actual) return nullptr;
      for (size_t r = 0; r < expected->size(); ++r)
        expectAllClose((*actual)[r], (*expected)[r],
                       "fn " + g->name + " result " + g->results()[r].name);
    }
  return after;
}

/// The default pipeline with fusion on.
inline passes::PipelineOptions defaultPipeline() { return {}; }

/// Exactly the named passes.
inline passes::PipelineOptions onlyPasses(std::vector<std::string> names) {
  passes::PipelineOptions options;
  options.passes = std::move(names);
  return options;
}

} // namespace attn::testing
