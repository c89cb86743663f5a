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

bool Node::isUsed() const {
  for (const Value *r : results)
    if (r->isUsed()) return true;
  return false;
}

Graph::~Graph() {
  // Weights outlive the graph; node results and arguments die with it.
  for (auto &n : nodes_)
    for (unsigned k = 0; k < n->operands_.size(); ++k)
      if (n->operands_[k]->isWeight()) dropUse(n.get(), k);
}

void Graph::addUse(Node *node, unsigned index) {
  Value *v = node->operands_[index];
  node->useSlots_[index] = unsigned(v->uses_.size());
  v->uses_.push_back(Use{node, index});
}

void Graph::dropUse(Node *node, unsigned index) {
  // Swap with the last use and pop; the moved use's slot follows it.
  std::vector<Use> &uses = node->operands_[index]->uses_;
  unsigned slot = node->useSlots_[index];
  assert(slot < uses.size() && uses[slot].user == node && uses[slot].operand == index);
  if (slot + 1 != uses.size()) {
    uses[slot] = uses.back();
    uses[slot].user->useSlots_[uses[slot].operand] = slot;
  }
  uses.pop_back();
}

Node *Graph::appendNode(OpKind op, std::vector<Value *> operands,
                        const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc) {
  return insertNode(nullptr, op, std::move(operands), resultTypes, std::move(attrs), loc);
}

Node *Graph::insertNode(Node *before, OpKind op, std::vector<Value *> operands,
                        const std::vector<Type> &resultTypes, Attrs attrs, SourceLoc loc) {
  auto node = std::make_unique<Node>();
  Node *raw = node.get();
  node->op = op;
  node->operands_ = std::move(operands);
  node->useSlots_.resize(node->operands_.size());
  node->attrs = std::move(attrs);
  node->loc = loc;
  for (size_t i = 0; i < resultTypes.size(); ++i) {
    Value *r = newValue(Value::Kind::NodeResult, resultTypes[i], "");
    r->def = raw;
    r->index = unsigned(i);
    node->results.push_back(r);
  }
  for (unsigned k = 0; k < raw->operands_.size(); ++k) addUse(raw, k);
  auto pos = before ? before->self_ : nodes_.end();
  if (before) orderValid_ = false;
  else raw->order_ = nodes_.empty() ? 0 : nodes_.back()->order_ + 1;
  raw->self_ = nodes_.insert(pos, std::move(node));
  return raw;
}

void Graph::eraseNode(Node *node) {
  assert(!node->isUsed() && "erasing a node whose results are still used");
  for (unsigned k = 0; k < node->operands_.size(); ++k) dropUse(node, k);
  nodes_.erase(node->self_);
}

void Graph::setOperand(Node *node, unsigned index, Value *value) {
  dropUse(node, index);
  node->operands_[index] = value;
  addUse(node, index);
}

void Graph::replaceAllUsesWith(Value *from, Value *to) {
  if (from == to) return;
  std::vector<Use> uses = std::move(from->uses_);
  from->uses_.clear();
  for (const Use &u : uses) {
    u.user->operands_[u.operand] = to;
    addUse(u.user, u.operand);
  }
  if (from->resultUses_)
    for (size_t i = 0; i < results_.size(); ++i)
      if (results_[i].value == from) setResult(i, to);
}

std::vector<Node *> Graph::users(const Value *v) const {
  std::vector<Node *> out;
  for (const Use &u : v->uses_) out.push_back(u.user);
  std::sort(out.begin(), out.end(), [&](Node *a, Node *b) { return comesBefore(a, b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Graph::comesBefore(const Node *a, const Node *b) const {
  if (!orderValid_) {
    uint64_t i = 0;
    for (auto &n : nodes_) n->order_ = i++;
    orderValid_ = true;
  }
  return a->order_ < b->order_;
}

void Graph::addResult(std::string resultName, Type declaredType, Value *value) {
  results_.push_back({std::move(resultName), std::move(declaredType), nullptr});
  setResult(results_.size() - 1, value);
}

void Graph::setResult(size_t index, Value *value) {
  GraphResult &r = results_[index];
  if (r.value) --r.value->resultUses_;
  r.value = value;
  if (value) ++value->resultUses_;
}

Value *Module::addWeight(const std::string &weightName, Type type, WeightInit init) {
  assert(!findWeight(weightName) && "weight names are unique");
  weightInits_.push_back(init);
  weightData_.push_back(nullptr);
  auto v = std::make_unique<Value>();
  v->kind = Value::Kind::Weight;
  v->type = std::move(type);
  v->name = weightName;
  v->index = unsigned(weights_.size());
  weightsByName_[weightName] = v.get();
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

std::string Module::uniqueWeightName(const std::string &base) {
  if (!findWeight(base)) return base;
  // Suffixes already probed for this base are taken: start after them.
  unsigned &next = nextSuffix_[base];
  std::string name;
  do name = base + "." + std::to_string(++next);
  while (findWeight(name));
  return name;
}

Value *Module::findWeight(const std::string &weightName) const {
  auto it = weightsByName_.find(weightName);
  return it == weightsByName_.end() ? nullptr : it->second;
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
