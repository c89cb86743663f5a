// The default pass pipeline, in order. Every step is a named pass that can be
// printed after (--print-after=NAME), disabled (--disable-pass=NAME) or run
// alone (--passes=NAME); --no-fusion skips the fusions.
#include "passes/PassManager.h"

namespace attn::passes {

void runDefaultPipeline(PassManager &pm) {
  // Normal forms first, so that each fusion below matches one spelling:
  // linear for `x @ transpose(W) + b`, [B, T] scores, no no-op shape ops.
  pm.run(PassId::Canonicalize);
  pm.run(PassId::ConstantFold);
  pm.run(PassId::CSE);
  pm.run(PassId::DCE);

  // Attention before elementwise fusion, which would otherwise take its tanh.
  pm.run(PassId::FuseAttention);
  // Fusion may have reshaped or transposed weights (v of Linear(D, 1), W^T):
  // with the weights' data these fold into constants.
  pm.run(PassId::ConstantFold);
  pm.run(PassId::FuseElementwise);

  // Clean-up.
  pm.run(PassId::CSE);
  pm.run(PassId::DCE);
}

Status runPipeline(PassContext &context, const PipelineOptions &options, std::ostream &log) {
  if (Status s = validateOptions(options); !s) return s;
  PassManager pm(context, options, log);
  if (options.passes) {
    for (const std::string &name : *options.passes)
      pm.run(*passFromName(name));
  } else {
    runDefaultPipeline(pm);
  }
  if (options.timePasses) pm.printTimings();
  return pm.status();
}

} // namespace attn::passes
