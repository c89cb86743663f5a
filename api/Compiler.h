// The steps from a model's text and weights to an Executable, shared by the
// public API (api/Module.cpp) and the attnc command (tools/attnc): each
// returns its errors as values, which the API hands to the application and
// the command prints. Internal: applications include only include/attn/.
#pragma once

#include "codegen/Backend.h"
#include "ir/Graph.h"
#include "passes/PassManager.h"
#include "runtime/Status.h"
#include "runtime/WeightStore.h"

#include <llvm/Support/SourceMgr.h>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attn::api::detail {

using Defines = std::vector<std::pair<std::string, std::string>>;

/// A parsed, checked model and the source manager its locations point into.
struct LoadedModel {
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<ir::Module> module;
};

/// The largest model text read (a file or stdin): the 100,000-statement
/// benchmark model is 3 MB.
inline constexpr size_t kMaxModelBytes = size_t(256) << 20;

/// "name=value" strings (attnc -D) as pairs; an error names the bad one, or
/// a name given twice with different values.
Result<Defines> parseDefines(const std::vector<std::string> &raw);

/// Where a model's text comes from: the file `name` ("-": stdin, a name
/// ending in .ir: the IR text form of docs/ir.md), or `text` named `name`.
struct ModelText {
  std::string name;
  std::optional<std::string> text;
};

/// Reads and compiles a model. The error is the diagnostics as printed
/// (`file:line:col: error: ...`, the line, a caret; in colour if `colors`),
/// and then `*diagnostics` is set, or a plain message (the file cannot be
/// read, is too large).
Result<std::unique_ptr<LoadedModel>> loadModel(const ModelText &source, const Defines &defines,
                                               bool colors = false, bool *diagnostics = nullptr);

/// How the hints of loadWeights and bindWeights name the options their
/// caller has: the command line's flags or the API's names.
struct WeightOptionNames {
  const char *weights;         // where weights are given
  const char *allowUnexpected; // what ignores unexpected tensors
};
inline constexpr WeightOptionNames kCommandLineNames{"--weights", "--allow-unexpected-weights"};
inline constexpr WeightOptionNames kApiNames{
    "Weights::file or Weights::buffers (C: a weights path, or attn_module_compile_with_buffers)",
    "CompileOptions::allowUnexpectedWeights (C: attn_options_set_allow_unexpected_weights)"};

/// Binds the weights file at `path` to what `module` declares (every problem
/// in one message, with a hint at allowUnexpected when tensors are
/// unexpected). An empty path is no weights, valid for a model without any.
Result<std::shared_ptr<const WeightStore>> loadWeights(const ir::Module &module, const std::string &path,
                                                      bool allowUnexpected, const WeightOptionNames &names);
/// The same over the caller's buffers, read in place.
Result<std::shared_ptr<const WeightStore>> bindWeights(const ir::Module &module, const NamedTensorViews &tensors,
                                                      bool allowUnexpected, const WeightOptionNames &names);

/// What the pass pipeline reports beside its result.
struct PipelineReport {
  std::vector<std::string> warnings;
  std::vector<passes::FusionRemark> remarks;
};

/// Runs the pass pipeline on `model.module`, folding with `weights` when not
/// null; dumps and timings (as `pipeline` asks) go to `log`.
Result<PipelineReport> optimize(LoadedModel &model, const WeightMap *weights,
                                const passes::PipelineOptions &pipeline, std::ostream &log);

} // namespace attn::api::detail
