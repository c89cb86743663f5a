// cse: common subexpression elimination. Two nodes with the same op, the same
// operands and equal attributes compute the same values (every op is pure),
// so the later one's uses move to the earlier one.
//
//   before                                  after
//     %0 = transpose(@W) {0, 1}               %0 = transpose(@W) {0, 1}
//     %1 = matmul(%x, %0)                     %1 = matmul(%x, %0)
//     %2 = transpose(@W) {0, 1}               %3 = matmul(%y, %0)
//     %3 = matmul(%y, %2)
#include "passes/Pass.h"
#include "passes/Pattern.h"

#include <map>

namespace attn::passes::CSE {

namespace {

bool sameComputation(const ir::Node &a, const ir::Node &b) {
  if (a.op != b.op || a.operands() != b.operands() || !(a.attrs == b.attrs)) return false;
  if (a.results.size() != b.results.size()) return false;
  for (size_t i = 0; i < a.results.size(); ++i)
    if (a.results[i]->type != b.results[i]->type) return false;
  return true;
}

} // namespace

bool run(ir::Graph &graph, PassContext &) {
  // Candidates by op and operands, so each node is compared with the few
  // that could be the same computation, not with every node of its op.
  std::map<std::pair<ir::OpKind, std::vector<ir::Value *>>, std::vector<ir::Node *>> seen;
  std::vector<ir::Node *> replaced;
  for (const auto &node : graph.nodes()) {
    std::vector<ir::Node *> &same = seen[{node->op, node->operands()}];
    ir::Node *earlier = nullptr;
    for (ir::Node *candidate : same)
      if (sameComputation(*candidate, *node)) earlier = candidate;
    if (!earlier) {
      same.push_back(node.get());
      continue;
    }
    for (size_t i = 0; i < node->results.size(); ++i)
      replaceValue(graph, node->result(unsigned(i)), earlier->result(unsigned(i)));
    replaced.push_back(node.get());
  }
  if (replaced.empty()) return false;
  eraseDeadNodes(graph, replaced);
  return true;
}

} // namespace attn::passes::CSE
