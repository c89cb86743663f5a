// Checks and descriptions shared by the backends (see ModuleChecks.h).
#include "codegen/common/ModuleChecks.h"

#include "ir/Verifier.h"
#include "runtime/Memory.h"

#include <set>

namespace attn::codegen {

namespace {

/// A weight's declared shape; the verifier guarantees its dims are constant.
Shape weightShape(const ir::Value &weight) {
  Shape shape;
  for (const ir::Dim &d : weight.type.shape) shape.push_back(*d.constant());
  return shape;
}

TensorSpec specOf(const std::string &name, const ir::Type &type) {
  TensorSpec spec{name, type.dtype, {}};
  for (const ir::Dim &d : type.shape) spec.dims.push_back(d.str());
  return spec;
}

} // namespace

std::string typeText(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + (shape.empty() ? "" : shapeToString(shape));
}

Result<WeightViews> bindWeights(const ir::Module &module, const WeightMap &weights) {
  WeightViews views;
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
  for (const ir::GraphResult &r : graph.results())
    for (const ir::Dim &d : r.declaredType.shape) use(d);
  for (const std::string &symbol : used)
    if (!bindable.count(symbol))
      return Status::error("function '" + graph.name + "': dim '" + symbol +
                           "' cannot be bound from the inputs: it is not a whole dim of any "
                           "argument");
  return Status::ok();
}

Status checkModule(const ir::Module &module) {
  if (Status s = ir::verifyModule(module); !s) return s;
  for (const auto &graph : module.functions)
    if (Status s = checkDimsBindable(*graph); !s) return s;
  return Status::ok();
}

FunctionSignature signatureOf(const ir::Graph &graph) {
  FunctionSignature signature{graph.name, {}, {}};
  for (const ir::Value *arg : graph.arguments)
    signature.arguments.push_back(specOf(arg->name, arg->type));
  for (const ir::GraphResult &r : graph.results())
    signature.results.push_back(specOf(r.name, r.declaredType));
  return signature;
}

Status noSuchFunction(const ir::Module &module, std::string_view function) {
  std::string names;
  for (const auto &f : module.functions) names += (names.empty() ? "" : ", ") + f->name;
  return Status::error("no function '" + std::string(function) + "' in model '" + module.name +
                       "' (its functions: " + names + ")");
}

std::string locationPrefix(const ir::Module &module, const ir::Node &node) {
  if (!node.loc.isValid()) return "";
  return (module.fileName.empty() ? std::string("<model>") : module.fileName) + ":" +
         std::to_string(node.loc.line) + ":" + std::to_string(node.loc.column) + ": ";
}

std::string bindingsText(const DimBindings &dims) {
  std::string text;
  for (const auto &[symbol, value] : dims)
    text += (text.empty() ? "" : ", ") + symbol + " = " + std::to_string(value);
  return text;
}

Result<std::vector<Shape>> resultShapes(const ir::Node &node, const DimBindings &dims) {
  std::vector<Shape> shapes;
  auto bindings = [&] { return bindingsText(dims); };
  for (const ir::Value *r : node.results) {
    Shape shape;
    for (const ir::Dim &d : r->type.shape) {
      std::optional<int64_t> value = d.evaluate(dims);
      if (!value)
        return Status::error(std::string(ir::mnemonic(node.op)) + ": result shape " +
                             ir::dimsToString(r->type.shape) +
                             " has no value: it overflows int64 or divides by zero (" + bindings() + ")");
      shape.push_back(*value);
    }
    for (int64_t d : shape)
      if (d < 0)
        return Status::error(std::string(ir::mnemonic(node.op)) + ": result shape " +
                             ir::dimsToString(r->type.shape) + " is " + shapeToString(shape) +
                             ", which has a negative dim (" + bindings() + ")");
    if (!checkedTensorBytes(r->type.dtype, shape))
      return Status::error(std::string(ir::mnemonic(node.op)) + ": result shape " +
                           ir::dimsToString(r->type.shape) + " is " + shapeToString(shape) +
                           ", more bytes than memory can address (" + bindings() + ")");
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

Result<std::pair<int64_t, int64_t>> sliceRange(const ir::Attrs &attrs, const DimBindings &dims, int64_t size) {
  std::optional<int64_t> start = attrs.Start.evaluate(dims), end = attrs.End.evaluate(dims);
  if (!start || !end)
    return Status::error("slice: the bounds [" + attrs.Start.str() + ", " + attrs.End.str() +
                         ") have no value: they overflow int64 (" + bindingsText(dims) + ")");
  if (*start < 0 || *end < *start || *end > size)
    return Status::error("slice: [" + std::to_string(*start) + ", " + std::to_string(*end) +
                         ") is out of range for axis " + std::to_string(*attrs.Axis) + " of size " +
                         std::to_string(size));
  return std::pair{*start, *end};
}

} // namespace attn::codegen
