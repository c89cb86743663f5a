// Checks: operand counts; every operand defined before use (an argument of
// this function, a weight of this module, or an earlier node's result); each
// node's result types equal to what its op infers; results bound and typed as
// declared; attribute invariants (axes non-negative).
#include "ir/Verifier.h"

#include "ir/ShapeInference.h"

#include <set>

namespace attn::ir {

namespace {

Status nodeError(const Graph &g, const Node &n, const std::string &message) {
  return Status::error("verifier: in fn " + g.name + ", " + std::string(mnemonic(n.op)) +
                       " at line " + std::to_string(n.loc.line) + ": " + message);
}

Status verifyGraph(const Module &m, const Graph &g) {
  std::set<const Value *> defined(g.arguments.begin(), g.arguments.end());
  for (const auto &w : m.weights()) defined.insert(w.get());
  for (const auto &n : g.nodes()) {
    std::vector<Type> types;
    for (const Value *v : n->operands()) {
      if (!v || !defined.count(v)) return nodeError(g, *n, "operand used before it is defined");
      types.push_back(v->type);
    }
    if (n->attrs.Axis && *n->attrs.Axis < 0) return nodeError(g, *n, "negative axis");
    auto inferred = inferResultTypes(n->op, types, n->attrs);
    if (!inferred) return nodeError(g, *n, inferred.message());
    if (inferred->size() != n->results.size())
      return nodeError(g, *n, "wrong number of results");
    for (size_t i = 0; i < n->results.size(); ++i) {
      const Value *r = n->results[i];
      if (r->def != n.get() || r->index != i) return nodeError(g, *n, "result not linked to node");
      if (r->type != (*inferred)[i])
        return nodeError(g, *n, "result " + std::to_string(i) + " has type " + r->type.str() +
                                    ", the op infers " + (*inferred)[i].str());
      defined.insert(r);
    }
  }
  for (const GraphResult &r : g.results()) {
    if (!r.value || !defined.count(r.value))
      return Status::error("verifier: in fn " + g.name + ", result " + r.name + " is not defined");
    if (r.value->type != r.declaredType)
      return Status::error("verifier: in fn " + g.name + ", result " + r.name + " has type " +
                           r.value->type.str() + ", declared " + r.declaredType.str());
  }
  return Status::ok();
}

} // namespace

Status verifyModule(const Module &m) {
  for (const auto &w : m.weights())
    for (const Dim &d : w->type.shape)
      if (!d.isConstant()) return Status::error("verifier: weight " + w->name + " has a symbolic shape");
  for (const auto &f : m.functions) {
    Status s = verifyGraph(m, *f);
    if (!s) return s;
  }
  return Status::ok();
}

} // namespace attn::ir
