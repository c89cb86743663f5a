// What a pass is and what it sees. A pass is a function
//   bool run(ir::Graph &graph, PassContext &context)
// in its own file (passes/NAME.cpp, listed once in passes.def) that rewrites
// one function of the module and says whether it changed anything. The
// PassContext carries what a pass may need beyond the graph: the module (to
// add constants), optionally the weights' data and a node evaluator (for
// constant folding), and the fusion remarks behind --explain-fusion.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"
#include "runtime/Status.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attn::passes {

/// Computes the results of one node from its operands' data: the reference
/// interpreter's kernels, handed over by the driver (passes/ links no backend).
using NodeEvaluator =
    std::function<Result<std::vector<Tensor>>(const ir::Node &, const std::vector<TensorView> &)>;

/// Why one softmax was or was not fused (--explain-fusion).
struct FusionRemark {
  std::string function;
  ir::SourceLoc loc; // the softmax's
  bool fused = false;
  std::string message; // fused: what it became; else which part failed and why
};

struct PassContext {
  explicit PassContext(ir::Module &m) : module(m) {}

  ir::Module &module;
  /// The weights' data, when the pipeline has them (attnc --weights, tests);
  /// without them constant-fold folds literals only.
  const WeightMap *weights = nullptr;
  /// Evaluates a node for constant-fold; without it nothing is folded.
  NodeEvaluator evaluate;
  /// One remark per softmax seen by the latest fuse-attention run on each function.
  std::vector<FusionRemark> remarks;
  /// What a pass could not finish (e.g. canonicalize's sweep limit): the
  /// result is still correct, but may not be fully optimised. The driver
  /// prints each as a warning.
  std::vector<std::string> warnings;

  /// The data of weight `w`: a constant the module holds, or the weights' entry
  /// when it has the declared dtype and shape; nullopt when unknown.
  std::optional<TensorView> weightData(const ir::Value *w) const;
};

enum class PassId : uint8_t {
#define PASS(Id, name, isFusion, description) Id,
#include "passes/passes.def"
};

struct PassInfo {
  PassId id;
  std::string_view name;
  bool isFusion;
  std::string_view description;
  bool (*run)(ir::Graph &, PassContext &);
};

/// Every pass, in passes.def order.
const std::vector<PassInfo> &allPasses();
const PassInfo &passInfo(PassId id);
std::optional<PassId> passFromName(std::string_view name);

#define PASS(Id, name, isFusion, description)                                                      \
  namespace Id {                                                                                   \
  bool run(ir::Graph &graph, PassContext &context);                                                \
  }
#include "passes/passes.def"

} // namespace attn::passes
