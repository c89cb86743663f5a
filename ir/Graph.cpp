// Graph, Node and Value bookkeeping.
#include "ir/Graph.h"

#include <algorithm>
#include <cassert>

namespace attn::ir {

Value *Graph::newValue(Value::Kind kind, Type type, std::string valueName) {
  auto v = std::make_unique<Value>();
  v->kind = kind;
  v->type = std::move(type);
  v->name = std::move(valueName);
  values_.push_back(std::move(v));
  return values_.back().get();
}

Value *Graph::addArgument(const std::string &argName, Type type) {
  Value *v = newValue(Value::Kind::Argument, std::move(type), argName);
  v->index = unsigned(arguments.size());
  arguments.push_back(v);
  return v;
}

Node *Graph::appendNode(OpKind op, std::vector<Value *> operands,
                        const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc) {
  return insertNode(nullptr, op, std::move(operands), resultTypes, std::move(attrs), loc);
}

Node *Graph::insertNode(Node *before, OpKind op, std::vector<Value *> operands,
                        const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc) {
  auto node = std::make_unique<Node>();
  node->op = op;
  node->operands = std::move(operands);
  node->attrs = std::move(attrs);
  node->loc = loc;
  for (size_t i = 0; i < resultTypes.size(); ++i) {
    Value *r = newValue(Value::Kind::NodeResult, resultTypes[i], "");
    r->def = node.get();
    r->index = unsigned(i);
    node->results.push_back(r);
  }
  Node *raw = node.get();
  auto pos = nodes_.end();
  if (before)
    pos = std::find_if(nodes_.begin(), nodes_.end(), [&](auto &n) { return n.get() == before; });
  nodes_.insert(pos, std::move(node));
  return raw;
}

void Graph::eraseNode(Node *node) {
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](auto &n) { return n.get() == node; });
  assert(it != nodes_.end() && "erasing a node of another graph");
  nodes_.erase(it);
}

void Graph::replaceAllUses(Value *from, Value *to) {
  for (auto &n : nodes_)
    for (Value *&operand : n->operands)
      if (operand == from) operand = to;
  for (GraphResult &r : results)
    if (r.value == from) r.value = to;
}

std::vector<Node *> Graph::users(const Value *v) const {
  std::vector<Node *> out;
  for (auto &n : nodes_)
    if (std::find(n->operands.begin(), n->operands.end(), v) != n->operands.end())
      out.push_back(n.get());
  return out;
}

size_t Graph::useCount(const Value *v) const {
  size_t count = 0;
  for (auto &n : nodes_) count += std::count(n->operands.begin(), n->operands.end(), v);
  for (const GraphResult &r : results) count += r.value == v;
  return count;
}

Value *Module::addWeight(const std::string &weightName, Type type, WeightInit init) {
  weightInits_.push_back(init);
  weightData_.push_back(nullptr);
  auto v = std::make_unique<Value>();
  v->kind = Value::Kind::Weight;
  v->type = std::move(type);
  v->name = weightName;
  v->index = unsigned(weights_.size());
  weights_.push_back(std::move(v));
  return weights_.back().get();
}

Value *Module::addConstant(const std::string &weightName, Type type,
                           std::shared_ptr<const Tensor> data) {
  assert(data && data->dtype() == type.dtype && "a constant's data must match its type");
  Value *v = addWeight(weightName, std::move(type));
  weightData_.back() = std::move(data);
  return v;
}

std::string Module::uniqueWeightName(const std::string &base) const {
  std::string name = base;
  for (int i = 1; findWeight(name); ++i) name = base + "." + std::to_string(i);
  return name;
}

Value *Module::findWeight(const std::string &weightName) const {
  for (auto &w : weights_)
    if (w->name == weightName) return w.get();
  return nullptr;
}

Graph *Module::addFunction(const std::string &fnName) {
  functions.push_back(std::make_unique<Graph>());
  functions.back()->name = fnName;
  return functions.back().get();
}

Graph *Module::findFunction(const std::string &fnName) const {
  for (auto &f : functions)
    if (f->name == fnName) return f.get();
  return nullptr;
}

} // namespace attn::ir
