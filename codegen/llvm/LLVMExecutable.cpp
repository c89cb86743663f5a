// The llvm backend's Executable: compile-time checks (shared with the
// interpreter), the JIT-compiled entry points (each function compiled when
// first run or prepared; the only one at once), and per call: bind the inputs,
// run the dim checks, size the outputs, take a scratch block, call the entry
// with the thread pool, turn an error code into the interpreter's message.
//
// What a call's checks find depends on its dims alone (the result shapes,
// the scratch bytes, whether the dim checks pass), so it is kept per
// function for the last few sets of dims (Prepared). A call whose inputs are
// exactly the arguments, with the declared dtypes and ranks and plain dims
// (`B`, `24`), reads its dims straight from the views (quickBind) and, when
// they were seen before, skips the maps of bindInputs and DimChecks: linear
// at M = 1 went from 0.41 to 0.1 us a call. Anything else, and every error,
// takes the full path, whose messages are the interpreter's.
// The pool, the scratch blocks and the Prepared entries are the only shared
// state; all are safe to use from many threads, so run() may be called
// concurrently.
#include "codegen/llvm/HostChecks.h"
#include "codegen/llvm/JitCode.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "runtime/Memory.h"
#include "runtime/ThreadPool.h"

#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>

namespace attn::llvmcg {

namespace {

/// Scratch blocks, reused across calls: a call takes a block large enough
/// (or allocates one) and gives it back, so concurrent calls never share.
class ScratchPool {
public:
  struct Block {
    void *data = nullptr;
    size_t bytes = 0;
  };
  ~ScratchPool() {
    for (Block &b : free_) std::free(b.data);
  }
  Block take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (size_t i = 0; i < free_.size(); ++i)
        if (free_[i].bytes >= bytes) {
          Block b = free_[i];
          free_.erase(free_.begin() + long(i));
          return b;
        }
    }
    size_t size = std::max<size_t>(64, (bytes + 63) / 64 * 64);
    return Block{std::aligned_alloc(size_t(kScratchAlignment), size), size};
  }
  void give(Block b) {
    if (!b.data) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(b);
  }

private:
  std::mutex mutex_;
  std::vector<Block> free_;
};

void parallelForTrampoline(void *pool, attn_task_fn task, void *frame, int64_t count, int64_t grain) {
  static_cast<ThreadPool *>(pool)->parallelFor(
      count, grain < 0 ? -grain : grain, [&](int64_t begin, int64_t end) { task(frame, begin, end); },
      grain < 0 ? ThreadPool::Split::PerThread : ThreadPool::Split::Balanced);
}

/// A function's code, once compiled.
struct Code {
  attn_entry_fn entry = nullptr;
  attn_scratch_bytes_fn scratchBytes = nullptr;
};

/// What the calls with one set of dims share.
struct Prepared {
  std::vector<int64_t> dims; // in CompiledFunction::symbols order
  std::vector<Shape> results;
  std::vector<std::optional<uint64_t>> resultBytes; // nullopt: more than memory can address
  int64_t scratchBytes = 0;
};

/// One dim of an argument as quickBind reads it: the symbol slot it binds
/// (its first plain occurrence) or must equal, or the constant it must be.
struct AxisPlan {
  enum class Kind { Binds, Equals, Constant, Other } kind = Kind::Other;
  size_t slot = 0;
  int64_t constant = 0;
};

struct CompiledFunction {
  const ir::Graph *graph = nullptr;
  std::vector<std::string> symbols;
  std::unique_ptr<DimChecks> checks;
  std::vector<std::vector<AxisPlan>> axes; // per argument
  bool quick = false;                      // every symbol has an axis that binds it
  /// The last few Prepared, most recent first.
  struct Cache {
    static constexpr size_t kEntries = 4;
    std::mutex mutex;
    std::vector<std::shared_ptr<const Prepared>> entries;
  };
  std::unique_ptr<Cache> cache = std::make_unique<Cache>();
  /// The code once compiled (entry last, with release order): a run after
  /// the first takes no lock.
  struct Ready {
    std::atomic<attn_scratch_bytes_fn> scratchBytes{nullptr};
    std::atomic<attn_entry_fn> entry{nullptr};
  };
  std::unique_ptr<Ready> ready = std::make_unique<Ready>();
};

class LLVMExecutable final : public Executable {
public:
  LLVMExecutable(std::shared_ptr<const ir::Module> module, WeightMap weights, codegen::WeightViews views,
                 std::vector<CompiledFunction> compiled, unsigned threads, uint64_t maxMemory)
      : module_(std::move(module)), weights_(std::move(weights)), views_(std::move(views)),
        compiled_(std::move(compiled)), maxMemory_(maxMemory), pool_(threads) {
    for (const auto &graph : module_->functions) functions_.push_back(codegen::signatureOf(*graph));
  }

  /// The JIT, made once the Executable (which it refers to) has its address.
  Status startJit(const LLVMOptions &options) {
    auto jit = Jit::create(*module_, views_, options);
    if (!jit) return jit.status();
    jit_ = std::move(*jit);
    return Status::ok();
  }

  std::string_view backendName() const override { return "llvm"; }
  const std::vector<FunctionSignature> &functions() const override { return functions_; }
  std::vector<CompilePhase> compilePhases() const override { return jit_->phases(); }

  Status prepare(std::string_view function) const override {
    const CompiledFunction *f = find(function);
    if (!f) return codegen::noSuchFunction(*module_, function);
    return codeOf(*f).status();
  }

  /// `f`'s code, compiled now if it was not before.
  Result<Code> codeOf(const CompiledFunction &f) const {
    if (attn_entry_fn entry = f.ready->entry.load(std::memory_order_acquire))
      return Code{entry, f.ready->scratchBytes.load(std::memory_order_relaxed)};
    auto points = jit_->compile(*f.graph);
    if (!points) return points.status();
    Code code{reinterpret_cast<attn_entry_fn>(points->entry),
              reinterpret_cast<attn_scratch_bytes_fn>(points->scratchBytes)};
    f.ready->scratchBytes.store(code.scratchBytes, std::memory_order_relaxed);
    f.ready->entry.store(code.entry, std::memory_order_release);
    return code;
  }

  Result<std::vector<Tensor>> run(std::string_view function,
                                  const NamedTensorViews &inputs) const override {
    const CompiledFunction *f = find(function);
    if (!f) return codegen::noSuchFunction(*module_, function);
    auto call = plan(*f, inputs);
    if (!call) return call.status();
    const Prepared &p = *call->prepared;
    MemoryBudget budget(maxMemory_);
    std::vector<Tensor> results;
    std::vector<void *> outputs;
    for (size_t i = 0; i < p.results.size(); ++i) {
      const ir::GraphResult &r = f->graph->results()[i];
      if (!p.resultBytes[i])
        return Status::error("result '" + r.name + "' is " + codegen::typeText(r.declaredType.dtype, p.results[i]) +
                             ", more bytes than memory can address");
      if (Status s = budget.reserveNamedBy(*p.resultBytes[i], [&] { return "result '" + r.name + "'"; }); !s)
        return s;
      // The code writes every element of a result (runInto relies on it too).
      auto t = Tensor::allocate(r.declaredType.dtype, p.results[i], Tensor::Init::Uninitialized);
      if (!t) return t.status();
      results.push_back(std::move(*t));
      outputs.push_back(results.back().data());
    }
    if (Status s = invoke(*f, *call, outputs.data(), budget); !s) return s;
    return results;
  }

  Status runInto(std::string_view function, const NamedTensorViews &inputs, const NamedTensorViews &outputs,
                 std::vector<Tensor> *allocated = nullptr) const override;

  const CompiledFunction *find(std::string_view name) const {
    for (const CompiledFunction &f : compiled_)
      if (f.graph->name == name) return &f;
    return nullptr;
  }

private:
  /// A call's input pointers, in argument order, and what its dims give.
  struct Call {
    llvm::SmallVector<const void *, 8> inputs;
    std::shared_ptr<const Prepared> prepared;
  };

  static Shape shapeOf(const ir::Type &type, const codegen::DimBindings &dims) {
    Shape shape;
    for (const ir::Dim &d : type.shape) shape.push_back(*d.evaluate(dims));
    return shape;
  }
  Result<codegen::BoundInputs> bindChecked(const CompiledFunction &f, const NamedTensorViews &inputs) const {
    auto bound = codegen::bindInputs(*f.graph, inputs);
    if (!bound) return bound.status();
    if (Status s = f.checks->run(*module_, bound->dims); !s) return s;
    return bound;
  }
  /// The inputs' data in argument order and the dims in `symbols` order,
  /// read straight from the views with the function's AxisPlans; false as
  /// soon as anything is not plainly right (the full path says what).
  bool quickBind(const CompiledFunction &f, const NamedTensorViews &inputs, Call &call,
                 std::vector<int64_t> &dims) const;
  /// The call's inputs and its Prepared: kept, or made (and kept) by the
  /// full binding and checks.
  Result<Call> plan(const CompiledFunction &f, const NamedTensorViews &inputs) const;
  /// The result shapes and scratch bytes for the dims of `bound`.
  Result<std::shared_ptr<const Prepared>> prepareDims(const CompiledFunction &f, const codegen::BoundInputs &bound) const;
  /// Runs the code into `outputs`: the scratch block (none for 0 bytes),
  /// the pool, a failure code turned into the interpreter's message.
  Status invoke(const CompiledFunction &f, const Call &call, void *const *outputs, MemoryBudget &budget) const;

  std::shared_ptr<const ir::Module> module_;
  WeightMap weights_; // holds weights.owner: the code has the weights' addresses
  codegen::WeightViews views_;
  std::unique_ptr<Jit> jit_;
  std::vector<CompiledFunction> compiled_;
  std::vector<FunctionSignature> functions_;
  uint64_t maxMemory_; // MemoryBudget's limit per run
  mutable ThreadPool pool_;
  mutable ScratchPool scratch_;
};

bool LLVMExecutable::quickBind(const CompiledFunction &f, const NamedTensorViews &inputs, Call &call,
                               std::vector<int64_t> &dims) const {
  const std::vector<ir::Value *> &arguments = f.graph->arguments;
  if (!f.quick || inputs.size() != arguments.size()) return false;
  dims.assign(f.symbols.size(), 0);
  call.inputs.assign(arguments.size(), nullptr);
  llvm::SmallVector<const TensorView *, 8> views(arguments.size(), nullptr);
  for (const auto &[name, view] : inputs) {
    size_t i = 0;
    while (i < arguments.size() && arguments[i]->name != name) ++i;
    if (i == arguments.size() || views[i]) return false;
    views[i] = &view;
    const ir::Type &type = arguments[i]->type;
    if (view.dtype != type.dtype || view.rank() != type.rank()) return false;
    if (!view.data) return false; // perhaps an empty tensor: the full path decides
    for (size_t k = 0; k < f.axes[i].size(); ++k) {
      const AxisPlan &axis = f.axes[i][k];
      int64_t d = view.shape[k];
      if (d < 0 || axis.kind == AxisPlan::Kind::Other) return false;
      if (axis.kind == AxisPlan::Kind::Constant && d != axis.constant) return false;
      if (axis.kind == AxisPlan::Kind::Binds) dims[axis.slot] = d;
    }
    call.inputs[i] = view.data;
  }
  // A symbol checked against another argument's dim, now that all are bound.
  for (size_t i = 0; i < arguments.size(); ++i)
    for (size_t k = 0; k < f.axes[i].size(); ++k) {
      const AxisPlan &axis = f.axes[i][k];
      if (axis.kind == AxisPlan::Kind::Equals && views[i]->shape[k] != dims[axis.slot]) return false;
    }
  return true;
}

Result<LLVMExecutable::Call> LLVMExecutable::plan(const CompiledFunction &f, const NamedTensorViews &inputs) const {
  Call call;
  std::vector<int64_t> dims;
  if (quickBind(f, inputs, call, dims)) {
    std::lock_guard<std::mutex> lock(f.cache->mutex);
    for (const auto &entry : f.cache->entries)
      if (entry->dims == dims) {
        call.prepared = entry;
        return call;
      }
  }
  auto bound = bindChecked(f, inputs);
  if (!bound) return bound.status();
  call.inputs.clear();
  for (const TensorView &v : bound->arguments) call.inputs.push_back(v.data);
  auto prepared = prepareDims(f, *bound);
  if (!prepared) return prepared.status();
  call.prepared = std::move(*prepared);
  std::lock_guard<std::mutex> lock(f.cache->mutex);
  auto &entries = f.cache->entries;
  entries.insert(entries.begin(), call.prepared);
  if (entries.size() > CompiledFunction::Cache::kEntries) entries.pop_back();
  return call;
}

Result<std::shared_ptr<const Prepared>> LLVMExecutable::prepareDims(const CompiledFunction &f,
                                                                const codegen::BoundInputs &bound) const {
  auto code = codeOf(f);
  if (!code) return code.status();
  auto p = std::make_shared<Prepared>();
  for (const std::string &s : f.symbols) p->dims.push_back(bound.dims.at(s));
  for (const ir::GraphResult &r : f.graph->results()) {
    p->results.push_back(shapeOf(r.declaredType, bound.dims));
    auto bytes = checkedTensorBytes(r.declaredType.dtype, p->results.back());
    p->resultBytes.push_back(bytes ? std::optional<uint64_t>(*bytes) : std::nullopt);
  }
  p->scratchBytes = code->scratchBytes(p->dims.data());
  if (p->scratchBytes < 0)
    return Status::error("the scratch memory of function '" + f.graph->name +
                         "' overflows int64 for these dims (" + codegen::bindingsText(bound.dims) + ")");
  return std::shared_ptr<const Prepared>(std::move(p));
}

Status LLVMExecutable::invoke(const CompiledFunction &f, const Call &call, void *const *outputs,
                              MemoryBudget &budget) const {
  auto code = codeOf(f);
  if (!code) return code.status();
  const Prepared &p = *call.prepared;
  auto scratchBytes = uint64_t(p.scratchBytes);
  if (Status s = budget.reserveNamedBy(scratchBytes, [] { return "scratch memory"; }); !s) return s;
  ScratchPool::Block block;
  if (scratchBytes > 0) {
    block = scratch_.take(size_t(scratchBytes));
    if (!block.data)
      return Status::error("out of memory: the system refused " + formatBytes(scratchBytes) + " of scratch memory");
  }
  int64_t error[4] = {0, 0, 0, 0};
  attn_parallel_for_fn parallelFor = pool_.threadCount() > 1 ? &parallelForTrampoline : nullptr;
  int32_t status = code->entry(call.inputs.data(), const_cast<void **>(outputs), p.dims.data(), block.data,
                               parallelFor, &pool_, error);
  scratch_.give(block);
  if (status == kRunOk) return Status::ok();
  codegen::DimBindings dims;
  for (size_t i = 0; i < f.symbols.size(); ++i) dims[f.symbols[i]] = p.dims[i];
  return runtimeError(*module_, *f.graph, status, error, dims);
}

// As Executable::runInto, but the code writes into the caller's buffers.
Status LLVMExecutable::runInto(std::string_view function, const NamedTensorViews &inputs,
                               const NamedTensorViews &outputs, std::vector<Tensor> *allocated) const {
  const CompiledFunction *f = find(function);
  if (!f) return Status::error("no function '" + std::string(function) + "'");
  llvm::SmallVector<size_t, 8> bufferOf; // per result, its index in `outputs`
  for (const ir::GraphResult &r : f->graph->results()) {
    size_t count = 0, index = 0;
    for (size_t i = 0; i < outputs.size(); ++i)
      if (outputs[i].first == r.name) index = i, ++count;
    if (count != 1)
      return Status::error("output '" + r.name + "' needs exactly one buffer, got " + std::to_string(count));
    bufferOf.push_back(index);
  }
  if (outputs.size() != bufferOf.size())
    return Status::error("an output buffer names no result of function '" + f->graph->name + "'");
  auto call = plan(*f, inputs);
  if (!call) return call.status();
  const Prepared &p = *call->prepared;
  // Every result counts toward the limit, in the caller's buffer or the
  // run's (as run() and the other backends count it), before any is allocated.
  MemoryBudget budget(maxMemory_);
  for (size_t i = 0; i < bufferOf.size(); ++i) {
    const ir::GraphResult &r = f->graph->results()[i];
    const TensorView &out = outputs[bufferOf[i]].second;
    if (out.dtype != r.declaredType.dtype || out.shape != p.results[i])
      return Status::error("output '" + r.name + "' is " + codegen::typeText(r.declaredType.dtype, p.results[i]) +
                           ", its buffer is " + codegen::typeText(out.dtype, out.shape));
    if (!out.data && !allocated && out.numElements() > 0)
      return Status::error("output '" + r.name + "' has no data (a null pointer)");
    if (!p.resultBytes[i])
      return Status::error("result '" + r.name + "' is " + codegen::typeText(r.declaredType.dtype, p.results[i]) +
                           ", more bytes than memory can address");
    if (Status s = budget.reserveNamedBy(*p.resultBytes[i], [&] { return "result '" + r.name + "'"; }); !s) return s;
  }
  if (allocated) {
    allocated->clear();
    allocated->resize(outputs.size());
  }
  llvm::SmallVector<void *, 8> pointers;
  for (size_t i = 0; i < bufferOf.size(); ++i) {
    void *data = outputs[bufferOf[i]].second.data;
    if (!data && allocated) {
      // The code writes every element of a result.
      auto t = Tensor::allocate(f->graph->results()[i].declaredType.dtype, p.results[i], Tensor::Init::Uninitialized);
      if (!t) return t.status();
      data = t->data();
      (*allocated)[bufferOf[i]] = std::move(*t);
    }
    pointers.push_back(data);
  }
  return invoke(*f, *call, pointers.data(), budget);
}

} // namespace

Result<int64_t> scratchBytes(const Executable &executable, std::string_view function,
                             const std::map<std::string, int64_t> &dims) {
  const auto *exe = dynamic_cast<const LLVMExecutable *>(&executable);
  if (!exe) return Status::error("scratchBytes: not an llvm Executable");
  const CompiledFunction *f = exe->find(function);
  if (!f) return Status::error("scratchBytes: no function '" + std::string(function) + "'");
  std::vector<int64_t> values;
  for (const std::string &s : f->symbols) {
    auto it = dims.find(s);
    if (it == dims.end()) return Status::error("scratchBytes: no value for dim '" + s + "'");
    values.push_back(it->second);
  }
  auto code = exe->codeOf(*f);
  if (!code) return code.status();
  return code->scratchBytes(values.data());
}

Result<std::unique_ptr<Executable>> compileLLVM(std::shared_ptr<const ir::Module> module,
                                                WeightMap weights, const LLVMOptions &options) {
  if (!module) return Status::error("compileLLVM: no module");
  if (Status s = codegen::checkModule(*module); !s) return s;
  auto views = codegen::bindWeights(*module, weights);
  if (!views) return views.status();
  std::vector<CompiledFunction> compiled;
  for (const auto &graph : module->functions) {
    CompiledFunction f;
    f.graph = graph.get();
    f.symbols = functionSymbols(*graph);
    f.checks = std::make_unique<DimChecks>(*graph);
    std::vector<bool> bound(f.symbols.size(), false);
    for (const ir::Value *arg : graph->arguments) {
      std::vector<AxisPlan> axes;
      for (const ir::Dim &d : arg->type.shape) {
        AxisPlan axis;
        std::optional<std::string> symbol = d.asSymbol();
        if (auto c = d.constant()) axis = {AxisPlan::Kind::Constant, 0, *c};
        else if (auto at = std::find(f.symbols.begin(), f.symbols.end(), symbol.value_or(""));
                 symbol && at != f.symbols.end()) {
          axis.slot = size_t(at - f.symbols.begin());
          axis.kind = bound[axis.slot] ? AxisPlan::Kind::Equals : AxisPlan::Kind::Binds;
          bound[axis.slot] = true;
        }
        axes.push_back(axis);
      }
      f.axes.push_back(std::move(axes));
    }
    // checkModule made sure that every symbol is a plain dim of some argument.
    f.quick = std::all_of(bound.begin(), bound.end(), [](bool b) { return b; });
    compiled.push_back(std::move(f));
  }
  unsigned threads = options.threads ? options.threads : ThreadPool::hardwareThreads();
  auto executable = std::make_unique<LLVMExecutable>(module, std::move(weights), std::move(*views),
                                                     std::move(compiled), threads, options.maxMemory);
  if (Status s = executable->startJit(options); !s) return s;
  // The only function is compiled now: its errors are the module's.
  if (module->functions.size() == 1)
    if (Status s = executable->prepare(module->functions.front()->name); !s) return s;
  return std::unique_ptr<Executable>(std::move(executable));
}

} // namespace attn::llvmcg
