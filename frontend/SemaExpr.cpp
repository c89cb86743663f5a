// Expressions: names, literals, operators and calls, with PyTorch's type
// promotion. A literal (or a `let` used as a value) stays untyped until it
// meets a tensor, whose dtype it takes (a float literal with an integer tensor
// gives f32, as in PyTorch); two literals fold at compile time.
#include "frontend/Sema.h"

#include <map>

namespace attn::frontend {

namespace {

DType literalDType(const ConstValue &c) { return c.isFloat ? DType::F32 : DType::I64; }

} // namespace

namespace {

const std::map<std::string, ir::OpKind> &binaryOperators() {
  static const std::map<std::string, ir::OpKind> ops = {
      {"+", ir::OpKind::Add},        {"-", ir::OpKind::Sub},          {"*", ir::OpKind::Mul},
      {"/", ir::OpKind::Div},        {"@", ir::OpKind::MatMul},       {"==", ir::OpKind::Equal},
      {"!=", ir::OpKind::NotEqual},  {"<", ir::OpKind::Less},         {"<=", ir::OpKind::LessEqual},
      {">", ir::OpKind::Greater},    {">=", ir::OpKind::GreaterEqual}, {"&", ir::OpKind::BitwiseAnd},
      {"|", ir::OpKind::BitwiseOr}};
  return ops;
}

/// How an op is written in a message: its operator, else its mnemonic.
std::string spelling(ir::OpKind op) {
  for (const auto &[text, kind] : binaryOperators())
    if (kind == op) return text;
  return std::string(ir::mnemonic(op));
}

} // namespace

ir::OpKind binaryOpKind(const std::string &op) { return binaryOperators().at(op); }

/// The common dtype of a binary operation (PyTorch's promotion: a float wins;
/// a zero-dim integer tensor does not widen an integer tensor of rank >= 1).
DType promoteOperands(const Operand &a, const Operand &b) {
  if (a.isLiteral() && b.isLiteral())
    return a.literal->isFloat || b.literal->isFloat ? DType::F32 : DType::I64;
  if (a.isLiteral() || b.isLiteral()) {
    const Operand &lit = a.isLiteral() ? a : b, &t = a.isLiteral() ? b : a;
    DType dt = t.value->type.dtype;
    if (lit.literal->isFloat && !isFloat(dt)) return DType::F32;
    if (dt == DType::Bool) return DType::I64;
    return dt;
  }
  DType x = a.value->type.dtype, y = b.value->type.dtype;
  if (x == y) return x;
  if (x == DType::F32 || y == DType::F32) return DType::F32;
  if (x == DType::Bool) return y;
  if (y == DType::Bool) return x;
  if (a.value->type.isScalar() && !b.value->type.isScalar()) return y;
  if (b.value->type.isScalar() && !a.value->type.isScalar()) return x;
  return DType::I64;
}

ir::Value *Sema::emit(ir::OpKind op, std::vector<ir::Value *> operands, ir::Attrs attrs,
                      llvm::SMLoc loc) {
  auto results = emitMulti(op, std::move(operands), std::move(attrs), loc);
  return results ? results->front() : nullptr;
}

std::optional<std::vector<ir::Value *>> Sema::emitMulti(ir::OpKind op,
                                                        std::vector<ir::Value *> operands,
                                                        ir::Attrs attrs, llvm::SMLoc loc) {
  ir::Builder builder(*graph_);
  auto node = builder.create(op, std::move(operands), std::move(attrs), irLoc(loc));
  if (!node) {
    error(loc, node.message());
    return std::nullopt;
  }
  return (*node)->results;
}

ir::Value *Sema::materialize(const Operand &o, DType dtype) {
  if (!o.isLiteral()) return castTo(o.value, dtype, o.loc);
  return ir::Builder(*graph_).constant(o.literal->asDouble(), dtype, irLoc(o.loc));
}

ir::Value *Sema::castTo(ir::Value *v, DType dtype, llvm::SMLoc loc) {
  if (v->type.dtype == dtype) return v;
  ir::Attrs a;
  a.DType = dtype;
  return emit(ir::OpKind::Cast, {v}, a, loc);
}

std::optional<ir::Value *> Sema::lowerTensor(const Expr &e) {
  auto o = lowerExpr(e);
  if (!o) return std::nullopt;
  if (o->isLiteral()) return materialize(*o, literalDType(*o->literal));
  return o->value;
}

std::optional<Operand> Sema::binary(ir::OpKind op, Operand lhs, Operand rhs, llvm::SMLoc loc) {
  using K = ir::OpKind;
  bool isArithmetic = op == K::Add || op == K::Sub || op == K::Mul || op == K::Div ||
                      op == K::Maximum || op == K::Minimum || op == K::MatMul;
  if (lhs.isLiteral() && rhs.isLiteral()) {
    if (!isArithmetic) {
      error(loc, "'" + spelling(op) + "' needs a tensor operand, not two numbers");
      return std::nullopt;
    }
    if (op == ir::OpKind::MatMul) {
      error(loc, "'@' needs tensor operands, not numbers");
      return std::nullopt;
    }
    auto folded = foldConstants(op, *lhs.literal, *rhs.literal);
    if (!folded) {
      error(loc, folded.message());
      return std::nullopt;
    }
    return Operand{nullptr, *folded, loc};
  }
  if (op == ir::OpKind::MatMul && (lhs.isLiteral() || rhs.isLiteral())) {
    error(loc, "'@' needs tensor operands, not a number");
    return std::nullopt;
  }
  DType dtype = op == ir::OpKind::Div ? DType::F32 : promoteOperands(lhs, rhs);
  if ((op == K::BitwiseAnd || op == K::BitwiseOr) && dtype == DType::F32) {
    error(loc, "'" + std::string(op == K::BitwiseAnd ? "&" : "|") +
                   "' needs bool or integer tensors (PyTorch's bitwise_and/or), not f32");
    return std::nullopt;
  }
  ir::Value *a = materialize(lhs, dtype), *b = materialize(rhs, dtype);
  if (!a || !b) return std::nullopt;
  ir::Value *r = emit(op, {a, b}, {}, loc);
  if (!r) return std::nullopt;
  return Operand{r, std::nullopt, loc};
}

std::optional<Operand> Sema::lowerExpr(const Expr &e) {
  auto o = lowerValue(e);
  if (!o || !o->isTuple) return o;
  std::string n = std::to_string(o->elements.size());
  bool isCall = e.kind == Expr::Kind::Call || e.kind == Expr::Kind::Method;
  std::string what = isCall                         ? "'" + e.text + "' returns " + n + " values"
                     : e.kind == Expr::Kind::Name ? "'" + e.text + "' is a tuple of " + n + " values"
                                                  : "this is a tuple of " + n + " values";
  std::string how = e.kind == Expr::Kind::Call ? "assign them with `a, b, ... = " + e.text + "(...)`"
                    : e.kind == Expr::Kind::Name
                        ? "unpack it (a, b = " + e.text + ") or take one with " + e.text + "[0]"
                        : "assign them with `a, b, ... = ...` or take one with [0]";
  error(e.loc, what + "; " + how);
  return std::nullopt;
}

std::optional<Operand> Sema::lowerValue(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Integer: case Expr::Kind::Float:
    return Operand{nullptr, evalConst(e), e.loc};
  case Expr::Kind::Bool:
    return Operand{ir::Builder(*graph_).constant(e.boolValue ? 1 : 0, DType::Bool, irLoc(e.loc)),
                   std::nullopt, e.loc};
  case Expr::Kind::String:
    error(e.loc, "a string is not a tensor value");
    return std::nullopt;
  case Expr::Kind::List:
    error(e.loc, "a list is not a tensor value here");
    return std::nullopt;
  case Expr::Kind::Slice: case Expr::Kind::Ellipsis:
    error(e.loc, "a slice or '...' may appear only inside a subscript, as in x[:, 1:]");
    return std::nullopt;
  case Expr::Kind::Tuple: {
    std::vector<Operand> elements;
    for (const ExprPtr &element : e.elements) {
      auto o = lowerValue(*element);
      if (!o) return std::nullopt;
      elements.push_back(std::move(*o));
    }
    return Operand::tuple(std::move(elements), e.loc);
  }
  case Expr::Kind::Name: {
    if (e.text == "_") {
      error(e.loc, "'_' discards a result; it cannot be read");
      return std::nullopt;
    }
    const Symbol *s = resolve(e.text);
    if (!s) {
      if (auto inf = specialFloat(e)) return Operand{nullptr, ConstValue{true, 0, *inf}, e.loc};
      // x.shape, x.T: an attribute of a value, which attn's values do not have.
      if (size_t dot = e.text.rfind('.'); dot != std::string::npos) {
        const Symbol *object = resolve(e.text.substr(0, dot));
        if (object && (object->kind == Symbol::Kind::Value || object->kind == Symbol::Kind::Param)) {
          std::string attribute = e.text.substr(dot + 1);
          std::string hint = attribute == "T"       ? "; write transpose(x, 0, 1) or x.transpose(0, 1)"
                             : attribute == "shape" ? "; a size is a dim: declare `dim B` and use B"
                                                    : "; call a method with (...), as in x.sum(dim=1)";
          error(e.loc, "a tensor has no attribute '" + attribute + "'" + hint);
          return std::nullopt;
        }
      }
      error(e.loc, "unknown name '" + e.text + "'" + didYouMean(e.text, visibleNames()));
      return std::nullopt;
    }
    switch (s->kind) {
    case Symbol::Kind::Let: return Operand{nullptr, s->constant, e.loc};
    case Symbol::Kind::Dim: {
      ir::Attrs a;
      a.Symbol = e.text;
      ir::Value *v = emit(ir::OpKind::DimValue, {}, a, e.loc);
      if (!v) return std::nullopt;
      return Operand{v, std::nullopt, e.loc};
    }
    case Symbol::Kind::Param: case Symbol::Kind::Value:
      return Operand{s->value, std::nullopt, e.loc};
    case Symbol::Kind::Tuple: {
      Operand o = s->tuple;
      o.loc = e.loc;
      return o;
    }
    case Symbol::Kind::Layer:
      error(e.loc, "'" + e.text + "' is a layer; call it, as in " + e.text + "(x)");
      return std::nullopt;
    }
    return std::nullopt;
  }
  case Expr::Kind::Negate: case Expr::Kind::Invert: {
    auto o = lowerExpr(*e.elements[0]);
    if (!o) return std::nullopt;
    bool negate = e.kind == Expr::Kind::Negate;
    if (o->isLiteral()) {
      if (!negate) {
        error(e.loc, "'~' needs a bool or integer tensor, not a number");
        return std::nullopt;
      }
      auto negated = negateConstant(*o->literal);
      if (!negated) {
        error(e.loc, negated.message());
        return std::nullopt;
      }
      return Operand{nullptr, *negated, e.loc};
    }
    if (!negate && o->value->type.dtype == DType::F32) {
      error(e.loc, "'~' needs a bool or integer tensor (PyTorch's bitwise_not), not f32");
      return std::nullopt;
    }
    ir::Value *v = emit(negate ? ir::OpKind::Neg : ir::OpKind::BitwiseNot, {o->value}, {}, e.loc);
    if (!v) return std::nullopt;
    return Operand{v, std::nullopt, e.loc};
  }
  case Expr::Kind::Binary: {
    auto lhs = lowerExpr(*e.elements[0]);
    if (!lhs) return std::nullopt;
    auto rhs = lowerExpr(*e.elements[1]);
    if (!rhs) return std::nullopt;
    return binary(binaryOpKind(e.op), *lhs, *rhs, e.loc);
  }
  case Expr::Kind::Call: return lowerCall(e);
  case Expr::Kind::Method: return lowerMethod(e.text, *e.elements[0], CallSite{e.text, e.loc, e.elements[0].get(), &e.args});
  case Expr::Kind::Index: return lowerIndex(e);
  }
  return std::nullopt;
}

} // namespace attn::frontend
