// The primitive functions of language.md, each with its Python-style
// signature (positional or keyword arguments, PyTorch's defaults) and its
// lowering to graph ops. Axes may be negative and are normalised here.
#include "frontend/Builtins.h"

#include <algorithm>

namespace attn::frontend {

Results one(ir::Value *v, const CallSite &call) {
  if (!v) return std::nullopt;
  return std::vector<Operand>{Operand{v, std::nullopt, call.loc}};
}

namespace {

/// A unary op or softmax that computes in f32 (ops.def's T_FLOAT) casts an
/// integer input to f32 first, as torch.tanh and torch.softmax do.
ir::Value *inputFor(Sema &s, ir::OpKind op, ir::Value *x, llvm::SMLoc loc) {
  return ir::hasTrait(op, ir::T_FLOAT) ? s.castTo(x, DType::F32, loc) : x;
}

Builtin unary(ir::OpKind op) {
  return {{{"input"}}, [op](Sema &s, const CallSite &call, const Args &a) -> Results {
            auto x = s.lowerTensor(*a[0]);
            if (!x) return std::nullopt;
            return one(s.emit(op, {inputFor(s, op, *x, call.loc)}, {}, call.loc), call);
          }};
}

} // namespace

Builtin binaryFn(ir::OpKind op) {
  return {{{"input"}, {"other"}}, [op](Sema &s, const CallSite &call, const Args &a) -> Results {
            auto x = s.lowerExpr(*a[0]);
            if (!x) return std::nullopt;
            auto y = s.lowerExpr(*a[1]);
            if (!y) return std::nullopt;
            auto r = s.binary(op, *x, *y, call.loc);
            if (!r) return std::nullopt;
            return std::vector<Operand>{*r};
          }};
}

namespace {

} // namespace

/// sum, mean, max, argmax: (input, axis=all, keepdim=false). PyTorch's sum,
/// mean and amax also take a list or tuple of axes (`x.sum(dim=(1, 2))`; an
/// empty one means all, as in torch 1.13): the IR reduces one axis at a time,
/// so those become single-axis reductions from the last axis down (the
/// earlier axes keep their numbers without keepdim). A mean of means over
/// equal-sized groups is the mean over all of them. sum of bool counts: the
/// mask becomes i64 first, as torch.sum of a bool tensor gives int64.
Builtin reductionFn(ir::OpKind op, bool severalAxes) {
  return {{{"input"}, {"axis", false}, {"keepdim", false}},
          [op, severalAxes](Sema &s, const CallSite &call, const Args &a) -> Results {
            auto x = s.lowerTensor(*a[0]);
            if (!x) return std::nullopt;
            const ir::Type &type = (*x)->type;
            if (op == ir::OpKind::Mean && type.dtype != DType::F32) {
              s.error(call.loc, "mean expects f32, got " + type.str() +
                                     " (torch.mean refuses integer and bool tensors too); "
                                     "cast first: x.float().mean(...)");
              return std::nullopt;
            }
            ir::Attrs attrs;
            if (a[2]) {
              auto k = s.evalBool(*a[2], "keepdim");
              if (!k) return std::nullopt;
              attrs.Keepdim = *k;
            }
            std::vector<int64_t> axes; // empty: every axis, in one op
            if (a[1] && (a[1]->kind == Expr::Kind::List || a[1]->kind == Expr::Kind::Tuple)) {
              if (!severalAxes) {
                s.error(a[1]->loc, "'" + call.text + "' takes one axis, not a list" +
                                       (op == ir::OpKind::Max
                                            ? "; torch.amax(x, dim=(1, 2)) reduces several"
                                            : ""));
                return std::nullopt;
              }
              for (const ExprPtr &e : a[1]->elements) {
                auto axis = s.evalAxis(*e, type.rank(), type);
                if (!axis) return std::nullopt;
                if (std::find(axes.begin(), axes.end(), *axis) != axes.end()) {
                  s.error(e->loc, "axis " + std::to_string(*axis) + " appears twice in the list of axes");
                  return std::nullopt;
                }
                axes.push_back(*axis);
              }
              std::sort(axes.rbegin(), axes.rend());
            } else if (a[1]) {
              auto axis = s.evalAxis(*a[1], type.rank(), type);
              if (!axis) return std::nullopt;
              axes.push_back(*axis);
            }
            ir::Value *v = *x;
            if (op == ir::OpKind::Sum && type.dtype == DType::Bool) v = s.castTo(v, DType::I64, call.loc);
            if (axes.empty()) return one(v ? s.emit(op, {v}, attrs, call.loc) : nullptr, call);
            for (int64_t axis : axes) {
              attrs.Axis = axis;
              if (v) v = s.emit(op, {v}, attrs, call.loc);
            }
            return one(v, call);
          }};
}

namespace {

Results lowerSoftmax(Sema &s, const CallSite &call, const Args &a, ir::OpKind op) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  ir::Value *input = inputFor(s, op, *x, call.loc);
  ir::Attrs attrs;
  attrs.Axis = s.evalAxis(*a[1], input->type.rank(), input->type);
  if (!attrs.Axis) return std::nullopt;
  std::vector<ir::Value *> operands = {input};
  if (a.size() > 2 && a[2]) {
    auto mask = s.lowerTensor(*a[2]);
    if (!mask) return std::nullopt;
    operands.push_back(*mask);
  }
  return one(s.emit(op, operands, attrs, call.loc), call);
}

Results lowerWhere(Sema &s, const CallSite &call, const Args &a) {
  auto cond = s.lowerTensor(*a[0]);
  if (!cond) return std::nullopt;
  auto x = s.lowerExpr(*a[1]);
  if (!x) return std::nullopt;
  auto y = s.lowerExpr(*a[2]);
  if (!y) return std::nullopt;
  DType dtype = promoteOperands(*x, *y); // as a binary operator would
  return one(s.emit(ir::OpKind::Where, {*cond, s.materialize(*x, dtype), s.materialize(*y, dtype)},
                    {}, call.loc),
             call);
}

Results lowerCast(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  std::optional<DType> dtype;
  if (a[1]->kind == Expr::Kind::Name) dtype = parseDTypeName(a[1]->text);
  if (!dtype) {
    s.error(a[1]->loc, "cast expects a dtype: f32, i64, i32 or bool");
    return std::nullopt;
  }
  return one(s.castTo(*x, *dtype, call.loc), call);
}

Results lowerTranspose(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  const ir::Type &t = (*x)->type;
  ir::Attrs attrs;
  attrs.Axis = s.evalAxis(*a[1], t.rank(), t);
  auto axis2 = attrs.Axis ? s.evalAxis(*a[2], t.rank(), t) : std::nullopt;
  if (!axis2) return std::nullopt;
  attrs.Axis2 = *axis2;
  return one(s.emit(ir::OpKind::Transpose, {*x}, attrs, call.loc), call);
}

} // namespace

/// A list or a tuple (PyTorch's `x.permute((0, 2, 1))`).
const Expr *requireList(Sema &s, const Expr *e, const char *what) {
  if (e->kind == Expr::Kind::List || e->kind == Expr::Kind::Tuple) return e;
  s.error(e->loc, std::string(what) + " must be a list, as in [0, 2, 1]");
  return nullptr;
}

Args elementsOf(const Expr &list) {
  Args elements;
  for (const ExprPtr &e : list.elements) elements.push_back(e.get());
  return elements;
}

Results lowerPermuteTo(Sema &s, const CallSite &call, ir::Value *x, const Args &dims) {
  ir::Attrs attrs;
  for (const Expr *e : dims) {
    auto axis = s.evalAxis(*e, x->type.rank(), x->type);
    if (!axis) return std::nullopt;
    attrs.Perm.push_back(*axis);
  }
  return one(s.emit(ir::OpKind::Permute, {x}, attrs, call.loc), call);
}

Results lowerReshapeTo(Sema &s, const CallSite &call, ir::Value *x, const Args &shape, llvm::SMLoc loc) {
  ir::Attrs attrs;
  std::optional<size_t> inferred;
  ir::Dim known(1);
  for (const Expr *e : shape) {
    auto dim = s.evalDim(*e);
    if (!dim) return std::nullopt;
    if (*dim == ir::Dim(-1)) {
      if (inferred) {
        s.error(e->loc, "reshape allows only one -1");
        return std::nullopt;
      }
      inferred = attrs.Shape.size();
    } else {
      known = known * *dim;
    }
    attrs.Shape.push_back(*dim);
  }
  if (inferred) {
    ir::Dim total(1);
    for (const ir::Dim &d : x->type.shape) total = total * d;
    auto missing = total.divideExact(known);
    if (!missing) {
      s.error(loc, "cannot reshape " + x->type.str() + " to " + ir::dimsToString(attrs.Shape) +
                       ": -1 cannot be inferred");
      return std::nullopt;
    }
    attrs.Shape[*inferred] = *missing;
  }
  return one(s.emit(ir::OpKind::Reshape, {x}, attrs, call.loc), call);
}

namespace {

Results lowerPermute(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  const Expr *list = requireList(s, a[1], "permute's dims");
  if (!list) return std::nullopt;
  return lowerPermuteTo(s, call, *x, elementsOf(*list));
}

Results lowerReshape(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  const Expr *list = requireList(s, a[1], "reshape's shape");
  if (!list) return std::nullopt;
  return lowerReshapeTo(s, call, *x, elementsOf(*list), list->loc);
}

/// squeeze (axis optional) and unsqueeze (axis in [-rank-1, rank]).
Results lowerSqueeze(Sema &s, const CallSite &call, const Args &a, ir::OpKind op) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  ir::Attrs attrs;
  if (a[1]) {
    int64_t rank = (*x)->type.rank() + (op == ir::OpKind::Unsqueeze ? 1 : 0);
    attrs.Axis = s.evalAxis(*a[1], rank, (*x)->type);
    if (!attrs.Axis) return std::nullopt;
  }
  return one(s.emit(op, {*x}, attrs, call.loc), call);
}


/// Python slicing: negative bounds count from the end; constant bounds clamp.
Results lowerSlice(Sema &s, const CallSite &call, const Args &a) {
  auto x = s.lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  const ir::Type &t = (*x)->type;
  auto axis = s.evalAxis(*a[1], t.rank(), t);
  if (!axis) return std::nullopt;
  const ir::Dim &size = t.shape[*axis];
  auto start = sliceBound(s, *a[2], size);
  if (!start) return std::nullopt;
  auto end = sliceBound(s, *a[3], size);
  if (!end) return std::nullopt;
  return one(sliceOf(s, *x, *axis, *start, *end, call.loc), call);
}

Results lowerSequenceMask(Sema &s, const CallSite &call, const Args &a) {
  auto lengths = s.lowerTensor(*a[0]);
  if (!lengths) return std::nullopt;
  auto maxlen = s.evalDim(*a[1]);
  if (!maxlen) return std::nullopt;
  ir::Attrs attrs;
  attrs.Length = *maxlen;
  return one(s.emit(ir::OpKind::SequenceMask, {*lengths}, attrs, call.loc), call);
}

/// The ops with a signature of their own (ops.def's B_OWN), by op.
const std::map<ir::OpKind, Builtin> &ownBuiltins() {
  using K = ir::OpKind;
  static const std::map<ir::OpKind, Builtin> table = {
      {K::Where, {{{"condition"}, {"input"}, {"other"}}, lowerWhere}},
      {K::Cast, {{{"input"}, {"dtype"}}, lowerCast}},
      {K::Softmax, {{{"input"}, {"axis"}, {"mask", false}},
                    [](Sema &s, const CallSite &c, const Args &a) { return lowerSoftmax(s, c, a, K::Softmax); }}},
      {K::LogSoftmax, {{{"input"}, {"axis"}},
                       [](Sema &s, const CallSite &c, const Args &a) { return lowerSoftmax(s, c, a, K::LogSoftmax); }}},
      {K::Transpose, {{{"input"}, {"axis0"}, {"axis1"}}, lowerTranspose}},
      {K::Permute, {{{"input"}, {"dims"}}, lowerPermute}},
      {K::Reshape, {{{"input"}, {"shape"}}, lowerReshape}},
      {K::Squeeze, {{{"input"}, {"axis", false}},
                    [](Sema &s, const CallSite &c, const Args &a) { return lowerSqueeze(s, c, a, K::Squeeze); }}},
      {K::Unsqueeze, {{{"input"}, {"axis"}},
                      [](Sema &s, const CallSite &c, const Args &a) { return lowerSqueeze(s, c, a, K::Unsqueeze); }}},
      {K::Concat, {{{"tensors"}, {"axis", false}},
                   [](Sema &s, const CallSite &c, const Args &a) { return lowerConcat(s, c, a, "concat", false); }}},
      {K::Slice, {{{"input"}, {"axis"}, {"start"}, {"end"}}, lowerSlice}},
      {K::SequenceMask, {{{"lengths"}, {"maxlen"}}, lowerSequenceMask}},
  };
  return table;
}

/// Every builtin, under its op's mnemonic, from ops.def's builtin column.
const std::map<std::string, Builtin> &builtins() {
  static const std::map<std::string, Builtin> table = [] {
    std::map<std::string, Builtin> t;
    for (ir::OpKind op : ir::allOpKinds()) {
      std::string name(ir::mnemonic(op));
      switch (ir::opInfo(op).builtin) {
      case ir::BuiltinForm::None: break;
      case ir::BuiltinForm::Unary: t.emplace(name, unary(op)); break;
      case ir::BuiltinForm::Binary: t.emplace(name, binaryFn(op)); break;
      case ir::BuiltinForm::Reduction:
        t.emplace(name, reductionFn(op, op == ir::OpKind::Sum || op == ir::OpKind::Mean));
        break;
      case ir::BuiltinForm::Own:
        // A B_OWN op without an entry is not a builtin; SemaTest names it.
        if (auto it = ownBuiltins().find(op); it != ownBuiltins().end()) t.emplace(name, it->second);
        break;
      }
    }
    return t;
  }();
  return table;
}

} // namespace

std::optional<ir::Dim> sliceBound(Sema &s, const Expr &e, const ir::Dim &size) {
  auto d = s.evalDim(e);
  if (!d) return std::nullopt;
  if (auto c = d->constant()) {
    int64_t v = *c;
    if (v < 0) {
      if (!size.isConstant()) return size + *d;
      v += *size.constant();
    }
    if (auto n = size.constant()) v = std::min(std::max<int64_t>(v, 0), *n);
    return ir::Dim(v);
  }
  return d;
}

ir::Value *sliceOf(Sema &s, ir::Value *x, int64_t axis, ir::Dim start, ir::Dim end, llvm::SMLoc loc) {
  if (start.isConstant() && end.isConstant() && *end.constant() < *start.constant()) end = start;
  ir::Attrs attrs;
  attrs.Axis = axis;
  attrs.Start = start;
  attrs.End = end;
  return s.emit(ir::OpKind::Slice, {x}, attrs, loc);
}

Results lowerConcat(Sema &s, const CallSite &call, const Args &a, const std::string &name, bool stack) {
  const Expr *list = requireList(s, a[0], (name + "'s tensors").c_str());
  if (!list) return std::nullopt;
  if (list->elements.empty()) {
    s.error(list->loc, name + " needs at least one tensor");
    return std::nullopt;
  }
  std::vector<ir::Value *> values;
  for (const ExprPtr &e : list->elements) {
    auto v = s.lowerTensor(*e);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  const ir::Type &first = values.front()->type;
  ir::Attrs attrs;
  attrs.Axis = 0;
  if (a[1]) attrs.Axis = s.evalAxis(*a[1], first.rank() + (stack ? 1 : 0), first);
  if (!attrs.Axis) return std::nullopt;
  if (stack)
    for (ir::Value *&v : values) {
      ir::Attrs u;
      u.Axis = attrs.Axis;
      v = s.emit(ir::OpKind::Unsqueeze, {v}, u, call.loc);
      if (!v) return std::nullopt;
    }
  return one(s.emit(ir::OpKind::Concat, values, attrs, call.loc), call);
}

const Builtin *findBuiltin(const std::string &name) {
  if (auto it = builtins().find(name); it != builtins().end()) return &it->second;
  if (auto it = pytorchFunctions().find(name); it != pytorchFunctions().end()) return &it->second;
  return nullptr;
}

bool Sema::isBuiltin(const std::string &name) const { return findBuiltin(name) != nullptr; }

std::vector<std::string> Sema::builtinNames() const {
  std::vector<std::string> names;
  for (const auto &[name, b] : builtins()) names.push_back(name);
  for (const auto &[name, b] : pytorchFunctions()) names.push_back(name);
  return names;
}

std::optional<std::vector<Operand>> Sema::lowerBuiltin(const std::string &name, const CallSite &call) {
  const Builtin &b = *findBuiltin(name);
  auto args = bindArguments(call, b.params);
  if (!args) return std::nullopt;
  return b.lower(*this, call, *args);
}

std::optional<std::vector<const Expr *>> Sema::bindArguments(const CallSite &call,
                                                             const std::vector<ParamSpec> &params) {
  std::vector<const Expr *> bound(params.size(), nullptr);
  size_t positional = 0;
  std::vector<std::string> names;
  for (const ParamSpec &p : params) names.push_back(p.name);
  if (call.receiver && !params.empty()) bound[positional++] = call.receiver;
  for (const Argument &arg : *call.args) {
    size_t index;
    if (arg.keyword.empty()) {
      index = positional++;
      if (index >= params.size()) {
        error(arg.value->loc, "too many arguments to '" + call.text + "': it takes at most " +
                                  std::to_string(params.size() - (call.receiver ? 1 : 0)));
        return std::nullopt;
      }
    } else {
      auto it = std::find(names.begin(), names.end(), arg.keyword);
      // PyTorch's names for the axes: softmax(x, dim=1), transpose(x, dim0=1, dim1=2).
      static const std::pair<const char *, const char *> pytorchNames[] = {
          {"dim", "axis"}, {"dim0", "axis0"}, {"dim1", "axis1"}};
      for (auto [pytorch, attn] : pytorchNames)
        if (it == names.end() && arg.keyword == pytorch) it = std::find(names.begin(), names.end(), attn);
      if (it == names.end()) {
        error(arg.keywordLoc, "'" + call.text + "' has no argument named '" + arg.keyword + "'" +
                                  didYouMean(arg.keyword, names));
        return std::nullopt;
      }
      index = size_t(it - names.begin());
    }
    if (bound[index]) {
      error(arg.keyword.empty() ? arg.value->loc : arg.keywordLoc,
            "argument '" + names[index] + "' of '" + call.text + "' is given twice");
      return std::nullopt;
    }
    bound[index] = arg.value.get();
  }
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].required && !bound[i]) {
      error(call.loc, "'" + call.text + "' is missing its argument '" + names[i] + "'");
      return std::nullopt;
    }
  return bound;
}

} // namespace attn::frontend
