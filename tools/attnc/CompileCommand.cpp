// attnc compile for the graph emit kinds: bind the weights if given (for
// --emit=ir only check them), run the pass pipeline, explain the fusion
// decisions, write the IR or its Graphviz.
#include "tools/attnc/CompileCommand.h"

#include "ir/Printer.h"
#include "tools/attnc/DotWriter.h"
#include "tools/attnc/RunCommand.h"

#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/WithColor.h>
#include <llvm/Support/raw_ostream.h>

#include <iostream>

namespace attn::tool {

namespace {

void remark(LoadedModel &model, ir::SourceLoc loc, const std::string &message) {
  llvm::SMLoc at;
  if (loc.isValid())
    at = model.sourceMgr.FindLocForLineAndColumn(model.sourceMgr.getMainFileID(), loc.line,
                                                 loc.column);
  model.sourceMgr.PrintMessage(llvm::errs(), at, llvm::SourceMgr::DK_Remark, message);
}

/// One remark per softmax: fused into what, or which part of the pattern
/// did not match and why.
void explainFusion(LoadedModel &model, const std::vector<passes::FusionRemark> &remarks) {
  for (const passes::FusionRemark &r : remarks)
    remark(model, r.loc,
           "in fn " + r.function + ": softmax " +
               (r.fused ? r.message : "not fused: " + r.message));
  for (const auto &graph : model.module->functions) {
    bool seen = false;
    for (const passes::FusionRemark &r : remarks)
      seen |= r.function == graph->name;
    if (seen) continue;
    for (const auto &node : graph->nodes())
      if (node->op == ir::OpKind::Softmax)
        remark(model, node->loc,
               "in fn " + graph->name +
                   ": softmax not fused: fuse-attention did not run "
                   "(--no-fusion, --disable-pass or --passes)");
  }
}

} // namespace

bool optimizeModel(LoadedModel &model, const WeightMap *weights,
                   const passes::PipelineOptions &pipeline, bool explainFusion) {
  auto report = api::detail::optimize(model, weights, pipeline, std::cerr);
  std::cerr.flush();
  if (!report) {
    reportError(report.status().message());
    return false;
  }
  for (const std::string &w : report->warnings) llvm::WithColor::warning(llvm::errs(), "attnc") << w << "\n";
  if (explainFusion) tool::explainFusion(model, report->remarks);
  return true;
}

bool optimizeWithOptionalWeights(LoadedModel &model, const std::string &weightsPath,
                                 const passes::PipelineOptions &pipeline, bool explainFusion,
                                 std::shared_ptr<const WeightStore> &store, WeightMap &weights) {
  if (!weightsPath.empty()) {
    store = loadWeights(*model.module, weightsPath);
    if (!store) return false;
    weights = WeightMap::fromStore(store);
  }
  return optimizeModel(model, store ? &weights : nullptr, pipeline, explainFusion);
}

int compileCommand(LoadedModel &model, const CompileOptions &options) {
  std::shared_ptr<const WeightStore> store;
  WeightMap weights;
  if (options.emit == GraphEmit::IR) {
    // The graph as parsed, but the weights are checked all the same.
    if (!options.weightsPath.empty() && !loadWeights(*model.module, options.weightsPath)) return kUserError;
  } else if (!optimizeWithOptionalWeights(model, options.weightsPath, options.pipeline, options.explainFusion,
                                          store, weights)) {
    return kUserError;
  }
  std::string text = options.emit == GraphEmit::Dot ? moduleToDot(*model.module)
                                                    : ir::moduleToString(*model.module);
  return writeOutput(options.outputPath, text) ? kSuccess : kUserError;
}

} // namespace attn::tool
