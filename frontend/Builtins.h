// What the builtin functions (Builtins.cpp) share with the PyTorch spellings
// (PyTorch.cpp) and indexing (Indexing.cpp): a builtin's signature and
// lowering, and the lowerings that several spellings reach.
#pragma once

#include "frontend/Sema.h"

#include <functional>

namespace attn::frontend {

using Args = std::vector<const Expr *>;
using Results = std::optional<std::vector<Operand>>;
using Lowering = std::function<Results(Sema &, const CallSite &call, const Args &)>;

struct Builtin {
  std::vector<ParamSpec> params;
  Lowering lower;
};

/// The builtin named `name` (language.md's primitive functions, then the
/// PyTorch names that have no attn op of their own: cat, bmm, masked_fill...),
/// or null.
const Builtin *findBuiltin(const std::string &name);
/// PyTorch.cpp's table of the second kind.
const std::map<std::string, Builtin> &pytorchFunctions();

/// f(input, other) as the binary operator of `op` (maximum, torch.add, ...).
Builtin binaryFn(ir::OpKind op);
/// sum, mean, max, argmax(input, axis=all, keepdim=false); `severalAxes`:
/// the axis may be a list or tuple (torch.sum, torch.mean, torch.amax).
Builtin reductionFn(ir::OpKind op, bool severalAxes);
/// One result, or std::nullopt when `v` is null (an error was reported).
Results one(ir::Value *v, const CallSite &call);
/// permute and reshape (one -1 inferred) over the elements of a list, a tuple
/// or a method's arguments (`x.view(B, -1)`).
Results lowerPermuteTo(Sema &s, const CallSite &call, ir::Value *x, const Args &dims);
Results lowerReshapeTo(Sema &s, const CallSite &call, ir::Value *x, const Args &shape, llvm::SMLoc loc);
/// concat(tensors, axis=0), and PyTorch's stack (each tensor unsqueezed at
/// the axis first); `name` is the function's, for messages.
Results lowerConcat(Sema &s, const CallSite &call, const Args &a, const std::string &name, bool stack);
/// A slice bound as Python reads it: negative counts from the end of an axis
/// of `size`; a constant bound of a constant axis is clamped into [0, size].
std::optional<ir::Dim> sliceBound(Sema &s, const Expr &e, const ir::Dim &size);
/// Rows [start, end) of `axis` (end < start, both constant: empty).
ir::Value *sliceOf(Sema &s, ir::Value *x, int64_t axis, ir::Dim start, ir::Dim end, llvm::SMLoc loc);
/// A list or tuple argument (`[0, 2, 1]`, `(B, -1)`), or null after an error.
const Expr *requireList(Sema &s, const Expr *e, const char *what);
Args elementsOf(const Expr &list);

} // namespace attn::frontend
