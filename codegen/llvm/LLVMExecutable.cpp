// The llvm backend's Executable: compile-time checks (shared with the
// interpreter), the JIT-compiled entry points (each function compiled when
// first run or prepared; the only one at once), and per call: bind the inputs,
// run the dim checks, size the outputs, take a scratch block, call the entry
// with the thread pool, turn an error code into the interpreter's message.
// The pool and the scratch blocks are the only shared state; both are safe
// to use from many threads, so run() may be called concurrently.
#include "codegen/llvm/HostChecks.h"
#include "codegen/llvm/JitCode.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "runtime/Memory.h"
#include "runtime/ThreadPool.h"

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

struct CompiledFunction {
  const ir::Graph *graph = nullptr;
  std::vector<std::string> symbols;
  std::unique_ptr<DimChecks> checks;
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
    auto bound = bindChecked(*f, inputs);
    if (!bound) return bound.status();
    MemoryBudget budget(maxMemory_);
    std::vector<Tensor> results;
    std::vector<void *> outputs;
    for (const ir::GraphResult &r : f->graph->results()) {
      Shape shape = shapeOf(r.declaredType, bound->dims);
      auto bytes = checkedTensorBytes(r.declaredType.dtype, shape);
      if (!bytes) return Status::error("result '" + r.name + "' is " + codegen::typeText(r.declaredType.dtype, shape) +
                                       ", more bytes than memory can address");
      if (Status s = budget.reserve(*bytes, "result '" + r.name + "'"); !s) return s;
      // The code writes every element of a result (runInto relies on it too).
      auto t = Tensor::allocate(r.declaredType.dtype, std::move(shape), Tensor::Init::Uninitialized);
      if (!t) return t.status();
      results.push_back(std::move(*t));
      outputs.push_back(results.back().data());
    }
    if (Status s = call(*f, *bound, outputs, budget); !s) return s;
    return results;
  }

  Status runInto(std::string_view function, const NamedTensorViews &inputs,
                 const NamedTensorViews &outputs) const override;

  const CompiledFunction *find(std::string_view name) const {
    for (const CompiledFunction &f : compiled_)
      if (f.graph->name == name) return &f;
    return nullptr;
  }

private:
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
  Status call(const CompiledFunction &f, const codegen::BoundInputs &bound,
              const std::vector<void *> &outputs, MemoryBudget &budget) const;

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

Status LLVMExecutable::call(const CompiledFunction &f, const codegen::BoundInputs &bound,
                            const std::vector<void *> &outputs, MemoryBudget &budget) const {
  auto code = codeOf(f);
  if (!code) return code.status();
  std::vector<const void *> inputs;
  for (const TensorView &v : bound.arguments) inputs.push_back(v.data);
  std::vector<int64_t> dims;
  for (const std::string &s : f.symbols) dims.push_back(bound.dims.at(s));
  int64_t scratchBytes = code->scratchBytes(dims.data());
  if (scratchBytes < 0)
    return Status::error("the scratch memory of function '" + f.graph->name +
                         "' overflows int64 for these dims (" + codegen::bindingsText(bound.dims) + ")");
  if (Status s = budget.reserve(uint64_t(scratchBytes), "scratch memory"); !s) return s;
  ScratchPool::Block block = scratch_.take(size_t(scratchBytes));
  if (!block.data)
    return Status::error("out of memory: the system refused " + formatBytes(uint64_t(scratchBytes)) +
                         " of scratch memory");
  int64_t error[4] = {0, 0, 0, 0};
  attn_parallel_for_fn parallelFor = pool_.threadCount() > 1 ? &parallelForTrampoline : nullptr;
  int32_t status = code->entry(inputs.data(), outputs.data(), dims.data(), block.data, parallelFor, &pool_, error);
  scratch_.give(block);
  if (status != kRunOk) return runtimeError(*module_, *f.graph, status, error, bound.dims);
  return Status::ok();
}

// As Executable::runInto, but the code writes into the caller's buffers.
Status LLVMExecutable::runInto(std::string_view function, const NamedTensorViews &inputs,
                               const NamedTensorViews &outputs) const {
  const CompiledFunction *f = find(function);
  if (!f) return Status::error("no function '" + std::string(function) + "'");
  std::vector<const TensorView *> buffers;
  for (const ir::GraphResult &r : f->graph->results()) {
    const TensorView *buffer = nullptr;
    size_t count = 0;
    for (const auto &[name, view] : outputs)
      if (name == r.name) buffer = &view, ++count;
    if (count != 1)
      return Status::error("output '" + r.name + "' needs exactly one buffer, got " + std::to_string(count));
    buffers.push_back(buffer);
  }
  if (outputs.size() != buffers.size())
    return Status::error("an output buffer names no result of function '" + f->graph->name + "'");
  auto bound = bindChecked(*f, inputs);
  if (!bound) return bound.status();
  std::vector<void *> pointers;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const ir::Type &type = f->graph->results()[i].declaredType;
    Shape shape = shapeOf(type, bound->dims);
    const TensorView &out = *buffers[i];
    if (out.dtype != type.dtype || out.shape != shape)
      return Status::error("output '" + f->graph->results()[i].name + "' is " +
                           codegen::typeText(type.dtype, shape) + ", its buffer is " +
                           codegen::typeText(out.dtype, out.shape));
    if (!out.data && out.numElements() > 0)
      return Status::error("output '" + f->graph->results()[i].name + "' has no data (a null pointer)");
    pointers.push_back(out.data);
  }
  MemoryBudget budget(maxMemory_);
  return call(*f, *bound, pointers, budget);
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
