// attnc: check, compile, run and benchmark attn model files (interfaces.md).
// Options are LLVM cl options grouped by subcommand; the exit status is 0 on
// success, 1 for an error in the user's model, weights or inputs, 2 for bad
// command-line usage.
#include "ir/Printer.h"
#include "runtime/Memory.h"
#include "runtime/Safetensors.h"
#include "runtime/ThreadPool.h"
#include "tools/attnc/BenchCommand.h"
#include "tools/attnc/CompileCommand.h"
#include "tools/attnc/Driver.h"
#include "tools/attnc/EmitCode.h"
#include "ir/InitialWeights.h"
#include "tools/attnc/RunCommand.h"

#include <dnnl.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/InitLLVM.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include <csignal>
#include <new>
#include <sstream>

using namespace llvm;
using namespace attn::tool;

namespace {

cl::OptionCategory attncCategory("attnc options");

cl::SubCommand checkCmd("check", "Parse, resolve, type- and shape-check a model");
cl::SubCommand compileCmd("compile", "Compile a model and emit one stage of it");
cl::SubCommand runCmd("run", "Compile and run one function of a model");
cl::SubCommand initWeightsCmd("init-weights", "Write PyTorch-initialised weights for a model");
cl::SubCommand benchCmd("bench", "Time a compiled model on random inputs");

cl::opt<std::string> modelPath(cl::Positional, cl::desc("MODEL.attn"), cl::Required,
                               cl::sub(checkCmd), cl::sub(compileCmd), cl::sub(runCmd),
                               cl::sub(initWeightsCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::list<std::string> defines("D", cl::Prefix, cl::desc("Override a let: -D name=value"),
                              cl::value_desc("name=value"), cl::sub(checkCmd), cl::sub(compileCmd),
                              cl::sub(runCmd), cl::sub(initWeightsCmd), cl::sub(benchCmd),
                              cl::cat(attncCategory));
cl::opt<bool> listWeights("list-weights",
                          cl::desc("Print every expected weight's name, dtype and shape"),
                          cl::sub(checkCmd), cl::cat(attncCategory));
cl::opt<std::string> weightsPath("weights", cl::desc("Weights (safetensors)"),
                                 cl::value_desc("file"), cl::sub(checkCmd), cl::sub(compileCmd),
                                 cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<bool> allowUnexpected("allow-unexpected-weights",
                              cl::desc("Ignore tensors of --weights the model does not declare "
                                       "(PyTorch's strict=False), listing them in a note"),
                              cl::sub(checkCmd), cl::sub(compileCmd), cl::sub(runCmd),
                              cl::sub(benchCmd), cl::cat(attncCategory));

enum class EmitKind { IR, OptIR, Dot, LLVM, Asm, Obj, Lib };
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to emit"), cl::Required, cl::sub(compileCmd),
    cl::values(clEnumValN(EmitKind::IR, "ir", "the graph IR as parsed"),
               clEnumValN(EmitKind::OptIR, "opt-ir", "the graph IR after the pass pipeline"),
               clEnumValN(EmitKind::Dot, "dot", "Graphviz of the optimised graph"),
               clEnumValN(EmitKind::LLVM, "llvm", "LLVM IR of the llvm backend"),
               clEnumValN(EmitKind::Asm, "asm", "assembly"),
               clEnumValN(EmitKind::Obj, "obj", "an ELF object file"),
               clEnumValN(EmitKind::Lib, "lib", "a static library (ar archive) of the object")),
    cl::cat(attncCategory));
cl::opt<std::string> cHeaderPath("header", cl::desc("Also write a C header for the object or library (obj, lib)"),
                                 cl::value_desc("file"), cl::sub(compileCmd), cl::cat(attncCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"), cl::sub(compileCmd),
                                cl::sub(runCmd), cl::cat(attncCategory));
cl::opt<std::string> weightsOutPath("o", cl::desc("Output weights file"), cl::value_desc("file"),
                                    cl::Required, cl::sub(initWeightsCmd), cl::cat(attncCategory));
cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0), cl::sub(initWeightsCmd),
                       cl::cat(attncCategory));
cl::opt<std::string> inputsPath("inputs", cl::desc("Inputs (safetensors), matched by argument name"),
                                cl::value_desc("file"), cl::Required, cl::sub(runCmd),
                                cl::cat(attncCategory));
cl::opt<std::string> functionName("fn", cl::desc("The function to run (default: the only one)"),
                                  cl::value_desc("name"), cl::sub(runCmd), cl::sub(benchCmd),
                                  cl::cat(attncCategory));
cl::opt<std::string> backendName("backend",
                                 cl::desc("llvm (the LLVM JIT, the default), dnnl (oneDNN's "
                                          "primitives) or interp (the reference interpreter)"),
                                 cl::value_desc("name"), cl::init("llvm"), cl::sub(runCmd),
                                 cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<unsigned> threadCount("threads",
                              cl::desc("Threads per run, the caller's included (llvm, dnnl; default: "
                                       "every hardware thread)"),
                              cl::value_desc("N"), cl::init(0), cl::sub(runCmd), cl::cat(attncCategory));
cl::opt<std::string> maxMemory("max-memory",
                               cl::desc("The memory one run may allocate for tensors, e.g. 512M, 4G "
                                        "(default: the machine's physical memory)"),
                               cl::value_desc("size"), cl::sub(runCmd), cl::sub(benchCmd),
                               cl::sub(initWeightsCmd), cl::cat(attncCategory));

// attnc bench (docs/benchmarks.md).
cl::opt<std::string> benchInputsPath("inputs", cl::desc("Inputs (safetensors) instead of generated ones"),
                                     cl::value_desc("file"), cl::sub(benchCmd), cl::cat(attncCategory));
cl::list<std::string> benchShapes("shape",
                                  cl::desc("Dims of generated inputs, e.g. B=32,T=128 (repeat for more shapes)"),
                                  cl::value_desc("NAME=N,..."), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<std::string> benchVariants("variants", cl::desc("fused, unfused or both (default: fused)"),
                                   cl::value_desc("a,b"), cl::init("fused"), cl::sub(benchCmd),
                                   cl::cat(attncCategory));
cl::opt<std::string> benchThreads("threads",
                                  cl::desc("Thread counts to time the llvm backend with (default: 1)"),
                                  cl::value_desc("N,M"), cl::init("1"), cl::sub(benchCmd),
                                  cl::cat(attncCategory));
cl::opt<unsigned> benchRepetitions("repetitions", cl::desc("Timed runs per variant (default: as many as --min-time allows)"),
                                   cl::value_desc("N"), cl::init(0), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<double> benchMinTime("min-time", cl::desc("Seconds of timed runs per variant (default 1)"),
                             cl::value_desc("S"), cl::init(1.0), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<std::string> benchJson("json", cl::desc("Write every figure and the machine as JSON"),
                               cl::value_desc("file"), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<std::string> targetCpu("mcpu", cl::desc("The CPU to compile for (llvm; default: the host's)"),
                               cl::value_desc("name"), cl::sub(compileCmd), cl::sub(runCmd),
                               cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<std::string> targetFeatures("mattr",
                                    cl::desc("CPU features added to --mcpu's, e.g. +avx2,+fma"),
                                    cl::value_desc("+a,-b"), cl::sub(compileCmd), cl::sub(runCmd),
                                    cl::sub(benchCmd), cl::cat(attncCategory));

// The pass pipeline (passes/passes.def names the passes; dumps and timings go
// to stderr so that --emit output on stdout stays clean).
cl::opt<std::string> passList("passes",
                              cl::desc("Run exactly these passes, in order, instead of the "
                                       "default pipeline (empty: none)"),
                              cl::value_desc("a,b,c"), cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::list<std::string> disabledPasses("disable-pass", cl::desc("Skip a pass wherever the pipeline runs it"),
                                     cl::value_desc("name"), cl::CommaSeparated, cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd),
                                     cl::cat(attncCategory));
cl::opt<bool> noFusion("no-fusion", cl::desc("Turn the fusion passes off"), cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd),
                       cl::cat(attncCategory));
cl::opt<bool> printAfterAll("print-after-all", cl::desc("Print the IR after every pass (stderr)"),
                            cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::list<std::string> printAfter("print-after", cl::desc("Print the IR after each run of this pass (stderr)"),
                                 cl::value_desc("name"), cl::CommaSeparated, cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd),
                                 cl::cat(attncCategory));
cl::opt<bool> timePasses("time-passes", cl::desc("Time each pass and print a report (stderr)"),
                         cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<bool> verifyEach("verify-each", cl::desc("Run the IR verifier after every pass"),
                         cl::init(true), cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));
cl::opt<bool> explainFusion("explain-fusion",
                            cl::desc("Say for each softmax whether it was fused, and if not, which "
                                     "part of the pattern did not match and why (stderr)"),
                            cl::sub(compileCmd), cl::sub(runCmd), cl::sub(benchCmd), cl::cat(attncCategory));

attn::passes::PipelineOptions pipelineOptions() {
  attn::passes::PipelineOptions options;
  if (passList.getNumOccurrences()) {
    options.passes.emplace();
    std::stringstream names(passList);
    for (std::string name; std::getline(names, name, ',');)
      if (!name.empty()) options.passes->push_back(name);
  }
  options.disabled.assign(disabledPasses.begin(), disabledPasses.end());
  options.fusion = !noFusion;
  options.printAfterAll = printAfterAll;
  options.printAfter.assign(printAfter.begin(), printAfter.end());
  options.timePasses = timePasses;
  options.verifyEach = verifyEach;
  return options;
}

/// `attnc --version`: the versions of attnc and of the libraries it links.
void printVersion(raw_ostream &os) {
  const dnnl_version_t *dnnl = dnnl_version();
  os << "attnc 0.1.0\n  LLVM " << LLVM_VERSION_STRING << "\n  oneDNN " << dnnl->major << "."
     << dnnl->minor << "." << dnnl->patch << "\n";
}

int runCheck() {
  auto model = loadModel(modelPath, defines);
  if (!model) return kUserError;
  if (!weightsPath.empty() && !loadWeights(*model->module, weightsPath)) return kUserError;
  if (listWeights)
    for (const auto &w : model->module->weights())
      outs() << w->name << ": " << w->type.str() << "\n";
  return kSuccess;
}

/// --max-memory in bytes (0 when not given); a usage error is printed.
bool maxMemoryOption(uint64_t &bytes) {
  bytes = 0;
  if (!maxMemory.getNumOccurrences()) return true;
  auto parsed = attn::parseByteSize(maxMemory);
  if (!parsed) {
    reportError("--max-memory takes a size such as 512M or 4G (got '" + maxMemory + "')");
    return false;
  }
  bytes = *parsed;
  return true;
}

/// The backend's target, thread and memory options; a usage error is printed.
bool backendOptions(attn::codegen::CompileOptions &options) {
  if (!targetFeatures.empty() && targetCpu.empty()) {
    errs() << "attnc: error: --mattr needs --mcpu\n";
    return false;
  }
  if (threadCount > attn::ThreadPool::kMaxThreads) {
    errs() << "attnc: error: --threads takes at most " << attn::ThreadPool::kMaxThreads << " (got "
           << threadCount << ")\n";
    return false;
  }
  if (!maxMemoryOption(options.maxMemory)) return false;
  options.threads = threadCount;
  options.cpu = targetCpu;
  options.features = targetFeatures;
  return checkTargetOptions(options);
}

int runCompile() {
  attn::codegen::CompileOptions target;
  if (!backendOptions(target)) return kUsageError;
  if (attn::Status s = attn::passes::validateOptions(pipelineOptions()); !s) {
    reportError(s.message());
    return kUsageError;
  }
  if (!checkOutputIsNotAnInput(outputPath, {modelPath, weightsPath})) return kUsageError;
  if (!checkHeaderOption(cHeaderPath.getNumOccurrences() > 0, cHeaderPath,
                         emitKind == EmitKind::Obj || emitKind == EmitKind::Lib, outputPath, {modelPath, weightsPath}))
    return kUsageError;
  // As LLVM's tools refuse to print bitcode to a console (llvm-as, opt):
  // an object or archive on stdout is for a pipe or a file.
  if ((emitKind == EmitKind::Obj || emitKind == EmitKind::Lib) && outputPath == "-" &&
      sys::Process::StandardOutIsDisplayed()) {
    errs() << "attnc: error: refusing to write a binary " << (emitKind == EmitKind::Obj ? "object" : "archive")
           << " to the terminal; give -o FILE or redirect stdout\n";
    return kUsageError;
  }
  auto model = loadModel(modelPath, defines);
  if (!model) return kUserError;
  if (emitKind == EmitKind::LLVM || emitKind == EmitKind::Asm || emitKind == EmitKind::Obj || emitKind == EmitKind::Lib) {
    EmitCodeOptions code{weightsPath, outputPath,
                         emitKind == EmitKind::LLVM  ? CodeEmit::LLVM
                         : emitKind == EmitKind::Asm ? CodeEmit::Asm
                         : emitKind == EmitKind::Obj ? CodeEmit::Obj
                                                     : CodeEmit::Lib,
                         pipelineOptions(), explainFusion, target, cHeaderPath};
    return emitCodeCommand(*model, code);
  }
  CompileOptions options{weightsPath, outputPath,
                         emitKind == EmitKind::IR    ? GraphEmit::IR
                         : emitKind == EmitKind::Dot ? GraphEmit::Dot
                                                     : GraphEmit::OptIR,
                         pipelineOptions(), explainFusion};
  return compileCommand(*model, options);
}

int runRun() {
  auto backend = attn::codegen::parseBackend(backendName);
  if (!backend) {
    reportError("unknown backend '" + backendName + "' (available: interp, llvm, dnnl)");
    return kUsageError;
  }
  attn::codegen::CompileOptions target;
  if (!backendOptions(target)) return kUsageError;
  if (!checkOutputIsNotAnInput(outputPath, {modelPath, weightsPath, inputsPath})) return kUsageError;
  auto model = loadModel(modelPath, defines);
  if (!model) return kUserError;
  if (weightsPath.empty() && !model->module->weights().empty()) {
    reportError("the model declares weights; pass them with --weights");
    return kUserError;
  }
  if (attn::Status s = attn::passes::validateOptions(pipelineOptions()); !s) {
    reportError(s.message());
    return kUsageError;
  }
  RunOptions options{weightsPath, inputsPath, outputPath, functionName, *backend,
                     pipelineOptions(), explainFusion, target};
  return runCommand(*model, options);
}

int runInitWeights() {
  uint64_t memoryLimit = 0;
  if (!maxMemoryOption(memoryLimit)) return kUsageError;
  if (!checkOutputIsNotAnInput(weightsOutPath, {modelPath})) return kUsageError;
  auto model = loadModel(modelPath, defines);
  if (!model) return kUserError;
  auto tensors = attn::ir::initialWeights(*model->module, seed, memoryLimit);
  if (!tensors) {
    reportError(tensors.message());
    return kUserError;
  }
  attn::NamedTensorViews views;
  for (const auto &[name, tensor] : *tensors) views.emplace_back(name, tensor.view());
  if (weightsOutPath == "-") { // stdout, as for every subcommand's -o
    auto bytes = attn::serializeSafetensors(views);
    if (!bytes) {
      reportError(bytes.message());
      return kUserError;
    }
    bool written = writeStdout(llvm::StringRef(reinterpret_cast<const char *>(bytes->data()), bytes->size()));
    return written ? kSuccess : kUserError;
  }
  if (attn::Status s = attn::writeSafetensors(weightsOutPath, views); !s) {
    reportError(s.message());
    return kUserError;
  }
  return kSuccess;
}

int runBench() {
  auto usage = [](const std::string &message) {
    reportError(message); // quotes the user's --shape, --backend, ...: escaped
    return kUsageError;
  };
  BenchOptions options;
  options.modelPath = modelPath;
  options.defines.assign(defines.begin(), defines.end());
  options.weightsPath = weightsPath;
  options.inputsPath = benchInputsPath;
  options.function = functionName;
  options.repetitions = benchRepetitions;
  options.minTime = benchMinTime;
  options.jsonPath = benchJson;
  options.pipeline = pipelineOptions();
  std::string error;
  if (!parseBenchVariants(backendName, benchVariants,
                          options.variants, error) ||
      !parseThreadList(benchThreads, options.threads, error))
    return usage(error);
  for (const std::string &text : benchShapes) {
    options.shapes.emplace_back();
    if (!parseShape(text, options.shapes.back(), error)) return usage(error);
  }
  if (options.shapes.empty() == options.inputsPath.empty())
    return usage("give the inputs' dims with --shape (e.g. --shape B=32,T=128) or an --inputs file, not both");
  if (!(options.minTime > 0) || options.minTime > 3600) return usage("--min-time takes seconds in (0, 3600]");
  if (!backendOptions(options.target)) return kUsageError;
  if (!checkOutputIsNotAnInput(benchJson, {modelPath, weightsPath, benchInputsPath}, "--json")) return kUsageError;
  if (attn::Status s = attn::passes::validateOptions(options.pipeline); !s) {
    reportError(s.message());
    return kUsageError;
  }
  return benchCommand(options);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // A write past the file size limit (ulimit -f) fails with EFBIG, reported
  // as the write's error, instead of SIGXFSZ and LLVM's crash stack dump.
  std::signal(SIGXFSZ, SIG_IGN);
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(attncCategory);
  cl::HideUnrelatedOptions(attncCategory, checkCmd);
  if (!cl::ParseCommandLineOptions(argc, argv, "attnc: a compiler for attention models\n",
                                   &errs()))
    return kUsageError;
  std::vector<std::pair<std::string, std::string>> parsedDefines;
  if (!parseDefines(defines, parsedDefines)) return kUsageError;
  allowUnexpectedWeights(allowUnexpected);
  // InitLLVM makes a failed `new` abort with a stack dump; attnc's own code
  // reports it instead (the interpreter per run, the rest here).
  std::set_new_handler(nullptr);
  try {
    if (checkCmd) return runCheck();
    if (compileCmd) return runCompile();
    if (runCmd) return runRun();
    if (initWeightsCmd) return runInitWeights();
    if (benchCmd) return runBench();
  } catch (const std::bad_alloc &) {
    reportError("out of memory");
    return kUserError;
  }
  errs() << "attnc: error: missing subcommand (check, compile, run, init-weights, bench); see "
            "'attnc --help'\n";
  return kUsageError;
}
