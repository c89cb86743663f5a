// The dnnl Executable: at compile time the checks every backend makes, one
// oneDNN CPU engine, and a kernel per node (lowerNode: primitives made now
// where they do not depend on the call's shapes, the weights reordered once);
// per call the interpreter's evaluation loop (interp::evaluateGraph: result
// shapes, the memory budget, error locations) with each node run by its
// kernel, or by the interpreter's loops where it has none or has nothing to
// compute (an empty operand or result). Runs share nothing mutable but the
// kernels' plan caches, which lock.
#include "codegen/dnnl/DnnlBackend.h"

#include "codegen/common/ModuleChecks.h"
#include "codegen/dnnl/Lowering.h"

#include <chrono>

// The OpenMP runtime's (libgomp, which oneDNN runs on; cmake/Dependencies.cmake).
extern "C" void omp_set_num_threads(int threads);

namespace attn::dnnlcg {

namespace {

class DnnlExecutable final : public Executable {
public:
  DnnlExecutable(std::shared_ptr<const ir::Module> module, WeightMap weights, codegen::WeightViews views,
                 const DnnlOptions &options, dnnl::engine engine)
      : module_(std::move(module)), weights_(std::move(weights)), weightViews_(std::move(views)),
        options_(options), engine_(std::move(engine)) {
    for (const auto &graph : module_->functions) functions_.push_back(codegen::signatureOf(*graph));
  }

  /// Lowers every node of every function; the kernels' constructors make
  /// the shape-independent primitives and reorder the weights.
  void lower() {
    LowerContext context{engine_, weightViews_, options_.shapesPerNode};
    for (const auto &graph : module_->functions)
      for (const auto &node : graph->nodes())
        if (KernelPtr kernel = lowerNode(*node, context)) kernels_.emplace(node.get(), std::move(kernel));
  }

  std::string_view backendName() const override { return "dnnl"; }
  const std::vector<FunctionSignature> &functions() const override { return functions_; }
  std::vector<CompilePhase> compilePhases() const override { return phases_; }
  void setPhases(std::vector<CompilePhase> phases) { phases_ = std::move(phases); }

  Result<std::vector<Tensor>> run(std::string_view function, const NamedTensorViews &inputs) const override {
    const ir::Graph *graph = module_->findFunction(std::string(function));
    if (!graph) return codegen::noSuchFunction(*module_, function);
    auto bound = codegen::bindInputs(*graph, inputs);
    if (!bound) return bound.status();
    // OpenMP's thread count is per calling thread: set it for this one.
    if (options_.threads) omp_set_num_threads(int(options_.threads));
    RunContext context(engine_, borrowMemory());
    auto evaluate = [&](const KernelArgs &args) -> KernelResult {
      auto it = kernels_.find(&args.node);
      if (it == kernels_.end() || !hasElements(args)) return interp::evaluateNode(args);
      try {
        context.startKernel();
        return it->second->run(args, context);
      } catch (const dnnl::error &e) {
        // No primitive for these shapes (made on first use): the loops.
        if (e.status == dnnl_unimplemented) return interp::evaluateNode(args);
        return Status::error(std::string("oneDNN: ") + e.what());
      }
    };
    auto results = interp::evaluateGraph(*module_, *graph, *bound, weightViews_, options_.maxMemory, evaluate);
    giveBack(context.release());
    return results;
  }

private:
  /// Runs' memory kept between runs, one per run in flight at most.
  RunMemory borrowMemory() const {
    std::lock_guard lock(memoryMutex_);
    if (memory_.empty()) return {};
    RunMemory memory = std::move(memory_.back());
    memory_.pop_back();
    return memory;
  }
  void giveBack(RunMemory memory) const {
    std::lock_guard lock(memoryMutex_);
    memory_.push_back(std::move(memory));
  }

  /// Whether every operand and result has an element: oneDNN refuses
  /// zero-sized memory in most primitives, and the loops handle the edges
  /// (the errors an empty axis makes included).
  static bool hasElements(const KernelArgs &args) {
    for (const TensorView &v : args.operands)
      if (v.numElements() == 0) return false;
    for (const Shape &s : args.resultShapes)
      if (numElements(s) == 0) return false;
    return true;
  }

  std::shared_ptr<const ir::Module> module_;
  WeightMap weights_; // holds weights.owner, so weightViews_ stay valid
  codegen::WeightViews weightViews_;
  DnnlOptions options_;
  dnnl::engine engine_;
  std::unordered_map<const ir::Node *, KernelPtr> kernels_;
  std::vector<FunctionSignature> functions_;
  std::vector<CompilePhase> phases_;
  mutable std::mutex memoryMutex_;
  mutable std::vector<RunMemory> memory_;
};

} // namespace

Result<std::unique_ptr<Executable>> compileDnnl(std::shared_ptr<const ir::Module> module, WeightMap weights,
                                                const DnnlOptions &options) {
  if (!module) return Status::error("compileDnnl: no module");
  if (Status s = codegen::checkModule(*module); !s) return s;
  auto views = codegen::bindWeights(*module, weights);
  if (!views) return views.status();
  auto start = std::chrono::steady_clock::now();
  try {
    auto exe = std::make_unique<DnnlExecutable>(std::move(module), std::move(weights), std::move(*views),
                                                options, dnnl::engine(dnnl::engine::kind::cpu, 0));
    exe->lower();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    exe->setPhases({{"primitives", ms}});
    return std::unique_ptr<Executable>(std::move(exe));
  } catch (const dnnl::error &e) {
    return Status::error(std::string("oneDNN: ") + e.what());
  }
}

} // namespace attn::dnnlcg
