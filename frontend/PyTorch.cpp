// PyTorch's spellings of the builtins (language.md, "PyTorch spellings"):
// calls through the torch, torch.nn.functional (F) and nn namespaces, tensor
// methods (`x.sum(dim=1)`, `x.view(B, -1)`), and the PyTorch functions that
// have no attn op of their own (cat, bmm, stack, chunk, masked_fill...),
// each lowered to the same ops as the attn spelling.
#include "frontend/Builtins.h"

#include <llvm/ADT/StringRef.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace attn::frontend {

std::string withoutModulePrefix(const std::string &name, std::initializer_list<const char *> prefixes) {
  for (const char *prefix : prefixes)
    if (llvm::StringRef(name).starts_with(prefix)) return name.substr(std::strlen(prefix));
  return name;
}

std::optional<double> specialFloat(const Expr &e) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (e.kind == Expr::Kind::Name) {
    std::string name = withoutModulePrefix(e.text, {"math.", "torch."});
    if (name == "inf") return inf;
    if (name == "nan") return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  // float('inf'), float("-inf"), float('nan'), as Python spells them.
  if (e.kind != Expr::Kind::Call || e.text != "float" || e.args.size() != 1 ||
      !e.args[0].keyword.empty() || e.args[0].value->kind != Expr::Kind::String)
    return std::nullopt;
  std::string text = llvm::StringRef(e.args[0].value->text).trim().lower();
  if (text == "inf" || text == "+inf" || text == "infinity") return inf;
  if (text == "-inf" || text == "-infinity") return -inf;
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

namespace {

using K = ir::OpKind;

/// The namespaces a function may be called through (the longest first).
const std::initializer_list<const char *> kFunctionNamespaces = {
    "torch.nn.functional.", "nn.functional.", "torch.", "F."};

/// A tensor argument of a given rank (bmm's 3, mm's 2).
std::optional<ir::Value *> tensorOfRank(Sema &s, const Expr &e, int64_t rank, const CallSite &call) {
  auto x = s.lowerTensor(e);
  if (!x) return std::nullopt;
  if ((*x)->type.rank() != rank) {
    s.error(e.loc, "'" + call.text + "' expects " + std::to_string(rank) + "-D tensors, got " +
                       (*x)->type.str());
    return std::nullopt;
  }
  return x;
}

Builtin matmulOfRank(int64_t rank) {
  return {{{"input"}, {"mat2"}}, [rank](Sema &s, const CallSite &call, const Args &a) -> Results {
            auto x = rank ? tensorOfRank(s, *a[0], rank, call) : s.lowerTensor(*a[0]);
            if (!x) return std::nullopt;
            auto y = rank ? tensorOfRank(s, *a[1], rank, call) : s.lowerTensor(*a[1]);
            if (!y) return std::nullopt;
            auto r = s.binary(K::MatMul, Operand{*x, std::nullopt, a[0]->loc},
                              Operand{*y, std::nullopt, a[1]->loc}, call.loc);
            if (!r) return std::nullopt;
            return std::vector<Operand>{*r};
          }};
}

/// masked_fill(input, mask, value): where(mask, value, input) in input's dtype.
Results lowerMaskedFill(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  auto mask = s.lowerTensor(*a[1]);
  if (!mask) return std::nullopt;
  if ((*mask)->type.dtype != DType::Bool) {
    s.error(a[1]->loc, "masked_fill expects a bool mask, got " + (*mask)->type.str() +
                           " (compare to make one: tokens == pad)");
    return std::nullopt;
  }
  auto value = s.lowerExpr(*a[2]);
  if (!value) return std::nullopt;
  if (!value->isLiteral() && !value->value->type.isScalar()) {
    s.error(a[2]->loc, "masked_fill's value must be a number or a 0-D tensor, got " +
                           value->value->type.str());
    return std::nullopt;
  }
  DType dtype = (*x)->type.dtype;
  return one(s.emit(K::Where, {*mask, s.materialize(*value, dtype), *x}, {}, call.loc), call);
}

/// The axis argument `a` (default 0) of a tensor of rank `rank`.
std::optional<int64_t> axisOr0(Sema &s, const Expr *a, int64_t rank, const ir::Type &type) {
  if (!a) return 0;
  return s.evalAxis(*a, rank, type);
}

/// Pieces of `sizes` along `axis`, as a tuple (chunk and split).
Results pieces(Sema &s, const CallSite &call, ir::Value *x, int64_t axis, const std::vector<int64_t> &sizes) {
  std::vector<Operand> out;
  int64_t start = 0;
  for (int64_t size : sizes) {
    ir::Value *piece = sliceOf(s, x, axis, ir::Dim(start), ir::Dim(start + size), call.loc);
    if (!piece) return std::nullopt;
    out.push_back(Operand{piece, std::nullopt, call.loc});
    start += size;
  }
  return std::vector<Operand>{Operand::tuple(std::move(out), call.loc)};
}

/// The constant length of the axis chunk/split cut, or an error.
std::optional<int64_t> constantAxisSize(Sema &s, const CallSite &call, ir::Value *x, int64_t axis) {
  if (auto n = x->type.shape[size_t(axis)].constant()) return *n;
  s.error(call.loc, "'" + call.text + "' needs a constant size along axis " + std::to_string(axis) +
                        ", but " + x->type.str() + " has " + x->type.shape[size_t(axis)].str() +
                        " (the number of pieces would depend on the input)");
  return std::nullopt;
}

/// torch.chunk(input, chunks, dim=0): pieces of ceil(n / chunks), the last
/// smaller, as many as that makes (PyTorch may return fewer than asked).
Results lowerChunk(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  auto chunks = s.evalInt(*a[1], "chunks");
  if (!chunks) return std::nullopt;
  if (*chunks <= 0) {
    s.error(a[1]->loc, "chunk expects chunks > 0, got " + std::to_string(*chunks));
    return std::nullopt;
  }
  auto axis = axisOr0(s, a[2], (*x)->type.rank(), (*x)->type);
  if (!axis) return std::nullopt;
  auto n = constantAxisSize(s, call, *x, *axis);
  if (!n) return std::nullopt;
  int64_t size = std::max<int64_t>(1, (*n + *chunks - 1) / *chunks);
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < *n; at += size) sizes.push_back(std::min(size, *n - at));
  if (sizes.empty()) sizes.push_back(0);
  return pieces(s, call, *x, *axis, sizes);
}

/// torch.split(tensor, split_size_or_sections, dim=0).
Results lowerSplit(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  auto axis = axisOr0(s, a[2], (*x)->type.rank(), (*x)->type);
  if (!axis) return std::nullopt;
  auto n = constantAxisSize(s, call, *x, *axis);
  if (!n) return std::nullopt;
  std::vector<int64_t> sizes;
  if (a[1]->kind == Expr::Kind::List || a[1]->kind == Expr::Kind::Tuple) {
    int64_t total = 0;
    for (const ExprPtr &e : a[1]->elements) {
      auto size = s.evalInt(*e, "a split size");
      if (!size) return std::nullopt;
      if (*size < 0) {
        s.error(e->loc, "split sizes must be non-negative, got " + std::to_string(*size));
        return std::nullopt;
      }
      sizes.push_back(*size);
      total += *size;
    }
    if (total != *n) {
      s.error(a[1]->loc, "split sizes add up to " + std::to_string(total) + ", but axis " +
                             std::to_string(*axis) + " has " + std::to_string(*n));
      return std::nullopt;
    }
  } else {
    auto size = s.evalInt(*a[1], "split_size");
    if (!size) return std::nullopt;
    if (*size <= 0) {
      s.error(a[1]->loc, "split_size must be positive, got " + std::to_string(*size));
      return std::nullopt;
    }
    for (int64_t at = 0; at < *n; at += *size) sizes.push_back(std::min(*size, *n - at));
    if (sizes.empty()) sizes.push_back(0);
  }
  return pieces(s, call, *x, *axis, sizes);
}

/// torch.max(input, dim, keepdim=False) is the tuple (values, indices), as in
/// PyTorch; without dim it is the maximum of all elements; torch.max(input,
/// other) with a tensor second argument is elementwise, maximum(input, other).
Results lowerTorchMax(Sema &s, const CallSite &call, const Args &a) {
  const Expr *other = a[3] ? a[3] : a[1] && s.computesTensor(*a[1]) ? a[1] : nullptr;
  if (other) {
    if (a[2] || (a[1] && a[1] != other)) {
      s.error(a[2] ? a[2]->loc : a[1]->loc,
              "torch.max(input, other) is elementwise and takes no dim or keepdim");
      return std::nullopt;
    }
    auto x = s.lowerExpr(*a[0]);
    if (!x) return std::nullopt;
    auto y = s.lowerExpr(*other);
    if (!y) return std::nullopt;
    auto r = s.binary(K::Maximum, *x, *y, call.loc);
    if (!r) return std::nullopt;
    return std::vector<Operand>{*r};
  }
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  ir::Attrs attrs;
  if (a[2] && !a[1]) {
    s.error(a[2]->loc, "keepdim needs dim");
    return std::nullopt;
  }
  if (!a[1]) return one(s.emit(K::Max, {*x}, attrs, call.loc), call);
  if (a[1]->kind == Expr::Kind::List || a[1]->kind == Expr::Kind::Tuple) {
    s.error(a[1]->loc, "torch.max takes one dim; torch.amax(x, dim=(1, 2)) reduces several");
    return std::nullopt;
  }
  attrs.Axis = s.evalAxis(*a[1], (*x)->type.rank(), (*x)->type);
  if (!attrs.Axis) return std::nullopt;
  if (a[2]) {
    auto keep = s.evalBool(*a[2], "keepdim");
    if (!keep) return std::nullopt;
    attrs.Keepdim = *keep;
  }
  ir::Value *values = s.emit(K::Max, {*x}, attrs, call.loc);
  ir::Value *indices = values ? s.emit(K::Argmax, {*x}, attrs, call.loc) : nullptr;
  if (!indices) return std::nullopt;
  return std::vector<Operand>{Operand::tuple(
      {Operand{values, std::nullopt, call.loc}, Operand{indices, std::nullopt, call.loc}}, call.loc)};
}

const Builtin &torchMax() {
  static const Builtin b{{{"input"}, {"axis", false}, {"keepdim", false}, {"other", false}},
                         lowerTorchMax};
  return b;
}

/// logical_not/and/or: nonzero is true, the result bool.
Builtin logical(K op) {
  std::vector<ParamSpec> params = {{"input"}};
  if (op != K::BitwiseNot) params.push_back({"other"});
  return {params, [op](Sema &s, const CallSite &call, const Args &a) -> Results {
            std::vector<ir::Value *> operands;
            for (const Expr *e : a) {
              auto v = s.lowerTensor(*e);
              if (!v) return std::nullopt;
              if ((*v)->type.dtype != DType::Bool) *v = s.castTo(*v, DType::Bool, call.loc);
              if (!*v) return std::nullopt;
              operands.push_back(*v);
            }
            return one(s.emit(op, operands, {}, call.loc), call);
          }};
}

/// x.view(B, -1), x.reshape((B, -1)), x.permute(0, 2, 1): one list or tuple
/// argument, or the sizes as separate arguments.
Results lowerShapeMethod(Sema &s, const CallSite &call, bool permute) {
  auto x = s.lowerTensor(*call.receiver);
  if (!x) return std::nullopt;
  Args elements;
  for (const Argument &arg : *call.args) {
    if (!arg.keyword.empty()) {
      s.error(arg.keywordLoc, "'" + call.text + "' takes its sizes as positional arguments");
      return std::nullopt;
    }
    elements.push_back(arg.value.get());
  }
  if (elements.size() == 1 &&
      (elements[0]->kind == Expr::Kind::List || elements[0]->kind == Expr::Kind::Tuple))
    elements = elementsOf(*elements[0]);
  if (permute) return lowerPermuteTo(s, call, *x, elements);
  return lowerReshapeTo(s, call, *x, elements, call.loc);
}

/// x.float(), x.long(), x.int(), x.bool() and x.contiguous() (the identity:
/// attn's values have no strides).
std::optional<DType> conversionMethod(const std::string &name) {
  if (name == "float") return DType::F32;
  if (name == "long") return DType::I64;
  if (name == "int") return DType::I32;
  if (name == "bool") return DType::Bool;
  return std::nullopt;
}

std::optional<Operand> asOperand(Results results, llvm::SMLoc loc) {
  if (!results) return std::nullopt;
  if (results->size() == 1) return results->front();
  return Operand::tuple(std::move(*results), loc);
}

/// PyTorch names whose attn spelling differs, for did-you-mean and for the
/// unknown-name messages (a name here that is also callable never reaches it).
const std::map<std::string, std::string> &pytorchToAttn() {
  static const std::map<std::string, std::string> table = {
      {"view", "reshape(x, [...]) or x.view(...)"},
      {"flatten", "reshape(x, [B, -1])"},
      {"size", "a dim: declare `dim B` and use B"},
      {"expand", "broadcasting: a [B, 1, D] tensor meets a [B, T, D] one"},
      {"repeat", "broadcasting, or concat([x, x], dim=...)"},
      {"einsum", "matmul (@), transpose and sum"},
      {"dropout", "nothing (inference): drop the call"},
      {"softmax_", "softmax"},
      {"min", "minimum(a, b), or -max(-x, dim=...)"},
      {"clamp", "maximum(minimum(x, hi), lo)"},
      {"baddbmm", "bmm(a, b) + c"},
      {"addmm", "a @ b + c"},
      {"logsumexp", "log(sum(exp(x), dim=...))"},
      {"zeros", "a literal: 0 broadcasts against any tensor"},
      {"zeros_like", "a literal: 0 broadcasts against any tensor"},
      {"ones", "a literal: 1 broadcasts against any tensor"},
      {"ones_like", "a literal: 1 broadcasts against any tensor"},
      {"Sequential", "one layer per line, called in turn"},
      {"ModuleList", "layers named layers.0, layers.1, ... (dotted names)"},
      {"Parameter", "param NAME: f32[...]"},
      {"forward", "fn forward(x: f32[B, T]) -> (y: f32[B]) { ... }"},
      {"def", "fn"},
      {"class", "model"},
      {"self", "the name without self."},
  };
  return table;
}

} // namespace

const std::map<std::string, Builtin> &pytorchFunctions() {
  static const std::map<std::string, Builtin> table = {
      {"cat", {{{"tensors"}, {"axis", false}},
               [](Sema &s, const CallSite &c, const Args &a) { return lowerConcat(s, c, a, "cat", false); }}},
      {"stack", {{{"tensors"}, {"axis", false}},
                 [](Sema &s, const CallSite &c, const Args &a) { return lowerConcat(s, c, a, "stack", true); }}},
      {"bmm", matmulOfRank(3)},
      {"mm", matmulOfRank(2)},
      {"matmul", matmulOfRank(0)},
      {"add", binaryFn(K::Add)}, // torch.add: the operator
      {"sub", binaryFn(K::Sub)},
      {"mul", binaryFn(K::Mul)},
      {"div", binaryFn(K::Div)},
      {"amax", reductionFn(K::Max, /*severalAxes=*/true)}, // attn's max, over one or several axes
      {"masked_fill", {{{"input"}, {"mask"}, {"value"}}, lowerMaskedFill}},
      {"chunk", {{{"input"}, {"chunks"}, {"axis", false}}, lowerChunk}},
      {"split", {{{"tensor"}, {"split_size_or_sections"}, {"axis", false}}, lowerSplit}},
      {"view", *findBuiltin("reshape")}, // view(x, [B, -1]); x.view(B, -1) is a method
      {"logical_not", logical(K::BitwiseNot)},
      {"logical_and", logical(K::BitwiseAnd)},
      {"logical_or", logical(K::BitwiseOr)},
  };
  return table;
}

std::optional<std::string> Sema::pytorchSpelling(const std::string &name) {
  std::string bare = withoutModulePrefix(withoutSelf(name), kFunctionNamespaces);
  if (auto it = pytorchToAttn().find(bare); it != pytorchToAttn().end()) return it->second;
  return std::nullopt;
}

std::optional<Operand> Sema::lowerMethod(const std::string &name, const Expr &receiver, const CallSite &call) {
  if (name == "contiguous" || conversionMethod(name)) {
    if (!call.args->empty()) {
      error(call.args->front().value->loc, "'" + name + "()' takes no arguments");
      return std::nullopt;
    }
    auto x = lowerTensor(receiver);
    if (!x) return std::nullopt;
    ir::Value *v = name == "contiguous" ? *x : castTo(*x, *conversionMethod(name), call.loc);
    if (!v) return std::nullopt;
    return Operand{v, std::nullopt, call.loc};
  }
  if (name == "view" || name == "reshape" || name == "permute")
    return asOperand(lowerShapeMethod(*this, call, name == "permute"), call.loc);
  if (const Builtin *b = name == "max" ? &torchMax() : findBuiltin(name)) {
    auto args = bindArguments(call, b->params);
    if (!args) return std::nullopt;
    return asOperand(b->lower(*this, call, *args), call.loc);
  }
  std::string hint;
  if (auto spelling = pytorchSpelling(name)) hint = "; write " + *spelling;
  else hint = didYouMean(name, builtinNames());
  error(call.loc, "unknown method '" + name + "'" + hint);
  return std::nullopt;
}

std::optional<Operand> Sema::lowerCall(const Expr &e) {
  if (auto value = specialFloat(e)) return Operand{nullptr, ConstValue{true, 0, *value}, e.loc};
  if (e.text == "math.sqrt" && !resolve("math.sqrt")) { // a constant: scores / math.sqrt(d)
    auto value = evalConst(e);
    if (!value) return std::nullopt;
    return Operand{nullptr, *value, e.loc};
  }
  const Symbol *s = resolve(e.text);
  if (s && s->kind == Symbol::Kind::Layer) return lowerLayerCall(e, *s->layer);
  if (s) {
    error(e.loc, "'" + e.text + "' is not a layer or a function, it cannot be called");
    return std::nullopt;
  }
  CallSite call = CallSite::of(e);
  if (isBuiltin(e.text)) return asOperand(lowerBuiltin(e.text, call), e.loc);
  // torch.cat(...), F.softmax(...): the function under its PyTorch name.
  std::string bare = withoutModulePrefix(e.text, kFunctionNamespaces);
  if (const Builtin *b = bare == "max" ? &torchMax() : findBuiltin(bare); b && bare != e.text) {
    auto args = bindArguments(call, b->params);
    if (!args) return std::nullopt;
    return asOperand(b->lower(*this, call, *args), e.loc);
  }
  // x.sum(dim=1): a method of the value named before the last dot.
  if (size_t dot = e.text.rfind('.'); dot != std::string::npos && bare == e.text) {
    std::string object = e.text.substr(0, dot);
    if (const Symbol *o = resolve(object); o && o->kind != Symbol::Kind::Layer) {
      auto receiver = std::make_unique<Expr>(Expr::Kind::Name, e.loc);
      receiver->text = object;
      const Expr &r = synthesize(std::move(receiver));
      return lowerMethod(e.text.substr(dot + 1), r, CallSite{e.text, e.loc, &r, &e.args});
    }
  }
  if (auto spelling = pytorchSpelling(e.text)) {
    error(e.loc, "unknown function '" + e.text + "'; write " + *spelling);
    return std::nullopt;
  }
  std::vector<std::string> callables = builtinNames();
  for (const auto &l : layers_) callables.push_back(l->name);
  error(e.loc, "unknown function '" + e.text + "'" + didYouMean(bare, callables));
  return std::nullopt;
}

} // namespace attn::frontend
