// `attnc compile`: the pass pipeline on a loaded model (with the weights'
// data when --weights is given), --explain-fusion remarks, and the emit kinds
// that come from the graph: ir (as parsed), opt-ir (after the pipeline) and
// dot (Graphviz of the optimised graph).
#pragma once

#include "passes/PassManager.h"
#include "tools/attnc/Driver.h"

#include <memory>
#include <string>

namespace attn::tool {

enum class GraphEmit { IR, OptIR, Dot };

struct CompileOptions {
  std::string weightsPath; // empty: no weights, only literals fold
  std::string outputPath;  // "-": stdout
  GraphEmit emit = GraphEmit::OptIR;
  passes::PipelineOptions pipeline;
  bool explainFusion = false;
};

/// Runs the pipeline on `model.module` (dumps and timings on stderr), with
/// `weights` for constant folding when not null; with `explainFusion`,
/// prints one remark per softmax on stderr. Prints the error and returns
/// false on failure.
bool optimizeModel(LoadedModel &model, const WeightMap *weights,
                   const passes::PipelineOptions &pipeline, bool explainFusion);

/// Loads the weights file when `weightsPath` is not empty (into `store` and
/// `weights`), then runs optimizeModel with them. Prints the error and returns
/// false on failure.
bool optimizeWithOptionalWeights(LoadedModel &model, const std::string &weightsPath,
                                 const passes::PipelineOptions &pipeline, bool explainFusion,
                                 std::shared_ptr<const WeightStore> &store, WeightMap &weights);

int compileCommand(LoadedModel &model, const CompileOptions &options);

} // namespace attn::tool
