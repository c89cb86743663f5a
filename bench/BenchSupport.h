// What the Google Benchmark programs share: a model file compiled the way
// `attnc run` compiles it (frontend with -D overrides, the default pass
// pipeline with or without fusion, over init-weights' weights, then a
// backend), generated inputs for a shape, the GFLOP/s counter from the IR's
// FLOP count, and the machine in the benchmark context. See
// docs/benchmarks.md for the programs and how to run them.
#pragma once

#include "codegen/Backend.h"
#include "codegen/interp/ConstantEvaluation.h"
#include "codegen/llvm/LLVMBackend.h"
#include "frontend/Frontend.h"
#include "ir/Cost.h"
#include "ir/InitialWeights.h"
#include "ir/SampleInputs.h"
#include "passes/PassManager.h"
#include "runtime/Machine.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace attn::bench {

/// A model compiled for one variant, its function's inputs and FLOPs.
struct CompiledModel {
  std::shared_ptr<const WeightStore> weights; // PyTorch's initialisation, seed 0
  std::unique_ptr<Executable> exe;
  std::shared_ptr<const ir::Module> module;
  std::string fn;
  std::vector<std::pair<std::string, Tensor>> inputs;
  NamedTensorViews views;
  double flops = 0;
};

enum class Variant { Interp, LLVMUnfused, LLVMFused, DnnlUnfused, DnnlFused };

/// The variants every model benchmark compares.
inline constexpr Variant kAllVariants[] = {Variant::Interp, Variant::LLVMUnfused, Variant::LLVMFused,
                                           Variant::DnnlUnfused, Variant::DnnlFused};

inline const char *variantName(Variant v) {
  switch (v) {
  case Variant::Interp: return "interp";
  case Variant::LLVMUnfused: return "llvm_unfused";
  case Variant::LLVMFused: return "llvm_fused";
  case Variant::DnnlUnfused: return "dnnl_unfused";
  case Variant::DnnlFused: return "dnnl_fused";
  }
  return "?";
}

inline codegen::Backend variantBackend(Variant v) {
  if (v == Variant::Interp) return codegen::Backend::Interp;
  return v == Variant::DnnlUnfused || v == Variant::DnnlFused ? codegen::Backend::DNNL : codegen::Backend::LLVM;
}

inline std::string sourcePath(const std::string &relative) { return std::string(ATTN_SOURCE_DIR) + "/" + relative; }

/// The CPU the llvm variants compile for: `--mcpu=NAME` of the programs
/// (e.g. x86-64-v3 for the AVX2 + FMA code of a Zen 3 host), else the host.
inline std::string &benchCpu() {
  static std::string cpu;
  return cpu;
}

/// Compiles `path` with `defines` for `variant` (one thread per run unless
/// told otherwise; the object cache of `cacheDir`, "" the environment's) with
/// `weights` (null: PyTorch's initialisation, seed 0) and makes inputs for
/// `fn` under `dims`. Errors abort the
/// benchmark program with a message: they are bugs in the benchmark.
inline CompiledModel compileModel(const std::string &path, const std::vector<std::pair<std::string, std::string>> &defines,
                                  const std::string &fn, Variant variant, const ir::DimBindings &dims,
                                  unsigned threads = 1, const std::string &cacheDir = "",
                                  std::shared_ptr<const WeightStore> weights = nullptr) {
  auto fail = [&](const std::string &message) {
    std::fprintf(stderr, "bench: %s: %s\n", path.c_str(), message.c_str());
    std::exit(1);
  };
  std::ifstream file(path);
  if (!file) fail("cannot read the model");
  std::stringstream text;
  text << file.rdbuf();
  frontend::FrontendOptions options;
  options.defines = defines;
  frontend::CompiledText compiled = frontend::compileModelText(text.str(), path, options);
  if (!compiled.module) fail(compiled.diagnostics);
  std::unique_ptr<ir::Module> module = std::move(compiled.module);
  if (!weights) {
    auto tensors = ir::initialWeights(*module, 0);
    if (!tensors) fail(tensors.message());
    weights = std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(*tensors)));
  }
  WeightMap weightMap = WeightMap::fromStore(weights);
  passes::PassContext context(*module);
  context.weights = &weightMap;
  context.evaluate = interp::evaluateConstantNode;
  passes::PipelineOptions pipeline;
  pipeline.fusion = variant == Variant::LLVMFused || variant == Variant::DnnlFused;
  std::ostringstream log;
  if (Status s = passes::runPipeline(context, pipeline, log); !s) fail(s.message());
  CompiledModel m;
  m.weights = weights;
  m.module = std::move(module);
  codegen::CompileOptions compileOptions;
  compileOptions.threads = threads;
  compileOptions.cpu = benchCpu();
  compileOptions.cacheDir = cacheDir;
  auto exe = codegen::compile(m.module, weights, variantBackend(variant), compileOptions);
  if (!exe) fail(exe.message());
  if (Status s = (*exe)->prepare(fn); !s) fail(s.message());
  m.exe = std::move(*exe);
  m.fn = fn;
  for (const auto &g : m.module->functions)
    if (g->name == fn) {
      auto inputs = ir::sampleInputs(*g, dims, 0);
      auto flops = ir::graphFlops(*g, dims);
      if (!inputs || !flops) fail("the dims do not bind every dim of " + fn);
      m.inputs = std::move(*inputs);
      m.flops = *flops;
    }
  if (m.inputs.empty()) fail("no function " + fn);
  for (const auto &[name, t] : m.inputs) m.views.emplace_back(name, t.view());
  return m;
}

/// The GFLOP/s counter (plot.py reads it by this name) for `flops` per iteration.
inline void setFlops(benchmark::State &state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
}

/// Where the timed runs put their results.
enum class Results {
  /// Fresh tensors per run (Executable::run), as attnc bench and PyTorch
  /// eager, which allocates its outputs too: the model benchmarks.
  Fresh,
  /// Buffers allocated once (Executable::runInto), as the oneDNN and
  /// LIBXSMM references' preallocated destinations: the kernel benchmarks,
  /// which compare kernels, not allocators (a result above glibc's mmap
  /// threshold, 128 KiB, is otherwise mapped and faulted in on every run).
  Preallocated,
};

/// Times a compiled model, after one untimed run.
inline void runModel(benchmark::State &state, const CompiledModel &m, Results where) {
  // One untimed run first, as attnc bench's warm-up: the dnnl backend makes
  // a shape's primitives on its first run, and a shape timed over a single
  // iteration (the largest) would count that. Its results give the buffers'
  // shapes.
  auto first = m.exe->run(m.fn, m.views);
  if (!first) {
    state.SkipWithError(("the warm-up run failed: " + first.message()).c_str());
    return;
  }
  NamedTensorViews outputs;
  const FunctionSignature *signature = m.exe->findFunction(m.fn);
  for (size_t i = 0; i < first->size(); ++i) outputs.emplace_back(signature->results[i].name, (*first)[i].view());
  for (auto _ : state) {
    if (where == Results::Preallocated) {
      if (Status s = m.exe->runInto(m.fn, m.views, outputs); !s) {
        state.SkipWithError(s.message().c_str());
        return;
      }
      benchmark::DoNotOptimize(outputs.data());
      continue;
    }
    auto results = m.exe->run(m.fn, m.views);
    if (!results) {
      state.SkipWithError(results.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(results->data());
  }
  setFlops(state, m.flops);
}

/// The programs' common settings: real time in `unit`; one iteration under --smoke.
inline void configure(benchmark::internal::Benchmark *b, bool smoke, benchmark::TimeUnit unit = benchmark::kMicrosecond) {
  b->Unit(unit)->UseRealTime();
  if (smoke) b->Iterations(1);
}

/// The machine and the code's ISA level in the benchmark's context, so every
/// JSON output says where it was measured.
inline void describeContext() {
  MachineInfo machine = describeMachine();
  std::string features;
  for (const std::string &f : machine.features) features += (features.empty() ? "" : " ") + f;
  benchmark::AddCustomContext("cpu", machine.cpu);
  benchmark::AddCustomContext("cpu_features", features);
  llvmcg::LLVMOptions target;
  target.cpu = benchCpu();
  benchmark::AddCustomContext("isa", benchCpu().empty() ? llvmcg::hostIsaLevel() : benchCpu());
  benchmark::AddCustomContext("llvm_target", llvmcg::describeTarget(target));
  for (const std::string &w : measurementWarnings()) std::fprintf(stderr, "bench: warning: %s\n", w.c_str());
  // libgomp reads these when it loads, before main: they can only be checked.
  const char *wait = std::getenv("OMP_WAIT_POLICY"), *threads = std::getenv("OMP_NUM_THREADS");
  if (!wait || std::string(wait) != "passive" || !threads)
    std::fprintf(stderr, "bench: warning: set OMP_NUM_THREADS and OMP_WAIT_POLICY=passive: oneDNN's idle "
                         "OpenMP threads otherwise spin next to the measured code\n");
}

/// The programs' main: `--smoke` runs every benchmark for one iteration
/// (CI's check that they still build and run), `--mcpu=NAME` compiles the
/// llvm variants for that CPU (benchCpu), the rest goes to Google
/// Benchmark. `registerAll(smoke)` registers the benchmarks.
inline int benchMain(int argc, char **argv, void (*registerAll)(bool smoke)) {
  bool smoke = false;
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) smoke = true;
    else if (std::strncmp(argv[i], "--mcpu=", 7) == 0) benchCpu() = argv[i] + 7;
    else args.push_back(argv[i]);
  }
  int count = int(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  describeContext();
  registerAll(smoke);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

} // namespace attn::bench
