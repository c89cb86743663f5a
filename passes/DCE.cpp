// dce: dead code elimination. A node none of whose results is used (by a
// node or as a function result) is removed, then whatever that leaves unused.
//
//   before                                  after
//     %0 = tanh(%x) : f32[B, 4]               %1 = relu(%x) : f32[B, 4]
//     %1 = relu(%x) : f32[B, 4]               return %1
//     return %1
#include "passes/Pass.h"
#include "passes/Pattern.h"

namespace attn::passes::DCE {

bool run(ir::Graph &graph, PassContext &) { return eraseDeadNodes(graph); }

} // namespace attn::passes::DCE
