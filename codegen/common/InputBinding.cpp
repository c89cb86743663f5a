// Input matching and dim binding for one call (see InputBinding.h).
#include "codegen/common/InputBinding.h"

#include <algorithm>

namespace attn::codegen {

namespace {

std::string typeText(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + (shape.empty() ? "" : shapeToString(shape));
}

std::string argumentNames(const ir::Graph &graph) {
  std::string names;
  for (const ir::Value *arg : graph.arguments) names += (names.empty() ? "" : ", ") + arg->name;
  return names.empty() ? "none" : names;
}

/// Step 1 and 2: the view given for each argument, dtype and rank checked.
Result<std::vector<TensorView>> matchArguments(const ir::Graph &graph,
                                               const NamedTensorViews &inputs) {
  std::vector<const TensorView *> given(graph.arguments.size(), nullptr);
  for (const auto &[name, view] : inputs) {
    size_t index = 0;
    while (index < graph.arguments.size() && graph.arguments[index]->name != name) ++index;
    if (index == graph.arguments.size())
      return Status::error("function '" + graph.name + "' has no argument '" + name +
                           "' (its arguments: " + argumentNames(graph) + ")");
    if (given[index]) return Status::error("input '" + name + "' is given twice");
    given[index] = &view;
  }
  std::vector<TensorView> views;
  for (size_t i = 0; i < given.size(); ++i) {
    const ir::Value &arg = *graph.arguments[i];
    if (!given[i])
      return Status::error("missing input '" + arg.name + "' (expected " + arg.type.str() + ")");
    const TensorView &view = *given[i];
    if (view.dtype != arg.type.dtype || view.rank() != arg.type.rank())
      return Status::error("input '" + arg.name + "' has type " + typeText(view.dtype, view.shape) +
                           ", expected " + arg.type.str());
    for (int64_t d : view.shape)
      if (d < 0)
        return Status::error("input '" + arg.name +
                             "' has a negative dim: " + shapeToString(view.shape));
    if (!view.data && view.numElements() > 0)
      return Status::error("input '" + arg.name + "' has no data (a null pointer)");
    views.push_back(view);
  }
  return views;
}

/// "(T = 7 from 'tokens')" for the symbols of the dims that did not match.
std::string bindingNote(const std::vector<std::string> &symbols, const DimBindings &dims,
                        const std::map<std::string, std::string> &source) {
  std::string note;
  for (const std::string &symbol : symbols)
    note += (note.empty() ? " (" : ", ") + symbol + " = " + std::to_string(dims.at(symbol)) +
            " from '" + source.at(symbol) + "'";
  return note.empty() ? note : note + ")";
}

/// Step 4 for one argument.
Status checkShape(const ir::Value &arg, const TensorView &view, const DimBindings &dims,
                  const std::map<std::string, std::string> &source) {
  Shape expected;
  std::vector<std::string> mismatched; // symbols of the dims that differ, once each
  for (size_t k = 0; k < arg.type.shape.size(); ++k) {
    const ir::Dim &dim = arg.type.shape[k];
    std::optional<int64_t> value = dim.evaluate(dims); // every symbol is bound (step 3)
    if (!value)
      return Status::error("input '" + arg.name + "': dimension " + dim.str() + " of " +
                           ir::dimsToString(arg.type.shape) +
                           " overflows int64 with the dims bound from the inputs");
    expected.push_back(*value);
    if (*value == view.shape[k]) continue;
    for (const std::string &symbol : dim.symbols())
      if (std::find(mismatched.begin(), mismatched.end(), symbol) == mismatched.end())
        mismatched.push_back(symbol);
  }
  if (expected == view.shape) return Status::ok();
  return Status::error("input '" + arg.name + "' has shape " + shapeToString(view.shape) +
                       ", expected " + ir::dimsToString(arg.type.shape) + " = " +
                       shapeToString(expected) + bindingNote(mismatched, dims, source));
}

} // namespace

Result<BoundInputs> bindInputs(const ir::Graph &graph, const NamedTensorViews &inputs) {
  auto views = matchArguments(graph, inputs);
  if (!views) return views.status();
  BoundInputs bound;
  bound.arguments = std::move(*views);
  std::map<std::string, std::string> source; // symbol -> the argument it was bound from
  for (size_t i = 0; i < graph.arguments.size(); ++i) {
    const ir::Value &arg = *graph.arguments[i];
    for (size_t k = 0; k < arg.type.shape.size(); ++k) {
      std::optional<std::string> symbol = arg.type.shape[k].asSymbol();
      if (symbol && !bound.dims.count(*symbol)) {
        bound.dims[*symbol] = bound.arguments[i].shape[k];
        source[*symbol] = arg.name;
      }
    }
  }
  for (size_t i = 0; i < graph.arguments.size(); ++i) {
    Status s = checkShape(*graph.arguments[i], bound.arguments[i], bound.dims, source);
    if (!s) return s;
  }
  return bound;
}

} // namespace attn::codegen
