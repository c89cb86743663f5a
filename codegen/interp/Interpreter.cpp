// The interpreter Executable: compile-time checks of the module and weights,
// then per call: bind the inputs, evaluate the nodes in order into per-call
// storage, hand out the results (moved, not copied). Nothing in the Executable changes after
// compileInterpreter, so any number of threads may run it at once.
#include "codegen/interp/Interpreter.h"

#include "codegen/common/ModuleChecks.h"
#include "codegen/interp/Kernel.h"

#include "runtime/Memory.h"

#include <new>
#include <unordered_map>

namespace attn::interp {

namespace {

using codegen::BoundInputs;
using codegen::locationPrefix;
using ValueViews = codegen::WeightViews;

class InterpreterExecutable final : public Executable {
public:
  InterpreterExecutable(std::shared_ptr<const ir::Module> module, WeightMap weights,
                        ValueViews weightViews, uint64_t maxMemory)
      : module_(std::move(module)), weights_(std::move(weights)),
        weightViews_(std::move(weightViews)), maxMemory_(maxMemory) {
    for (const auto &graph : module_->functions)
      functions_.push_back(codegen::signatureOf(*graph));
  }

  std::string_view backendName() const override { return "interp"; }
  const std::vector<FunctionSignature> &functions() const override { return functions_; }

  Result<std::vector<Tensor>> run(std::string_view function,
                                  const NamedTensorViews &inputs) const override {
    const ir::Graph *graph = module_->findFunction(std::string(function));
    if (!graph) return codegen::noSuchFunction(*module_, function);
    auto bound = codegen::bindInputs(*graph, inputs);
    if (!bound) return bound.status();
    return evaluate(*graph, *bound);
  }

private:
  Result<std::vector<Tensor>> evaluate(const ir::Graph &graph, const BoundInputs &bound) const {
    return evaluateGraph(*module_, graph, bound, weightViews_, maxMemory_, evaluateNode);
  }

  std::shared_ptr<const ir::Module> module_;
  WeightMap weights_; // holds weights.owner, so weightViews_ stay valid
  ValueViews weightViews_;
  uint64_t maxMemory_; // MemoryBudget's limit per run
  std::vector<FunctionSignature> functions_;
};

// A node whose results have no elements has nothing to compute, but a
// kernel's loops may still walk a long axis of an empty operand ([2^40, 0]
// concatenated along axis 1). Its results are made without the kernel,
// except for the ops whose kernels check dims that can make even an empty
// result an error (a max over an empty axis, slice bounds, T = 0).
bool allEmpty(const KernelArgs &args) {
  using K = ir::OpKind;
  for (K checked : {K::Max, K::Argmax, K::Slice, K::LSTM, K::GRU, K::RNN})
    if (args.node.op == checked) return false;
  for (const Shape &shape : args.resultShapes)
    if (numElements(shape) != 0) return false;
  return !args.resultShapes.empty();
}

KernelResult emptyResults(const KernelArgs &args) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < args.resultShapes.size(); ++i) out.push_back(args.makeResult(i));
  return out;
}

} // namespace

// Per-call storage: `storage` owns every node result, `values` views all
// values (weights and arguments without a copy). Moving a Tensor keeps its
// data where it is, so views into `storage` survive its growth. Every result
// is counted against the run's memory budget before its kernel runs (the
// storage is kept to the end, so the count is what the run holds), and an
// allocation the system refuses is an error, not an exception.
Result<std::vector<Tensor>> evaluateGraph(const ir::Module &module, const ir::Graph &graph,
                                          const codegen::BoundInputs &bound,
                                          const codegen::WeightViews &weightViews, uint64_t maxMemory,
                                          const NodeEvaluator &evaluate) {
  MemoryBudget budget(maxMemory);
  auto reserve = [&](const Shape &shape, DType dtype, auto &&what) {
    auto bytes = checkedTensorBytes(dtype, shape); // resultShapes checked it
    return budget.reserveNamedBy(bytes.value_or(UINT64_MAX), what);
  };
  ValueViews values = weightViews;
  std::vector<Tensor> storage;
  for (size_t i = 0; i < graph.arguments.size(); ++i)
    values[graph.arguments[i]] = bound.arguments[i];
  try {
    for (const auto &node : graph.nodes()) {
      std::vector<TensorView> operands;
      for (const ir::Value *v : node->operands()) operands.push_back(values.at(v));
      auto shapes = codegen::resultShapes(*node, bound.dims);
      if (!shapes) return Status::error(locationPrefix(module, *node) + shapes.message());
      for (size_t i = 0; i < shapes->size(); ++i)
        if (Status s = reserve((*shapes)[i], node->results[i]->type.dtype,
                               [&] { return "the result of " + std::string(ir::mnemonic(node->op)); });
            !s)
          return Status::error(locationPrefix(module, *node) + s.message());
      KernelArgs args{*node, std::move(operands), std::move(*shapes), bound.dims};
      KernelResult outputs = allEmpty(args) ? emptyResults(args) : evaluate(args);
      if (!outputs) return Status::error(locationPrefix(module, *node) + outputs.message());
      assert(outputs->size() == node->results.size() && "a kernel returned the wrong result count");
      for (size_t i = 0; i < outputs->size(); ++i) {
        Tensor &t = (*outputs)[i];
        assert(t.dtype() == node->results[i]->type.dtype && t.shape() == args.resultShapes[i] &&
               "a kernel's result differs from its node's type");
        values[node->results[i]] = t.view();
        storage.push_back(std::move(t));
      }
    }
    // A node's result leaves `storage` as the function's result, counted
    // once (when its node ran); an argument, a weight or a value returned
    // twice is copied, and the copy counts.
    std::unordered_map<const void *, size_t> stored; // data -> index in storage
    for (size_t i = 0; i < storage.size(); ++i)
      if (storage[i].data()) stored.emplace(storage[i].data(), i);
    std::vector<Tensor> results;
    for (const ir::GraphResult &r : graph.results()) {
      const TensorView &v = values.at(r.value);
      auto it = v.data ? stored.find(v.data) : stored.end();
      if (it != stored.end() && storage[it->second].view().shape == v.shape) {
        results.push_back(std::move(storage[it->second]));
        stored.erase(it);
        continue;
      }
      if (Status s = reserve(v.shape, v.dtype, [&] { return "result '" + r.name + "'"; }); !s) return s;
      results.push_back(Tensor::copyOf(v));
    }
    return results;
  } catch (const std::bad_alloc &) {
    return Status::error("out of memory: the system refused an allocation after " +
                         formatBytes(budget.used()) + " of tensors");
  }
}

Result<std::unique_ptr<Executable>> compileInterpreter(std::shared_ptr<const ir::Module> module,
                                                       WeightMap weights, uint64_t maxMemory) {
  if (!module) return Status::error("compileInterpreter: no module");
  if (Status s = codegen::checkModule(*module); !s) return s;
  auto views = codegen::bindWeights(*module, weights);
  if (!views) return views.status();
  return std::unique_ptr<Executable>(std::make_unique<InterpreterExecutable>(
      std::move(module), std::move(weights), std::move(*views), maxMemory));
}

} // namespace attn::interp
