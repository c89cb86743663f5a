// `attnc compile --emit=dot`: the module's graphs in Graphviz form, one
// cluster per function. Arguments and results are ellipses, ops are boxes
// (fused ops filled), weights are listed inside the op that reads them
// instead of drawn, and each edge is labelled with its value's type.
// Render with `dot -Tpng model.dot -o model.png`.
#pragma once

#include "ir/Graph.h"

#include <string>

namespace attn::tool {

std::string moduleToDot(const ir::Module &module);

} // namespace attn::tool
