// The target: host detection (CPU name and features, at run time), the
// target machine, the optimisation pipeline, and assembly/object
// emission. LLVM errors become Status values here; nothing calls
// report_fatal_error on the user's behalf.
#include "codegen/llvm/Target.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/X86TargetParser.h>
#include <llvm/Transforms/Utils/Cloning.h>

#include <algorithm>
#include <functional>
#include <mutex>

namespace attn::llvmcg {

namespace {

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

/// "+avx512f,+fma,-sse4a,..." for the host.
std::string hostFeatures() {
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features += (features.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
                feature.first().str();
  return features;
}

/// Vector width and FMA from what the target machine's subtarget enables.
void describeSubtarget(const llvm::TargetMachine &machine, TargetInfo &info) {
  const llvm::MCSubtargetInfo *sti = machine.getMCSubtargetInfo();
  llvm::Triple triple(info.triple);
  if (triple.isX86()) {
    info.vectorBits = sti->checkFeatures("+avx512f") ? 512 : sti->checkFeatures("+avx") ? 256 : 128;
    info.hasFma = sti->checkFeatures("+fma");
  } else {
    info.vectorBits = 128;
    info.hasFma = triple.isAArch64();
  }
}

/// What the generated code and the runtime helpers it calls (compiled for
/// the SysV x86-64 ABI) assume of an x86 target: 64-bit mode and hardware
/// floating point in x87 and SSE/SSE2 registers. Without 64-bit mode LLVM
/// aborts the process ("64-bit code requested on a subtarget that doesn't
/// support it"); with soft-float its code generator grows without bound;
/// without SSE floats cross calls in x87 registers, and the helpers' results
/// are read as garbage, silently (tanh came out 0).
constexpr const char *kX86AbiFeatures = "+64bit,+64bit-mode,+x87,+sse,+sse2,-soft-float";

bool keepsX86Abi(const llvm::Target &t, const TargetInfo &info, llvm::StringRef features) {
  std::unique_ptr<llvm::MCSubtargetInfo> sti(t.createMCSubtargetInfo(info.triple, info.cpu, features));
  return sti && sti->checkFeatures(kX86AbiFeatures);
}

/// Refuses a CPU without x86-64 and a feature that turns off what
/// kX86AbiFeatures names (-sse also turns off sse2; +soft-float is on).
Status checkX86Abi(const llvm::Target &t, const TargetInfo &info, llvm::ArrayRef<llvm::StringRef> features) {
  if (!llvm::Triple(info.triple).isX86() || keepsX86Abi(t, info, info.features)) return Status::ok();
  if (!keepsX86Abi(t, info, ""))
    return Status::error("CPU '" + info.cpu + "' cannot run x86-64 code: choose a 64-bit CPU (e.g. x86-64)");
  std::string culprit = info.features;
  for (llvm::StringRef f : features)
    if (!keepsX86Abi(t, info, f)) {
      culprit = f.str();
      break;
    }
  return Status::error("CPU feature '" + culprit +
                       "' is not supported: the generated code needs 64-bit mode, x87, SSE and SSE2, "
                       "and hardware floating point");
}

/// A CPU or feature LLVM does not know is the user's error, reported before
/// LLVM would print a warning and ignore it; so is a CPU or feature that
/// breaks the ABI (checkX86Abi).
Status checkCpuAndFeatures(const llvm::Target &t, const TargetInfo &info) {
  std::unique_ptr<llvm::MCSubtargetInfo> generic(t.createMCSubtargetInfo(info.triple, "", ""));
  if (!generic) return Status::error("llvm: no subtarget information for " + info.triple);
  if (!generic->isCPUStringValid(info.cpu))
    return Status::error("unknown CPU '" + info.cpu + "' for " + info.triple);
  llvm::SmallVector<llvm::StringRef, 8> features;
  llvm::StringRef(info.features).split(features, ',', -1, false);
  for (llvm::StringRef f : features) {
    llvm::StringRef name = f.drop_while([](char c) { return c == '+' || c == '-'; });
    bool known = false;
    for (const llvm::SubtargetFeatureKV &kv : generic->getAllProcessorFeatures())
      known = known || name == kv.Key;
    if (f.size() == name.size() || !known)
      return Status::error("unknown CPU feature '" + f.str() + "' (write +name or -name)");
  }
  return checkX86Abi(t, info, features);
}

/// The ISA features code for `options` may use: the CPU's own (x86 only:
/// LLVM's target parser knows them apart from tuning flags) and every
/// "+name" of `options.features`.
std::vector<std::string> requiredFeatures(const LLVMOptions &options) {
  std::vector<std::string> required;
  if (llvm::Triple(llvm::sys::getProcessTriple()).isX86()) {
    llvm::SmallVector<llvm::StringRef, 64> cpuFeatures;
    llvm::X86::getFeaturesForCPU(options.cpu, cpuFeatures, /*NeedPlus=*/false);
    for (llvm::StringRef f : cpuFeatures) required.push_back(f.str());
  }
  llvm::SmallVector<llvm::StringRef, 8> extra;
  llvm::StringRef(options.features).split(extra, ',', -1, false);
  for (llvm::StringRef f : extra)
    if (f.consume_front("+")) required.push_back(f.str());
  return required;
}

} // namespace

std::vector<std::string> missingHostFeatures(const LLVMOptions &options) {
  if (options.cpu.empty()) return {};
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> missing;
  for (const std::string &f : requiredFeatures(options)) {
    auto it = host.find(f); // a feature the host does not report (x87) is not held against it
    if (it != host.end() && !it->second) missing.push_back(f);
  }
  return missing;
}

std::vector<std::string> hostIsaLevels() {
  std::vector<std::string> levels;
  if (!llvm::Triple(llvm::sys::getProcessTriple()).isX86()) return levels;
  for (const char *level : {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"})
    if (missingHostFeatures({level, "", 0, ""}).empty()) levels.push_back(level);
  return levels;
}

std::string hostIsaLevel() {
  std::vector<std::string> levels = hostIsaLevels();
  return levels.empty() ? "host" : levels.back();
}

Result<Target> resolveTarget(const LLVMOptions &options) {
  initializeNativeTarget();
  Target target;
  target.info.triple = llvm::sys::getProcessTriple();
  if (options.cpu.empty()) {
    target.info.cpu = llvm::sys::getHostCPUName().str();
    target.info.features = hostFeatures();
  } else {
    target.info.cpu = options.cpu;
    target.info.features = options.features;
  }
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(target.info.triple, error);
  if (!t) return Status::error("llvm: no target for " + target.info.triple + ": " + error);
  if (!options.cpu.empty())
    if (Status s = checkCpuAndFeatures(*t, target.info); !s) return s;
  llvm::TargetOptions targetOptions;
  target.machine.reset(t->createTargetMachine(target.info.triple, target.info.cpu,
                                              target.info.features, targetOptions,
                                              llvm::Reloc::PIC_, std::nullopt,
                                              llvm::CodeGenOptLevel::Aggressive));
  if (!target.machine || !target.machine->getMCSubtargetInfo())
    return Status::error("llvm: cannot create a target machine for " + target.info.cpu);
  describeSubtarget(*target.machine, target.info);
  return target;
}

// Two function pipelines, by what a function is, neither of them O3. A
// kernel (kKernelAttribute: it runs the GEMM micro-kernel, whose register
// blocks and K loop the emitter unrolled itself: linear, the recurrent
// layers, the additive attention) goes through kKernelPipeline, which
// cleans up (SROA, CSE, InstCombine, LICM, GVN) and vectorises what scalar
// loops are left, and does not unroll: O3's full unrolling of the constant K
// loops made the code 2.5x larger for no measured speed, and code size is
// what compile time follows. Every other function (the entry, elementwise
// ops, reductions, softmax, layer norm, dot attention) goes through
// kScalarPipeline, the same plus LLVM's unroller after the loop vectoriser:
// its scalar loops over constant extents are where unrolling pays (dot
// attention at D = 128 was 13-20% slower without it). O3's module passes
// (inliner, IPSCCP, ...) buy nothing here: tasks are called through the
// thread pool (docs/performance.md, "Compile time").
constexpr const char *kKernelPipeline =
    "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),gvn,"
    "loop-simplify,lcssa,loop-rotate,loop-vectorize,instcombine<no-verify-fixpoint>,simplifycfg,"
    "slp-vectorizer,instcombine<no-verify-fixpoint>,simplifycfg)";

constexpr const char *kScalarPipeline =
    "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),gvn,"
    "loop-simplify,lcssa,loop-rotate,indvars,loop-vectorize,instcombine<no-verify-fixpoint>,simplifycfg,"
    "slp-vectorizer,loop-unroll<O3>,instcombine<no-verify-fixpoint>,simplifycfg)";

Status verifyGenerated(llvm::Module &module, llvm::TargetMachine &machine) {
  module.setTargetTriple(machine.getTargetTriple().str());
  module.setDataLayout(machine.createDataLayout());
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(module, &os))
    return Status::error("llvm: internal error: generated code does not verify:\n" + os.str());
  return Status::ok();
}

namespace {

/// Runs a module pipeline on the defined functions `which` selects only:
/// the others are optnone (and noinline, which optnone needs) meanwhile.
void runOn(llvm::Module &module, llvm::TargetMachine &machine, const std::function<bool(const llvm::Function &)> &which,
           const std::function<llvm::ModulePassManager(llvm::PassBuilder &)> &pipeline) {
  std::vector<std::pair<llvm::Function *, bool>> skipped; // and whether it was noinline
  for (llvm::Function &fn : module)
    if (!fn.isDeclaration() && !which(fn) && !fn.hasFnAttribute(llvm::Attribute::OptimizeNone)) {
      skipped.push_back({&fn, fn.hasFnAttribute(llvm::Attribute::NoInline)});
      fn.addFnAttr(llvm::Attribute::OptimizeNone);
      fn.addFnAttr(llvm::Attribute::NoInline);
    }
  if (skipped.size() < size_t(std::count_if(module.begin(), module.end(), [](const llvm::Function &f) { return !f.isDeclaration(); }))) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions tuning;
    tuning.LoopVectorization = true;
    tuning.SLPVectorization = true;
    // The new pass manager skips optnone functions only through this.
    llvm::PassInstrumentationCallbacks callbacks;
    llvm::OptNoneInstrumentation optNone(/*DebugLogging=*/false);
    optNone.registerCallbacks(callbacks);
    llvm::PassBuilder builder(&machine, tuning, std::nullopt, &callbacks);
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    pipeline(builder).run(module, mam);
  }
  for (auto [fn, noInline] : skipped) {
    fn->removeFnAttr(llvm::Attribute::OptimizeNone);
    if (!noInline) fn->removeFnAttr(llvm::Attribute::NoInline);
  }
}

} // namespace

Status optimizeModule(llvm::Module &module, llvm::TargetMachine &machine) {
  auto isKernel = [](const llvm::Function &fn) { return fn.hasFnAttribute(kKernelAttribute); };
  Status parsed = Status::ok();
  auto textual = [&](const char *text) {
    return [&, text](llvm::PassBuilder &builder) {
      llvm::ModulePassManager passes;
      if (llvm::Error e = builder.parsePassPipeline(passes, text))
        parsed = Status::error("llvm: internal error: " + llvm::toString(std::move(e)));
      return passes;
    };
  };
  runOn(module, machine, [&](const llvm::Function &fn) { return !isKernel(fn); }, textual(kScalarPipeline));
  runOn(module, machine, isKernel, textual(kKernelPipeline));
  return parsed;
}

Result<std::string> emitMachineCodeInPlace(llvm::Module &module, llvm::TargetMachine &machine, EmitKind kind) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager passes;
  auto type = kind == EmitKind::Object ? llvm::CodeGenFileType::ObjectFile
                                       : llvm::CodeGenFileType::AssemblyFile;
  if (machine.addPassesToEmitFile(passes, os, nullptr, type))
    return Status::error("llvm: the target cannot emit this kind of file");
  passes.run(module);
  return std::string(buffer.begin(), buffer.end());
}

Result<std::string> emitMachineCode(const llvm::Module &module, llvm::TargetMachine &machine,
                                    EmitKind kind) {
  std::unique_ptr<llvm::Module> copy = llvm::CloneModule(module);
  return emitMachineCodeInPlace(*copy, machine, kind);
}

Status emitModule(llvm::Module &module, const TargetInfo &target, const ir::Module &source,
                  WeightMode mode, const codegen::WeightViews *weights, const ir::Graph *only,
                  std::vector<LinkedBlob> *blobs) {
  ModuleEmitter emitter(module, target, source, mode, weights, blobs);
  for (const auto &graph : source.functions)
    if (!only || graph.get() == only)
      if (Status s = emitter.emitGraph(*graph); !s) return s;
  return Status::ok();
}

} // namespace attn::llvmcg
