// What every backend checks and describes the same way, so that a model, its
// weights and its inputs are accepted or rejected alike whichever backend
// runs them: the weights bound to a module, the dims a run can bind, the
// functions' signatures, a node's result shapes under the dims of one call,
// and the "file:line:col: " prefix of a run-time error.
#pragma once

#include "codegen/common/InputBinding.h"
#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace attn::codegen {

using WeightViews = std::unordered_map<const ir::Value *, TensorView>;

/// Every declared weight, found in `weights` (or held by the module, for a
/// pass's constants) and checked; all problems are reported at once, one
/// line each, as WeightStore does.
Result<WeightViews> bindWeights(const ir::Module &module, const WeightMap &weights);

/// Symbols a run cannot bind: used by the function but not a plain dim of
/// any argument (see InputBinding.h).
Status checkDimsBindable(const ir::Graph &graph);

/// The verifier, then checkDimsBindable for every function.
Status checkModule(const ir::Module &module);

FunctionSignature signatureOf(const ir::Graph &graph);

/// "no function 'g' in model 'm' (its functions: f, h)".
Status noSuchFunction(const ir::Module &module, std::string_view function);

/// "model.attn:12:7: " for a node with a source location, else "".
std::string locationPrefix(const ir::Module &module, const ir::Node &node);

/// "B = 2, T = 5".
std::string bindingsText(const DimBindings &dims);

/// The node's result shapes under `dims`; a negative dim (`T - 3` with T = 2)
/// or a tensor too large to address (`[T, T]` with T = 2^32, bound by an
/// input of shape [2^32, 0]) is the user's error.
Result<std::vector<Shape>> resultShapes(const ir::Node &node, const DimBindings &dims);

/// A slice's [start, end) under `dims` on an axis of `size`: an error when a
/// bound has no value (`T*T` overflows int64) or the range is not within
/// [0, size]. Every backend checks a slice with it.
Result<std::pair<int64_t, int64_t>> sliceRange(const ir::Attrs &attrs, const DimBindings &dims, int64_t size);

/// "f32[2, 3]"; "i64" for a scalar.
std::string typeText(DType dtype, const Shape &shape);

} // namespace attn::codegen
