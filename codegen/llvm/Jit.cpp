// The JIT (JitCode.h): per function, the object cache or a compile whose
// optimisation and code generation run on the executable's threads, one part
// of the module each; then ORC's LLJIT links the objects into the process,
// with each weight's symbol defined as the weight's address. ORC errors
// become Status values.
#include "codegen/llvm/CodegenDigest.h"
#include "codegen/llvm/JitCode.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "codegen/llvm/Target.h"
#include "ir/Printer.h"
#include "runtime/ObjectCache.h"
#include "runtime/ThreadPool.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Transforms/Utils/Cloning.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace attn::llvmcg {

namespace {

Status toStatus(llvm::Error error) {
  return Status::error("llvm: " + llvm::toString(std::move(error)));
}

/// At most this many parts per module: more threads than that (a --threads
/// far above the cores) would only add bitcode round trips.
constexpr unsigned kMaxParts = 8;

/// With ATTNC_PERF_MAP set, every function the JIT links is appended to
/// /tmp/perf-<pid>.map ("address size name"), where `perf report` finds the
/// names of JIT code (docs/benchmarks.md, "Profiling generated code").
// GCC 12 warns (wrongly) that unique_function's storage may be used
// uninitialised when a lambda is moved into PostFixupPasses.
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
class PerfMapPlugin final : public llvm::orc::ObjectLinkingLayer::Plugin {
public:
  void modifyPassConfig(llvm::orc::MaterializationResponsibility &, llvm::jitlink::LinkGraph &,
                        llvm::jitlink::PassConfiguration &config) override {
    config.PostFixupPasses.push_back([](llvm::jitlink::LinkGraph &graph) {
      static std::mutex mutex;
      std::lock_guard<std::mutex> lock(mutex);
      std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
      if (FILE *file = std::fopen(path.c_str(), "a")) {
        for (llvm::jitlink::Symbol *symbol : graph.defined_symbols())
          if (symbol->hasName() && symbol->getSize() > 0)
            std::fprintf(file, "%llx %zx %s\n", static_cast<unsigned long long>(symbol->getAddress().getValue()),
                         symbol->getSize(), symbol->getName().str().c_str());
        std::fclose(file);
      }
      return llvm::Error::success();
    });
  }
  llvm::Error notifyFailed(llvm::orc::MaterializationResponsibility &) override { return llvm::Error::success(); }
  llvm::Error notifyRemovingResources(llvm::orc::JITDylib &, llvm::orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::JITDylib &, llvm::orc::ResourceKey, llvm::orc::ResourceKey) override {}
};
#pragma GCC diagnostic pop

/// Local functions and globals get the graph's entry name as a prefix (the
/// objects of all graphs share one JITDylib, and the parts of a split module
/// see each other's locals as hidden globals); with `externalize` they
/// become hidden globals here (JITLink keeps no names for locals).
void nameLocals(llvm::Module &module, const std::string &prefix, bool externalize) {
  auto rename = [&](llvm::GlobalValue &value) {
    if (!value.hasLocalLinkage() || value.isDeclaration()) return;
    if (!value.getName().starts_with(prefix)) value.setName(prefix + "." + value.getName());
    if (externalize) {
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  };
  for (llvm::Function &fn : module) rename(fn);
  for (llvm::GlobalVariable &global : module.globals()) rename(global);
}

/// A weight's data and size: the module's constant, or the bound weight.
std::pair<const void *, size_t> weightBytes(const ir::Module &module, const codegen::WeightViews &weights,
                                            const ir::Value *weight) {
  if (const Tensor *t = module.constantData(weight)) return {t->data(), t->byteSize()};
  if (auto it = weights.find(weight); it != weights.end()) return {it->second.data, it->second.byteSize()};
  return {nullptr, 0};
}

/// One part's bitcode, optimised and compiled to an object in a context of
/// its own (so that parts can run on different threads).
struct PartResult {
  Status status = Status::ok();
  std::string object;
  double parse = 0, optimize = 0, codegen = 0;
};

PartResult compilePart(const llvm::SmallVector<char, 0> &bitcode, const LLVMOptions &options) {
  PartResult result;
  auto start = std::chrono::steady_clock::now();
  llvm::LLVMContext context;
  auto module = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(llvm::StringRef(bitcode.data(), bitcode.size()), "part"), context);
  if (!module) return {toStatus(module.takeError()), {}, 0, 0, 0};
  auto target = resolveTarget(options);
  if (!target) return {target.status(), {}, 0, 0, 0};
  result.parse = millisecondsSince(start);
  start = std::chrono::steady_clock::now();
  if (Status s = optimizeModule(**module, *target->machine); !s) return {s, {}, 0, 0, 0};
  result.optimize = millisecondsSince(start);
  start = std::chrono::steady_clock::now();
  auto object = emitMachineCodeInPlace(**module, *target->machine, EmitKind::Object);
  if (!object) return {object.status(), {}, 0, 0, 0};
  result.object = std::move(*object);
  result.codegen = millisecondsSince(start);
  return result;
}

/// What a graph compiles to: object files and the data they refer to.
struct Compiled {
  std::vector<std::string> objects;
  std::shared_ptr<std::vector<LinkedBlob>> blobs = std::make_shared<std::vector<LinkedBlob>>();
};

class LinkedJit final : public Jit {
public:
  LinkedJit(const ir::Module &module, const codegen::WeightViews &weights, const LLVMOptions &options,
            TargetInfo info, std::unique_ptr<llvm::orc::LLJIT> jit, std::optional<ObjectCache> cache)
      : module_(module), weights_(weights), options_(options), info_(std::move(info)), jit_(std::move(jit)),
        cache_(std::move(cache)) {}

  Result<EntryPoints> compile(const ir::Graph &graph) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto done = done_.find(&graph);
    if (done == done_.end()) {
      Result<EntryPoints> result = compileNow(graph);
      done = done_.emplace(&graph, result ? std::make_pair(Status::ok(), *result)
                                          : std::make_pair(result.status(), EntryPoints{})).first;
    }
    if (!done->second.first) return done->second.first;
    return done->second.second;
  }

  std::vector<CompilePhase> phases() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return phases_;
  }

private:
  const ir::Module &module_;
  const codegen::WeightViews &weights_;
  LLVMOptions options_;
  TargetInfo info_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::optional<ObjectCache> cache_;
  mutable std::mutex mutex_;
  std::map<const ir::Graph *, std::pair<Status, EntryPoints>> done_;
  std::vector<CompilePhase> phases_;
  std::string weightsDigest_;
  std::vector<std::shared_ptr<const void>> blobs_; // the data the linked code refers to

  void record(const std::string &name, double milliseconds) {
    for (CompilePhase &p : phases_)
      if (p.name == name) {
        p.milliseconds += milliseconds;
        return;
      }
    phases_.push_back({name, milliseconds});
  }

  /// Everything the code of `graph` depends on: the code generator (a digest
  /// of its sources, made by the build), LLVM, the target, the graph as
  /// printed, and every weight (name, type, bytes), which the code may have
  /// folded or packed.
  CacheKey keyOf(const ir::Graph &graph) {
    if (weightsDigest_.empty()) {
      KeyHasher weights;
      for (const auto &w : module_.weights()) {
        weights.add(w->name);
        weights.add(w->type.str());
        auto [data, bytes] = weightBytes(module_, weights_, w.get());
        weights.add(data, data ? bytes : 0);
      }
      weightsDigest_ = weights.finish().hex();
    }
    KeyHasher key;
    key.add(std::string_view("attnc object cache 1"));
    key.add(std::string_view(kCodegenDigest));
    key.add(std::string_view(LLVM_VERSION_STRING));
    key.add(info_.triple);
    key.add(info_.cpu);
    key.add(info_.features);
    key.add(module_.name);
    std::ostringstream text;
    ir::printGraph(module_, graph, text);
    key.add(text.str());
    key.add(weightsDigest_);
    return key.finish();
  }

  unsigned threads() const { return options_.threads ? options_.threads : ThreadPool::hardwareThreads(); }

  /// `graph` compiled now.
  Result<Compiled> build(const ir::Graph &graph) {
    auto start = std::chrono::steady_clock::now();
    auto target = resolveTarget(options_);
    if (!target) return target.status();
    auto context = std::make_unique<llvm::LLVMContext>();
    std::string name = entrySymbol(module_.name, graph.name);
    auto module = std::make_unique<llvm::Module>(name, *context);
    Compiled compiled;
    if (Status s = emitModule(*module, target->info, module_, WeightMode::Linked, &weights_, &graph, compiled.blobs.get()); !s)
      return s;
    if (Status s = verifyGenerated(*module, *target->machine); !s) return s;
    unsigned functions = 0;
    for (const llvm::Function &fn : *module) functions += fn.isDeclaration() ? 0 : 1;
    unsigned parts = std::min({threads(), functions, kMaxParts});
    nameLocals(*module, name, parts > 1 || std::getenv("ATTNC_PERF_MAP"));
    record("emit", millisecondsSince(start));

    if (parts <= 1) {
      start = std::chrono::steady_clock::now();
      if (Status s = optimizeModule(*module, *target->machine); !s) return s;
      record("optimize", millisecondsSince(start));
      start = std::chrono::steady_clock::now();
      auto object = emitMachineCodeInPlace(*module, *target->machine, EmitKind::Object);
      if (!object) return object.status();
      record("codegen", millisecondsSince(start));
      compiled.objects.push_back(std::move(*object));
      return compiled;
    }

    // The parts, each to bitcode, compiled each on a thread of its own (the
    // caller's among them): the functions, largest first, each to the part
    // with the fewest instructions so far; the global data to part 0. Every
    // local is a hidden global by now, so a part declares what another defines.
    start = std::chrono::steady_clock::now();
    std::vector<const llvm::Function *> order;
    for (const llvm::Function &fn : *module)
      if (!fn.isDeclaration()) order.push_back(&fn);
    std::stable_sort(order.begin(), order.end(), [](const llvm::Function *a, const llvm::Function *b) {
      return a->getInstructionCount() > b->getInstructionCount();
    });
    std::map<const llvm::GlobalValue *, unsigned> partOf;
    std::vector<size_t> load(parts, 0);
    for (const llvm::Function *fn : order) {
      unsigned lightest = unsigned(std::min_element(load.begin(), load.end()) - load.begin());
      partOf[fn] = lightest;
      load[lightest] += fn->getInstructionCount();
    }
    std::vector<llvm::SmallVector<char, 0>> bitcode(parts);
    for (unsigned p = 0; p < parts; ++p) {
      llvm::ValueToValueMapTy map;
      std::unique_ptr<llvm::Module> part = llvm::CloneModule(*module, map, [&](const llvm::GlobalValue *value) {
        auto it = partOf.find(value);
        return it == partOf.end() ? p == 0 : it->second == p;
      });
      llvm::raw_svector_ostream os(bitcode[p]);
      llvm::WriteBitcodeToFile(*part, os);
    }
    double split = millisecondsSince(start);
    std::vector<PartResult> results(bitcode.size());
    std::vector<std::thread> workers;
    for (size_t i = 1; i < bitcode.size(); ++i) {
      try {
        workers.emplace_back([&, i] { results[i] = compilePart(bitcode[i], options_); });
      } catch (const std::system_error &) { // no thread to be had: this one does it
        results[i] = compilePart(bitcode[i], options_);
      }
    }
    results[0] = compilePart(bitcode[0], options_);
    for (std::thread &w : workers) w.join();
    double parse = 0, optimize = 0, codegen = 0;
    for (PartResult &r : results) {
      if (!r.status) return r.status;
      compiled.objects.push_back(std::move(r.object));
      parse = std::max(parse, r.parse), optimize = std::max(optimize, r.optimize), codegen = std::max(codegen, r.codegen);
    }
    record("split", split + parse);
    record("optimize", optimize);
    record("codegen", codegen);
    return compiled;
  }

  Result<EntryPoints> compileNow(const ir::Graph &graph) {
    std::optional<CacheKey> key;
    std::vector<std::string_view> objects;
    std::vector<std::pair<std::string, const void *>> data; // blob symbols and their addresses
    std::optional<Compiled> compiled;
    if (cache_) {
      auto start = std::chrono::steady_clock::now();
      key = keyOf(graph);
      record("key", millisecondsSince(start));
      start = std::chrono::steady_clock::now();
      if (std::shared_ptr<const CacheEntry> entry = cache_->load(*key)) {
        for (const CacheSection &s : entry->sections)
          if (s.name.empty()) objects.push_back(s.bytes);
          else data.push_back({s.name, s.bytes.data()});
        blobs_.push_back(entry);
        record("load", millisecondsSince(start));
      }
    }
    if (objects.empty()) {
      auto built = build(graph);
      if (!built) return built.status();
      compiled = std::move(*built);
      std::vector<CacheSection> sections;
      for (const std::string &o : compiled->objects) {
        objects.push_back(o);
        sections.push_back({"", o});
      }
      for (const LinkedBlob &b : *compiled->blobs) {
        data.push_back({b.symbol, b.data.data()});
        sections.push_back({b.symbol, std::string_view(static_cast<const char *>(b.data.data()), b.data.byteSize())});
      }
      blobs_.push_back(compiled->blobs);
      if (cache_) {
        auto start = std::chrono::steady_clock::now();
        cache_->store(*key, sections);
        record("store", millisecondsSince(start));
      }
    }
    auto start = std::chrono::steady_clock::now();
    llvm::orc::SymbolMap symbols;
    for (const auto &[symbol, address] : data)
      symbols[jit_->mangleAndIntern(symbol)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                                llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Absolute};
    if (!symbols.empty())
      if (llvm::Error e = jit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
        return toStatus(std::move(e));
    std::string name = entrySymbol(module_.name, graph.name);
    // The buffers need only outlive the lookups, which link the objects.
    for (std::string_view object : objects)
      if (llvm::Error e = jit_->addObjectFile(llvm::MemoryBuffer::getMemBuffer(
              llvm::StringRef(object.data(), object.size()), name, /*RequiresNullTerminator=*/false)))
        return toStatus(std::move(e));
    EntryPoints points;
    for (auto [symbol, slot] : {std::make_pair(name, &points.entry), std::make_pair(name + "_scratch_bytes", &points.scratchBytes)}) {
      auto address = jit_->lookup(symbol);
      if (!address) return toStatus(address.takeError());
      *slot = address->toPtr<void *>();
    }
    record("link", millisecondsSince(start));
    return points;
  }
};

} // namespace

Result<std::unique_ptr<Jit>> Jit::create(const ir::Module &module, const codegen::WeightViews &weights,
                                         const LLVMOptions &options) {
  auto target = resolveTarget(options);
  if (!target) return target.status();
  if (std::vector<std::string> missing = missingHostFeatures(options); !missing.empty()) {
    std::string list;
    for (const std::string &f : missing) list += (list.empty() ? "" : ", ") + f;
    return Status::error("cannot run code for CPU '" + options.cpu + "' on this host: it lacks " + list);
  }
  llvm::orc::JITTargetMachineBuilder machineBuilder(target->machine->getTargetTriple());
  machineBuilder.setCPU(target->info.cpu);
  llvm::SmallVector<llvm::StringRef, 32> features;
  llvm::StringRef(target->info.features).split(features, ',', -1, false);
  machineBuilder.addFeatures(std::vector<std::string>(features.begin(), features.end()));
  llvm::orc::LLJITBuilder builder;
  builder.setJITTargetMachineBuilder(std::move(machineBuilder));
  if (std::getenv("ATTNC_PERF_MAP"))
    builder.setObjectLinkingLayerCreator(
        [](llvm::orc::ExecutionSession &session,
           const llvm::Triple &) -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
          auto layer = std::make_unique<llvm::orc::ObjectLinkingLayer>(session);
          layer->addPlugin(std::make_unique<PerfMapPlugin>());
          return layer;
        });
  auto jit = builder.create();
  if (!jit) return toStatus(jit.takeError());

  // Every weight's symbol is its address (WeightMode::Linked).
  llvm::orc::SymbolMap symbols;
  for (const auto &w : module.weights()) {
    const void *data = weightBytes(module, weights, w.get()).first;
    symbols[(*jit)->mangleAndIntern(linkedWeightSymbol(w.get()))] = {
        llvm::orc::ExecutorAddr::fromPtr(data), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Absolute};
  }
  if (llvm::Error e = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
    return toStatus(std::move(e));

  std::string directory = options.cacheDir.empty() ? environmentCacheDirectory() : options.cacheDir;
  return std::unique_ptr<Jit>(std::make_unique<LinkedJit>(module, weights, options, target->info, std::move(*jit),
                                                          ObjectCache::open(directory, environmentCacheLimit())));
}

} // namespace attn::llvmcg
