// attnc bench (BenchCommand.h). Each (backend, variant, threads) is compiled
// from the model file anew, so the compile time it reports is the whole of
// it: frontend, passes, and the backend's own phases. Runs are timed with a
// steady clock around `run`, after warm-up runs; timings are printed, never
// asserted anywhere.
#include "tools/attnc/BenchCommand.h"

#include "codegen/common/InputBinding.h"
#include "codegen/llvm/LLVMBackend.h"
#include "ir/InitialWeights.h"
#include "ir/SampleInputs.h"
#include "runtime/Machine.h"
#include "runtime/Memory.h"
#include "runtime/Safetensors.h"
#include "runtime/ThreadPool.h"
#include "tools/attnc/CompileCommand.h"
#include "tools/attnc/RunCommand.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <unistd.h>

namespace attn::tool {

namespace {

using Clock = std::chrono::steady_clock;

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> items;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

/// The items of a comma-separated `option` value; an empty one ("1,,2",
/// "B=2,") is a usage error, not skipped: it is likely a typo.
bool splitItems(const std::string &option, const std::string &text, std::vector<std::string> &items,
                std::string &error) {
  items.clear();
  llvm::SmallVector<llvm::StringRef, 8> parts;
  if (!text.empty()) llvm::StringRef(text).split(parts, ',', -1, /*KeepEmpty=*/true);
  for (llvm::StringRef part : parts) {
    if (part.empty()) {
      error = option + " has an empty item in '" + text + "'";
      return false;
    }
    items.push_back(part.str());
  }
  return true;
}

bool parsePositive(const std::string &text, int64_t &value) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::stoll(text);
  return value > 0;
}

std::string variantName(const BenchVariant &v) {
  return std::string(codegen::backendName(v.backend)) + (v.fused ? " fused" : " unfused");
}

std::string shapeText(const ir::DimBindings &dims) {
  std::string s;
  for (const auto &[name, value] : dims) s += (s.empty() ? "" : ", ") + name + "=" + std::to_string(value);
  return s;
}

/// One timed configuration.
struct Measurement {
  BenchVariant variant;
  unsigned threads = 1;
  std::vector<CompilePhase> compile; // frontend, passes, backend
  std::vector<CompilePhase> backend; // the backend's own phases, if it has any
  double flops = -1;                 // per run; negative: unknown
  std::vector<double> runs;          // milliseconds, sorted
  double quantile(double q) const { return runs[size_t(q * double(runs.size() - 1) + 0.5)]; }
  double median() const { return quantile(0.5); }
  double spread() const { return (quantile(0.9) - runs.front()) / median(); }
  double gflops() const { return flops < 0 ? -1 : flops / (median() * 1e6); }
};

/// The progress line on stderr, only when stderr is a terminal.
class Progress {
public:
  explicit Progress(size_t total) : total_(total), enabled_(isatty(2)) {}
  void show(size_t index, const std::string &what) {
    if (enabled_) std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", index + 1, total_, what.c_str());
  }
  void clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }
  ~Progress() { clear(); }

private:
  size_t total_;
  bool enabled_;
};

/// Runs `run` `repetitions` times, or for `minTime` seconds and at least 5
/// times, after warm-up (at least 2 runs and 10% of the time budget).
Status timeRuns(const Executable &exe, const std::string &fn, const NamedTensorViews &inputs,
                const BenchOptions &options, std::vector<double> &runs) {
  auto runOnce = [&]() -> Result<double> {
    auto start = Clock::now();
    auto results = exe.run(fn, inputs);
    double ms = millisecondsSince(start);
    if (!results) return results.status();
    return ms;
  };
  auto warmStart = Clock::now();
  for (int i = 0; i < 2 || millisecondsSince(warmStart) < 100 * options.minTime; ++i)
    if (auto r = runOnce(); !r) return r.status();
  auto start = Clock::now();
  while (options.repetitions ? runs.size() < options.repetitions
                             : runs.size() < 5 || millisecondsSince(start) < 1000 * options.minTime) {
    auto r = runOnce();
    if (!r) return r.status();
    runs.push_back(*r);
    if (runs.size() >= 1000000) break;
  }
  std::sort(runs.begin(), runs.end());
  return Status::ok();
}

/// The weights: the file, else init-weights' (seed 0); null after an error.
std::shared_ptr<const WeightStore> benchWeights(const ir::Module &module, const std::string &path,
                                                uint64_t maxMemory) {
  if (!path.empty()) return loadWeights(module, path);
  auto tensors = ir::initialWeights(module, 0, maxMemory);
  if (!tensors) {
    reportError(tensors.message());
    return nullptr;
  }
  return std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(*tensors)));
}

/// Every symbol the arguments of `graph` use, sorted.
std::vector<std::string> argumentSymbols(const ir::Graph &graph) {
  std::vector<std::string> symbols;
  for (const ir::Value *arg : graph.arguments)
    for (const ir::Dim &d : arg->type.shape)
      for (const std::string &s : d.symbols())
        if (std::find(symbols.begin(), symbols.end(), s) == symbols.end()) symbols.push_back(s);
  std::sort(symbols.begin(), symbols.end());
  return symbols;
}

/// A --shape must bind exactly the function's dims.
bool checkShape(const ir::Graph &graph, const ir::DimBindings &shape) {
  std::vector<std::string> symbols = argumentSymbols(graph);
  std::string list;
  for (const std::string &s : symbols) list += (list.empty() ? "" : ", ") + s;
  for (const auto &[name, value] : shape)
    if (std::find(symbols.begin(), symbols.end(), name) == symbols.end()) {
      reportError("--shape names '" + name + "', which is no dim of function '" + graph.name +
                  "' (its dims: " + (list.empty() ? "none" : list) + ")");
      return false;
    }
  for (const std::string &s : symbols)
    if (!shape.count(s)) {
      reportError("--shape does not give dim '" + s + "' of function '" + graph.name + "' (its dims: " + list +
                  ")");
      return false;
    }
  return true;
}

/// The ISA level the code is compiled for: the CPU given, else the host's
/// highest level.
std::string isaLevel(const codegen::CompileOptions &target) {
  if (!target.cpu.empty()) return target.cpu;
  return llvmcg::hostIsaLevel();
}

llvm::json::Object machineJson(const BenchOptions &options) {
  MachineInfo machine = describeMachine();
  llvm::json::Array features;
  for (const std::string &f : machine.features) features.push_back(f);
  return llvm::json::Object{
      {"cpu", machine.cpu},
      {"cores", int64_t(machine.cores)},
      {"features", std::move(features)},
      {"isa", isaLevel(options.target)},
      {"target", llvmcg::describeTarget({options.target.cpu, options.target.features, 0})}};
}

std::string phasesText(const std::vector<CompilePhase> &phases) {
  std::string text;
  for (const CompilePhase &p : phases) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%s%s %.1f ms", text.empty() ? "" : ", ", p.name.c_str(), p.milliseconds);
    text += buf;
  }
  return text;
}

double totalOf(const std::vector<CompilePhase> &phases) {
  double total = 0;
  for (const CompilePhase &p : phases) total += p.milliseconds;
  return total;
}

llvm::json::Object recordJson(const Measurement &m, const std::string &model, const std::string &fn,
                              const ir::DimBindings &dims, const BenchOptions &options) {
  llvm::json::Object shape, defines, compile;
  for (const auto &[name, value] : dims) shape[name] = value;
  for (const std::string &d : options.defines)
    if (size_t eq = d.find('='); eq != std::string::npos) {
      std::string value = d.substr(eq + 1);
      char *end = nullptr;
      double number = std::strtod(value.c_str(), &end);
      defines[d.substr(0, eq)] = !value.empty() && *end == 0 ? llvm::json::Value(number) : llvm::json::Value(value);
    }
  for (const std::vector<CompilePhase> *phases : {&m.compile, &m.backend})
    for (const CompilePhase &phase : *phases) compile[phase.name] = phase.milliseconds;
  compile["total"] = totalOf(m.compile);
  auto orNull = [](double x) { return x < 0 ? llvm::json::Value(nullptr) : llvm::json::Value(x); };
  return llvm::json::Object{{"model", model},
                            {"fn", fn},
                            {"backend", std::string(codegen::backendName(m.variant.backend))},
                            {"variant", m.variant.fused ? "fused" : "unfused"},
                            {"threads", int64_t(m.threads)},
                            {"shape", std::move(shape)},
                            {"defines", std::move(defines)},
                            {"repetitions", int64_t(m.runs.size())},
                            {"median_ms", m.median()},
                            {"min_ms", m.runs.front()},
                            {"p90_ms", m.quantile(0.9)},
                            {"spread", m.spread()},
                            {"flops", orNull(m.flops)},
                            {"gflops", orNull(m.gflops())},
                            {"compile_ms", std::move(compile)}};
}

void printCompileLine(const Measurement &m) {
  std::string backend = m.backend.empty() ? "" : " (" + phasesText(m.backend) + ")";
  std::printf("  compile %s, %u thread%s: %s%s; total %.1f ms\n", variantName(m.variant).c_str(), m.threads,
              m.threads == 1 ? "" : "s", phasesText(m.compile).c_str(), backend.c_str(), totalOf(m.compile));
}

void printTable(const std::vector<Measurement> &ms) {
  std::printf("  %-16s %7s %12s %12s %12s %7s %9s %7s\n", "variant", "threads", "median", "min", "p90", "spread",
              "GFLOP/s", "ratio");
  for (const Measurement &m : ms) {
    char gflops[32] = "-";
    if (m.gflops() >= 0) std::snprintf(gflops, sizeof gflops, "%.2f", m.gflops());
    std::printf("  %-16s %7u %9.4f ms %9.4f ms %9.4f ms %6.1f%% %9s %6.2fx\n", variantName(m.variant).c_str(),
                m.threads, m.median(), m.runs.front(), m.quantile(0.9), 100 * m.spread(), gflops,
                m.median() / ms.front().median());
  }
}

/// Compiles and times one configuration on `inputs` (for the shape `dims`),
/// with `weights` (read once: the store is immutable and the model the same).
Status measure(const BenchOptions &options, const std::shared_ptr<const WeightStore> &weights,
               const std::string &fn, const NamedTensorViews &inputs, const ir::DimBindings &dims, Measurement &m) {
  auto start = Clock::now();
  auto model = loadModel(options.modelPath, options.defines);
  if (!model) return Status::error(""); // diagnostics printed
  m.compile.push_back({"frontend", millisecondsSince(start)});
  WeightMap weightMap = WeightMap::fromStore(weights);
  passes::PipelineOptions pipeline = options.pipeline;
  pipeline.fusion = pipeline.fusion && m.variant.fused;
  start = Clock::now();
  if (!optimizeModel(*model, &weightMap, pipeline, false)) return Status::error("");
  m.compile.push_back({"passes", millisecondsSince(start)});
  std::shared_ptr<const ir::Module> module = std::move(model->module);
  codegen::CompileOptions compileOptions = options.target;
  compileOptions.threads = m.threads;
  start = Clock::now();
  auto exe = codegen::compile(module, weights, m.variant.backend, compileOptions);
  if (!exe) return exe.status();
  if (Status s = (*exe)->prepare(fn); !s) return s;
  m.compile.push_back({"backend", millisecondsSince(start)});
  m.backend = (*exe)->compilePhases();
  for (const auto &g : module->functions)
    if (g->name == fn)
      if (auto flops = ir::graphFlops(*g, dims)) m.flops = *flops;
  if (Status s = timeRuns(**exe, fn, inputs, options, m.runs); !s) return s;
  return Status::ok();
}

} // namespace

bool parseBenchVariants(const std::string &backends, const std::string &variants, std::vector<BenchVariant> &out,
                        std::string &error) {
  std::vector<codegen::Backend> backendList;
  for (const std::string &name : splitList(backends)) {
    if (name == "all") {
      backendList.push_back(codegen::Backend::LLVM);
      backendList.push_back(codegen::Backend::DNNL);
      backendList.push_back(codegen::Backend::Interp);
    } else if (auto b = codegen::parseBackend(name)) {
      backendList.push_back(*b);
    } else {
      error = "unknown backend '" + name + "' (available: interp, llvm, dnnl, all)";
      return false;
    }
  }
  std::vector<bool> fusion;
  for (const std::string &name : splitList(variants)) {
    if (name != "fused" && name != "unfused") {
      error = "unknown variant '" + name + "' (available: fused, unfused)";
      return false;
    }
    fusion.push_back(name == "fused");
  }
  if (backendList.empty() || fusion.empty()) {
    error = "--backend and --variants need at least one name each";
    return false;
  }
  for (codegen::Backend b : backendList)
    for (bool fused : fusion) out.push_back({b, fused});
  return true;
}

bool parseThreadList(const std::string &text, std::vector<unsigned> &out, std::string &error) {
  std::vector<std::string> items;
  if (!splitItems("--threads", text, items, error)) return false;
  for (const std::string &item : items) {
    int64_t n;
    if (!parsePositive(item, n) || n > int64_t(ThreadPool::kMaxThreads)) {
      error = "--threads takes positive counts, e.g. 1,2 (got '" + item + "')";
      return false;
    }
    out.push_back(unsigned(n));
  }
  if (out.empty()) error = "--threads needs at least one count";
  return !out.empty();
}

bool parseShape(const std::string &text, ir::DimBindings &out, std::string &error) {
  std::vector<std::string> items;
  if (!splitItems("--shape", text, items, error)) return false;
  for (const std::string &item : items) {
    size_t eq = item.find('=');
    int64_t value;
    if (eq == std::string::npos || eq == 0 || !parsePositive(item.substr(eq + 1), value)) {
      error = "--shape takes NAME=SIZE pairs with positive sizes, e.g. B=32,T=128 (got '" + item + "')";
      return false;
    }
    auto [it, added] = out.emplace(item.substr(0, eq), value);
    if (!added && it->second != value) {
      error = "--shape gives '" + it->first + "' twice, as " + std::to_string(it->second) + " and as " +
              std::to_string(value) + ": give it once";
      return false;
    }
  }
  if (out.empty()) error = "--shape needs at least one NAME=SIZE";
  return !out.empty();
}

/// Whether the generated inputs of `graph` under `dims` fit the memory limit
/// (checked before any is allocated).
Status checkInputMemory(const ir::Graph &graph, const ir::DimBindings &dims, uint64_t maxMemory) {
  MemoryBudget budget(maxMemory);
  for (const ir::Value *arg : graph.arguments) {
    Shape shape;
    for (const ir::Dim &d : arg->type.shape) shape.push_back(d.evaluate(dims).value_or(-1));
    auto bytes = checkedTensorBytes(arg->type.dtype, shape);
    std::string what = "the generated input '" + arg->name + "' (" + shapeText(dims) + ")";
    if (!bytes) return Status::error(what + " has more bytes than memory can address");
    if (Status s = budget.reserve(*bytes, what); !s) return s;
  }
  return Status::ok();
}

int benchCommand(const BenchOptions &options) {
  auto model = loadModel(options.modelPath, options.defines);
  if (!model) return kUserError;
  const ir::Graph *graph = chooseFunction(*model->module, options.function);
  if (!graph) return kUserError;
  const std::string fn = graph->name;
  auto weights = benchWeights(*model->module, options.weightsPath, options.target.maxMemory);
  if (!weights) return kUserError;
  // Named as bench/pytorch_baseline.py names it, by the file's stem.
  std::string modelName = llvm::sys::path::stem(options.modelPath).str();

  // One (dims, inputs) pair per shape: the inputs file's, or generated.
  std::vector<std::pair<ir::DimBindings, std::vector<std::pair<std::string, Tensor>>>> shapes;
  if (!options.inputsPath.empty()) {
    auto file = SafetensorsFile::open(options.inputsPath);
    if (!file) {
      reportError(file.message());
      return kUserError;
    }
    NamedTensorViews views = file->views();
    auto bound = codegen::bindInputs(*graph, views);
    if (!bound) {
      reportError(options.inputsPath + ": " + bound.message());
      return kUserError;
    }
    std::vector<std::pair<std::string, Tensor>> copies;
    for (const auto &[name, view] : views) copies.emplace_back(name, Tensor::copyOf(view));
    shapes.emplace_back(bound->dims, std::move(copies));
  }
  for (const ir::DimBindings &dims : options.shapes) {
    if (!checkShape(*graph, dims)) return kUsageError;
    if (Status s = checkInputMemory(*graph, dims, options.target.maxMemory); !s) {
      reportError(s.message());
      return kUserError;
    }
    auto inputs = ir::sampleInputs(*graph, dims, 0);
    if (!inputs) {
      reportError("cannot make inputs for function '" + fn + "' under " + shapeText(dims));
      return kUserError;
    }
    shapes.emplace_back(dims, std::move(*inputs));
  }

  MachineInfo machine = describeMachine();
  std::string features;
  for (const std::string &f : machine.features) features += " " + f;
  std::printf("attnc bench: %s, fn %s\n", options.modelPath.c_str(), fn.c_str());
  std::printf("machine: %s, %u cores,%s; code for %s, ISA level %s\n", machine.cpu.c_str(), machine.cores,
              features.c_str(), llvmcg::describeTarget({options.target.cpu, options.target.features, 0}).c_str(),
              isaLevel(options.target).c_str());
  std::fflush(stdout);
  for (const std::string &w : measurementWarnings()) std::fprintf(stderr, "attnc: warning: %s\n", w.c_str());

  llvm::json::Array records;
  size_t total = 0;
  for (const BenchVariant &v : options.variants)
    total += v.backend == codegen::Backend::Interp ? 1 : options.threads.size();
  total *= shapes.size();
  Progress progress(total);
  size_t index = 0;
  for (const auto &[dims, tensors] : shapes) {
    NamedTensorViews inputs;
    for (const auto &[name, t] : tensors) inputs.emplace_back(name, t.view());
    std::vector<Measurement> measurements;
    for (const BenchVariant &v : options.variants) {
      std::vector<unsigned> threadCounts = options.threads;
      if (v.backend == codegen::Backend::Interp) threadCounts = {1};
      for (unsigned threads : threadCounts) {
        Measurement m{v, threads, {}, {}, -1, {}};
        progress.show(index++, shapeText(dims) + ": " + variantName(v) + ", " + std::to_string(threads) + " thread(s)");
        if (Status s = measure(options, weights, fn, inputs, dims, m); !s) {
          if (!s.message().empty()) reportError(s.message());
          return kUserError;
        }
        measurements.push_back(std::move(m));
      }
    }
    progress.clear();
    std::printf("\nshape %s", shapeText(dims).c_str());
    if (measurements.front().flops >= 0) std::printf(": %.4g GFLOP per run", measurements.front().flops / 1e9);
    std::printf("\n");
    for (const Measurement &m : measurements) printCompileLine(m);
    printTable(measurements);
    for (const Measurement &m : measurements) records.push_back(recordJson(m, modelName, fn, dims, options));
  }
  std::fflush(stdout);
  if (!options.jsonPath.empty()) {
    llvm::json::Value doc(llvm::json::Object{
        {"tool", "attnc"}, {"machine", machineJson(options)}, {"records", std::move(records)}});
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::formatv("{0:2}", doc) << "\n";
    if (!writeOutput(options.jsonPath, os.str())) return kUserError;
  }
  return kSuccess;
}

} // namespace attn::tool
