// Matching one call's inputs to a function's arguments and binding the
// symbolic dims from their shapes; shared by every backend.
//
// Order of the checks, each error naming the argument:
//   1. every input names an argument, at most once;
//   2. every argument is given; its dtype and rank are the declared ones;
//   3. each dim that is a plain symbol (`T`, not `2*T`) is bound from the
//      first argument, in declaration order, that has it;
//   4. every dim of every argument is evaluated and compared with the input.
// The backend has already checked (checkDimsBindable, ModuleChecks.h) that
// every symbol the function uses appears as a plain dim of some argument, so
// after step 3 all are bound.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <map>
#include <string>
#include <vector>

namespace attn::codegen {

/// Values of the symbolic dims for one call, bound from its inputs.
using DimBindings = std::map<std::string, int64_t>;

struct BoundInputs {
  std::vector<TensorView> arguments; // in the graph's argument order
  DimBindings dims;
};

Result<BoundInputs> bindInputs(const ir::Graph &graph, const NamedTensorViews &inputs);

} // namespace attn::codegen
