// attnc run: bind weights, compile for the chosen backend, match the inputs
// file to the function's arguments, run, then print or write the results.
#include "tools/attnc/RunCommand.h"

#include "api/ModuleAccess.h"
#include "runtime/Safetensors.h"
#include "tools/attnc/CompileCommand.h"

#include <cinttypes>
#include <cstdio>

namespace attn::tool {

namespace {
bool allowUnexpected = false; // the command line's --allow-unexpected-weights
} // namespace

void allowUnexpectedWeights(bool allow) { allowUnexpected = allow; }

std::shared_ptr<const WeightStore> loadWeights(const ir::Module &module, const std::string &path) {
  auto store = api::detail::loadWeights(module, path, allowUnexpected, api::detail::kCommandLineNames);
  if (!store) {
    reportError(store.status().message());
    return nullptr;
  }
  const std::vector<std::string> &ignored = (*store)->ignored();
  if (!ignored.empty()) {
    std::string names;
    for (const std::string &name : ignored) names += (names.empty() ? "" : ", ") + name;
    reportNote("ignored " + std::to_string(ignored.size()) + " tensor" + (ignored.size() == 1 ? "" : "s") + " of " +
               path + " that the model does not declare: " + names);
  }
  return *store;
}

std::string summarizeTensor(const std::string &name, const TensorView &view, size_t limit) {
  std::string s = name + ": " + std::string(dtypeName(view.dtype)) + shapeToString(view.shape) + " = [";
  int64_t n = view.numElements();
  for (int64_t i = 0; i < n && size_t(i) < limit; ++i) {
    char buf[32];
    switch (view.dtype) {
    case DType::F32: std::snprintf(buf, sizeof buf, "%.6g", double(view.as<float>()[i])); break;
    case DType::I64: std::snprintf(buf, sizeof buf, "%" PRId64, view.as<int64_t>()[i]); break;
    case DType::I32: std::snprintf(buf, sizeof buf, "%" PRId32, view.as<int32_t>()[i]); break;
    case DType::Bool: std::snprintf(buf, sizeof buf, "%s", view.as<uint8_t>()[i] ? "true" : "false"); break;
    }
    s += (i ? ", " : "") + std::string(buf);
  }
  if (size_t(n) > limit) s += ", ... (" + std::to_string(n) + " values)";
  return s + "]";
}

const ir::Graph *chooseFunction(const ir::Module &module, const std::string &name) {
  std::string names;
  for (const auto &g : module.functions) {
    if (g->name == name) return g.get();
    names += (names.empty() ? "" : ", ") + g->name;
  }
  if (!name.empty()) {
    reportError("the model has no function '" + name + "' (it has: " + names + ")");
    return nullptr;
  }
  if (module.functions.size() == 1) return module.functions.front().get();
  reportError("the model has several functions (" + names + "); choose one with --fn");
  return nullptr;
}

/// --time-passes: after the passes' report, the backend's phases (llvm: IR
/// emission, LLVM's optimisation, instruction selection and linking).
void printBackendTimings(const std::vector<CompilePhase> &phases) {
  if (phases.empty()) return;
  double total = 0;
  for (const CompilePhase &p : phases) total += p.milliseconds;
  std::fprintf(stderr, "===%s===\n                      attnc backend timing report\n===%s===\n",
               std::string(73, '-').c_str(), std::string(73, '-').c_str());
  for (const CompilePhase &p : phases)
    std::fprintf(stderr, "   %.6f (%5.1f%%)  %s\n", p.milliseconds / 1000, total > 0 ? 100 * p.milliseconds / total : 0.0,
                 p.name.c_str());
  std::fprintf(stderr, "   %.6f (100.0%%)  Total\n", total / 1000);
}

int runCommand(LoadedModel &model, const RunOptions &options) {
  auto weights = loadWeights(*model.module, options.weightsPath);
  if (!weights) return kUserError;
  WeightMap weightMap = WeightMap::fromStore(weights);
  if (!optimizeModel(model, &weightMap, options.pipeline, options.explainFusion)) return kUserError;
  std::shared_ptr<const ir::Module> module = std::move(model.module);
  auto exe = codegen::compile(module, weights, options.backend, options.backendOptions);
  if (!exe) {
    reportError(exe.message());
    return kUserError;
  }
  const ir::Graph *graph = chooseFunction(*module, options.function);
  if (!graph) return kUserError;
  // Compiled now where the backend compiles when first run: its errors are
  // compile errors, its time is compile time.
  if (Status s = (*exe)->prepare(graph->name); !s) {
    reportError(s.message());
    return kUserError;
  }
  if (options.pipeline.timePasses) printBackendTimings((*exe)->compilePhases());
  // The run goes through the public API (include/attn/attn.hpp), as an
  // application's does: its input checks, its errors, its results.
  api::Module runnable = api::ModuleAccess::wrap(module, std::move(*exe), weights->ignored());
  auto inputs = SafetensorsFile::open(options.inputsPath);
  if (!inputs) {
    reportError(inputs.message());
    return kUserError;
  }
  std::vector<api::TensorRef> refs;
  for (const auto &[name, view] : inputs->views())
    refs.push_back({name, api::toPublic(view.dtype), view.shape, view.data, view.byteSize()});
  auto results = runnable.run(graph->name, refs);
  if (!results) {
    // The inputs file is named where its tensors do not fit the function;
    // a failure of the run itself (the memory limit, a token id) says where
    // in the model.
    const api::Status &s = results.status();
    reportError(s.code() == api::ErrorCode::Input ? options.inputsPath + ": " + s.message() : s.message());
    return kUserError;
  }
  NamedTensorViews outputs;
  for (const api::Tensor &r : *results)
    outputs.emplace_back(r.name(), TensorView{api::toInternal(r.dtype()), r.shape(), r.data()});
  if (!options.outputPath.empty() && options.outputPath != "-") {
    if (Status s = writeSafetensors(options.outputPath, outputs); !s) {
      reportError(s.message());
      return kUserError;
    }
    return kSuccess;
  }
  for (const auto &[name, view] : outputs) std::printf("%s\n", summarizeTensor(name, view).c_str());
  return kSuccess;
}

} // namespace attn::tool
