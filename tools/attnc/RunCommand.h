// `attnc run` and the weight-binding shared with `check --weights`.
#pragma once

#include "codegen/Backend.h"
#include "passes/PassManager.h"
#include "tools/attnc/Driver.h"

#include <memory>
#include <string>

namespace attn::tool {

/// Binds the weights file to the model (every problem in one message).
/// Tensors the model does not declare are an error unless
/// allowUnexpectedWeights(true) was called (--allow-unexpected-weights);
/// then they are listed in a note.
std::shared_ptr<const WeightStore> loadWeights(const ir::Module &module, const std::string &path);
void allowUnexpectedWeights(bool allow);

struct RunOptions {
  std::string weightsPath;
  std::string inputsPath;
  std::string outputPath; // empty: print a summary
  std::string function;   // empty: the model's only function
  codegen::Backend backend = codegen::kDefaultBackend;
  passes::PipelineOptions pipeline; // run before compiling, with the weights
  bool explainFusion = false;
  codegen::CompileOptions backendOptions; // threads, target CPU (llvm)
};

int runCommand(LoadedModel &model, const RunOptions &options);

/// The function called `name`, or with an empty name the module's only one;
/// prints the error (naming the functions there are) and returns null.
const ir::Graph *chooseFunction(const ir::Module &module, const std::string &name);

/// "logits: f32[2, 2] = [0.1, -0.3, 0.25, 0.9]" (up to `limit` values).
std::string summarizeTensor(const std::string &name, const TensorView &view, size_t limit = 32);

} // namespace attn::tool
