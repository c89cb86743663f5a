// The interpreter Executable: compile-time checks of the module and weights,
// then per call: bind the inputs, evaluate the nodes in order into per-call
// storage, copy out the results. Nothing in the Executable changes after
// compileInterpreter, so any number of threads may run it at once.
#include "codegen/interp/Interpreter.h"

#include "codegen/interp/InputBinding.h"
#include "ir/Verifier.h"

#include <set>
#include <unordered_map>

namespace attn::interp {

namespace {

using ValueViews = std::unordered_map<const ir::Value *, TensorView>;

std::string typeText(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + (shape.empty() ? "" : shapeToString(shape));
}

/// A weight's declared shape; the verifier guarantees its dims are constant.
Shape weightShape(const ir::Value &weight) {
  Shape shape;
  for (const ir::Dim &d : weight.type.shape) shape.push_back(*d.constant());
  return shape;
}

/// Every declared weight, found in `weights` and checked; all problems are
/// reported at once, one line each, as WeightStore does.
Result<ValueViews> bindWeights(const ir::Module &module, const WeightMap &weights) {
  ValueViews views;
  std::string problems;
  for (const auto &weight : module.weights()) {
    if (const Tensor *data = module.constantData(weight.get())) { // made by a pass
      views[weight.get()] = data->view();
      continue;
    }
    Shape shape = weightShape(*weight);
    std::string expected = typeText(weight->type.dtype, shape);
    auto entry = weights.tensors.find(weight->name);
    if (entry == weights.tensors.end()) {
      problems += "\n  missing: " + weight->name + " (" + expected + ")";
      continue;
    }
    const TensorView &view = entry->second;
    std::string found = typeText(view.dtype, view.shape);
    bool dtypeDiffers = view.dtype != weight->type.dtype, shapeDiffers = view.shape != shape;
    if (dtypeDiffers && shapeDiffers) problems += "\n  wrong dtype and shape: ";
    else if (dtypeDiffers) problems += "\n  wrong dtype: ";
    else if (shapeDiffers) problems += "\n  wrong shape: ";
    if (dtypeDiffers || shapeDiffers) {
      problems += weight->name + ": expected " + expected + ", found " + found;
      continue;
    }
    if (!view.data && view.numElements() > 0) {
      problems += "\n  no data: " + weight->name + " (a null pointer)";
      continue;
    }
    views[weight.get()] = view;
  }
  if (!problems.empty())
    return Status::error("weights do not match model '" + module.name + "':" + problems);
  return views;
}

/// Symbols a run cannot bind: used by the function but not a plain dim of
/// any argument (see InputBinding.h).
Status checkDimsBindable(const ir::Graph &graph) {
  std::set<std::string> bindable, used;
  auto use = [&](const ir::Dim &d) {
    for (const std::string &s : d.symbols()) used.insert(s);
  };
  for (const ir::Value *arg : graph.arguments)
    for (const ir::Dim &d : arg->type.shape)
      if (auto symbol = d.asSymbol()) bindable.insert(*symbol);
  for (const auto &node : graph.nodes()) {
    for (const ir::Value *r : node->results)
      for (const ir::Dim &d : r->type.shape) use(d);
    const ir::Attrs &a = node->attrs;
    if (ir::hasAttr(node->op, ir::AttrKind::Shape))
      for (const ir::Dim &d : a.Shape) use(d);
    if (ir::hasAttr(node->op, ir::AttrKind::Start)) use(a.Start);
    if (ir::hasAttr(node->op, ir::AttrKind::End)) use(a.End);
    if (ir::hasAttr(node->op, ir::AttrKind::Length)) use(a.Length);
    if (ir::hasAttr(node->op, ir::AttrKind::Symbol)) used.insert(a.Symbol);
  }
  for (const ir::GraphResult &r : graph.results)
    for (const ir::Dim &d : r.declaredType.shape) use(d);
  for (const std::string &symbol : used)
    if (!bindable.count(symbol))
      return Status::error("function '" + graph.name + "': dim '" + symbol +
                           "' cannot be bound from the inputs: it is not a whole dim of any "
                           "argument");
  return Status::ok();
}

TensorSpec specOf(const std::string &name, const ir::Type &type) {
  TensorSpec spec{name, type.dtype, {}};
  for (const ir::Dim &d : type.shape) spec.dims.push_back(d.str());
  return spec;
}

FunctionSignature signatureOf(const ir::Graph &graph) {
  FunctionSignature signature{graph.name, {}, {}};
  for (const ir::Value *arg : graph.arguments)
    signature.arguments.push_back(specOf(arg->name, arg->type));
  for (const ir::GraphResult &r : graph.results)
    signature.results.push_back(specOf(r.name, r.declaredType));
  return signature;
}

/// "model.attn:12:7: " for a node with a source location, else "".
std::string locationPrefix(const ir::Module &module, const ir::Node &node) {
  if (!node.loc.isValid()) return "";
  return (module.fileName.empty() ? std::string("<model>") : module.fileName) + ":" +
         std::to_string(node.loc.line) + ":" + std::to_string(node.loc.column) + ": ";
}

/// The node's result shapes under `dims`; a negative dim (`T - 3` with T = 2)
/// is the user's error.
Result<std::vector<Shape>> resultShapes(const ir::Node &node, const DimBindings &dims) {
  std::vector<Shape> shapes;
  for (const ir::Value *r : node.results) {
    Shape shape;
    for (const ir::Dim &d : r->type.shape) shape.push_back(*d.evaluate(dims));
    for (int64_t d : shape)
      if (d < 0) {
        std::string bindings;
        for (const auto &[symbol, value] : dims)
          bindings += (bindings.empty() ? "" : ", ") + symbol + " = " + std::to_string(value);
        return Status::error(std::string(ir::mnemonic(node.op)) + ": result shape " +
                             ir::dimsToString(r->type.shape) + " is " + shapeToString(shape) +
                             ", which has a negative dim (" + bindings + ")");
      }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

class InterpreterExecutable final : public Executable {
public:
  InterpreterExecutable(std::shared_ptr<const ir::Module> module, WeightMap weights,
                        ValueViews weightViews)
      : module_(std::move(module)), weights_(std::move(weights)),
        weightViews_(std::move(weightViews)) {
    for (const auto &graph : module_->functions) functions_.push_back(signatureOf(*graph));
  }

  std::string_view backendName() const override { return "interp"; }
  const std::vector<FunctionSignature> &functions() const override { return functions_; }

  Result<std::vector<Tensor>> run(std::string_view function,
                                  const NamedTensorViews &inputs) const override {
    const ir::Graph *graph = module_->findFunction(std::string(function));
    if (!graph) {
      std::string names;
      for (const FunctionSignature &f : functions_) names += (names.empty() ? "" : ", ") + f.name;
      return Status::error("no function '" + std::string(function) + "' in model '" +
                           module_->name + "' (its functions: " + names + ")");
    }
    auto bound = bindInputs(*graph, inputs);
    if (!bound) return bound.status();
    return evaluate(*graph, *bound);
  }

private:
  Result<std::vector<Tensor>> evaluate(const ir::Graph &graph, const BoundInputs &bound) const;

  std::shared_ptr<const ir::Module> module_;
  WeightMap weights_; // holds weights.owner, so weightViews_ stay valid
  ValueViews weightViews_;
  std::vector<FunctionSignature> functions_;
};

// Per-call storage: `storage` owns every node result, `values` views all
// values (weights and arguments without a copy). Moving a Tensor keeps its
// data where it is, so views into `storage` survive its growth.
Result<std::vector<Tensor>> InterpreterExecutable::evaluate(const ir::Graph &graph,
                                                            const BoundInputs &bound) const {
  ValueViews values = weightViews_;
  std::vector<Tensor> storage;
  for (size_t i = 0; i < graph.arguments.size(); ++i)
    values[graph.arguments[i]] = bound.arguments[i];
  for (const auto &node : graph.nodes()) {
    std::vector<TensorView> operands;
    for (const ir::Value *v : node->operands) operands.push_back(values.at(v));
    auto shapes = resultShapes(*node, bound.dims);
    if (!shapes) return Status::error(locationPrefix(*module_, *node) + shapes.message());
    KernelArgs args{*node, std::move(operands), std::move(*shapes), bound.dims};
    KernelResult outputs = evaluateNode(args);
    if (!outputs) return Status::error(locationPrefix(*module_, *node) + outputs.message());
    assert(outputs->size() == node->results.size() && "a kernel returned the wrong result count");
    for (size_t i = 0; i < outputs->size(); ++i) {
      Tensor &t = (*outputs)[i];
      assert(t.dtype() == node->results[i]->type.dtype && t.shape() == args.resultShapes[i] &&
             "a kernel's result differs from its node's type");
      values[node->results[i]] = t.view();
      storage.push_back(std::move(t));
    }
  }
  std::vector<Tensor> results;
  for (const ir::GraphResult &r : graph.results)
    results.push_back(Tensor::copyOf(values.at(r.value)));
  return results;
}

} // namespace

Result<std::unique_ptr<Executable>> compileInterpreter(std::shared_ptr<const ir::Module> module,
                                                       WeightMap weights) {
  if (!module) return Status::error("compileInterpreter: no module");
  if (Status s = ir::verifyModule(*module); !s) return s;
  for (const auto &graph : module->functions) {
    if (Status s = checkDimsBindable(*graph); !s) return s;
  }
  auto views = bindWeights(*module, weights);
  if (!views) return views.status();
  return std::unique_ptr<Executable>(std::make_unique<InterpreterExecutable>(
      std::move(module), std::move(weights), std::move(*views)));
}

} // namespace attn::interp
