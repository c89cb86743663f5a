// `attnc bench`: compile a model once per (backend, variant, threads), time
// `run` in-process on given or generated inputs, and report the compile
// time by phase and the run time (median, min, p90, spread, GFLOP/s) of each
// variant side by side, with ratios; optionally as JSON (docs/benchmarks.md).
#pragma once

#include "codegen/Backend.h"
#include "ir/Cost.h"
#include "passes/PassManager.h"
#include "tools/attnc/Driver.h"

#include <string>
#include <vector>

namespace attn::tool {

struct BenchVariant {
  codegen::Backend backend;
  bool fused;
};

struct BenchOptions {
  std::string modelPath;
  std::vector<std::string> defines;
  std::string weightsPath;             // empty: init-weights' weights (seed 0)
  std::string inputsPath;              // empty: generated for each of `shapes`
  std::vector<ir::DimBindings> shapes; // from --shape
  std::string function;                // empty: the model's only one
  std::vector<BenchVariant> variants;  // in the order they print
  std::vector<unsigned> threads;       // llvm; the interpreter runs on one
  unsigned repetitions = 0;            // 0: as many as fit in minTime
  double minTime = 1.0;                // seconds of timed runs
  std::string jsonPath;
  passes::PipelineOptions pipeline; // its `fusion` is set per variant
  codegen::CompileOptions target;   // cpu and features (llvm)
};

/// Parses the list options; a bad value is a usage error (message in `error`).
bool parseBenchVariants(const std::string &backends, const std::string &variants,
                        std::vector<BenchVariant> &out, std::string &error);
bool parseThreadList(const std::string &text, std::vector<unsigned> &out, std::string &error);
/// "B=32,T=128": every value a positive integer, no dim given two values.
/// An empty item (here or in --threads) is a usage error.
bool parseShape(const std::string &text, ir::DimBindings &out, std::string &error);

int benchCommand(const BenchOptions &options);

} // namespace attn::tool
