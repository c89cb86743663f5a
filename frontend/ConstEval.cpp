// Compile-time evaluation: `let` constants (integer and float arithmetic over
// literals and earlier lets), dimensions (integers, lets and dims under
// + - *), types, axes and boolean arguments.
#include "frontend/Sema.h"

#include <algorithm>
#include <cmath>

namespace attn::frontend {

Result<ConstValue> foldConstants(ir::OpKind op, const ConstValue &a, const ConstValue &b) {
  ConstValue r;
  if (op == ir::OpKind::Div) { // Python's true division
    if (b.asDouble() == 0) return Status::error("division by zero in a constant expression");
    r.isFloat = true;
    r.floatValue = a.asDouble() / b.asDouble();
    return r;
  }
  bool isMax = op == ir::OpKind::Maximum;
  if (isMax || op == ir::OpKind::Minimum) { // torch.maximum: the first on ties
    bool takeB = isMax ? a.asDouble() < b.asDouble() : b.asDouble() < a.asDouble();
    r = takeB ? b : a;
    if (a.isFloat || b.isFloat) r.floatValue = r.asDouble(), r.isFloat = true;
    return r;
  }
  if (a.isFloat || b.isFloat) {
    r.isFloat = true;
    double x = a.asDouble(), y = b.asDouble();
    r.floatValue = op == ir::OpKind::Add ? x + y : op == ir::OpKind::Sub ? x - y : x * y;
    return r;
  }
  int64_t x = a.intValue, y = b.intValue, z;
  bool overflow = op == ir::OpKind::Add   ? __builtin_add_overflow(x, y, &z)
                  : op == ir::OpKind::Sub ? __builtin_sub_overflow(x, y, &z)
                                          : __builtin_mul_overflow(x, y, &z);
  if (overflow) return Status::error("integer overflow in a constant expression");
  r.intValue = z;
  return r;
}

Result<ConstValue> negateConstant(const ConstValue &a) {
  ConstValue r = a;
  if (a.isFloat) r.floatValue = -a.floatValue;
  else if (__builtin_sub_overflow(int64_t(0), a.intValue, &r.intValue))
    return Status::error("integer overflow in a constant expression");
  return r;
}

std::optional<ConstValue> Sema::evalConst(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Integer: return ConstValue{false, e.intValue, 0};
  case Expr::Kind::Float: return ConstValue{true, 0, e.floatValue};
  case Expr::Kind::Name: {
    const Symbol *s = lookup(e.text);
    if (s && s->kind == Symbol::Kind::Let) return s->constant;
    if (!s)
      if (auto special = specialFloat(e)) return ConstValue{true, 0, *special};
    if (!s) {
      std::vector<std::string> lets;
      for (const std::string &n : visibleNames())
        if (lookup(n)->kind == Symbol::Kind::Let) lets.push_back(n);
      error(e.loc, "unknown constant '" + e.text + "'" + didYouMean(e.text, lets));
    } else {
      error(e.loc, "'" + e.text + "' is not a compile-time constant");
    }
    return std::nullopt;
  }
  case Expr::Kind::Negate: {
    auto v = evalConst(*e.elements[0]);
    if (!v) return std::nullopt;
    auto r = negateConstant(*v);
    if (!r) {
      error(e.loc, r.message());
      return std::nullopt;
    }
    return *r;
  }
  case Expr::Kind::Binary: {
    if (e.op != "+" && e.op != "-" && e.op != "*" && e.op != "/") {
      error(e.loc, "'" + e.op + "' is not a constant operation");
      return std::nullopt;
    }
    auto a = evalConst(*e.elements[0]);
    if (!a) return std::nullopt;
    auto b = evalConst(*e.elements[1]);
    if (!b) return std::nullopt;
    auto r = foldConstants(binaryOpKind(e.op), *a, *b);
    if (!r) {
      error(e.loc, r.message());
      return std::nullopt;
    }
    return *r;
  }
  case Expr::Kind::Call:
    if (auto special = specialFloat(e)) return ConstValue{true, 0, *special};
    if (e.text == "math.sqrt" && e.args.size() == 1 && e.args[0].keyword.empty()) {
      // scores / math.sqrt(d): the scaled dot product's constant
      auto v = evalConst(*e.args[0].value);
      if (!v) return std::nullopt;
      if (v->asDouble() < 0) {
        error(e.loc, "math.sqrt of a negative number");
        return std::nullopt;
      }
      return ConstValue{true, 0, std::sqrt(v->asDouble())};
    }
    [[fallthrough]];
  case Expr::Kind::Bool: case Expr::Kind::String: case Expr::Kind::List: case Expr::Kind::Invert:
  case Expr::Kind::Tuple: case Expr::Kind::Method: case Expr::Kind::Index: case Expr::Kind::Slice:
  case Expr::Kind::Ellipsis:
    error(e.loc, "expected a numeric constant");
    return std::nullopt;
  }
  return std::nullopt;
}

bool Sema::computesTensor(const Expr &e) const {
  auto anyElement = [&] {
    return std::any_of(e.elements.begin(), e.elements.end(),
                       [&](const ExprPtr &x) { return x && computesTensor(*x); });
  };
  switch (e.kind) {
  case Expr::Kind::Name: {
    const Symbol *s = resolve(e.text);
    return s && (s->kind == Symbol::Kind::Value || s->kind == Symbol::Kind::Param ||
                 s->kind == Symbol::Kind::Tuple);
  }
  case Expr::Kind::Call:
    if (specialFloat(e)) return false;
    if (e.text == "floordiv" || e.text == "min" || e.text == "max" || e.text == "math.sqrt")
      return std::any_of(e.args.begin(), e.args.end(),
                         [&](const Argument &a) { return computesTensor(*a.value); });
    return true;
  case Expr::Kind::Method: case Expr::Kind::Index: return true;
  case Expr::Kind::Binary: case Expr::Kind::Negate: case Expr::Kind::Invert:
  case Expr::Kind::List: case Expr::Kind::Tuple: case Expr::Kind::Slice: return anyElement();
  case Expr::Kind::Integer: case Expr::Kind::Float: case Expr::Kind::Bool: case Expr::Kind::String:
  case Expr::Kind::Ellipsis: return false;
  }
  return false;
}

std::optional<int64_t> Sema::evalInt(const Expr &e, const char *what) {
  auto v = evalConst(e);
  if (!v) return std::nullopt;
  if (v->isFloat) {
    if (std::floor(v->floatValue) == v->floatValue && std::abs(v->floatValue) < 9e15)
      return int64_t(v->floatValue);
    error(e.loc, std::string(what) + " must be an integer, got " + std::to_string(v->floatValue));
    return std::nullopt;
  }
  return v->intValue;
}

std::optional<bool> Sema::evalBool(const Expr &e, const char *what) {
  if (e.kind == Expr::Kind::Bool) return e.boolValue;
  error(e.loc, std::string(what) + " must be true or false");
  return std::nullopt;
}

std::optional<ir::Dim> Sema::checkedDim(const Expr &e, const ir::Dim &d) {
  if (!d.overflowed()) return d;
  error(e.loc, "integer overflow in a dimension");
  return std::nullopt;
}

std::optional<ir::Dim> Sema::evalDim(const Expr &e) {
  if (e.kind == Expr::Kind::Name) {
    const Symbol *s = lookup(e.text);
    if (s && s->kind == Symbol::Kind::Dim) return ir::Dim::symbol(e.text);
    if (!s) {
      std::vector<std::string> candidates;
      for (const std::string &n : visibleNames())
        if (lookup(n)->kind == Symbol::Kind::Dim || lookup(n)->kind == Symbol::Kind::Let)
          candidates.push_back(n);
      error(e.loc, "unknown dimension '" + e.text + "'" + didYouMean(e.text, candidates));
      return std::nullopt;
    }
    if (s->kind != Symbol::Kind::Let) {
      error(e.loc, "'" + e.text + "' is not a dim or a let constant");
      return std::nullopt;
    }
  }
  if (e.kind == Expr::Kind::Binary && (e.op == "+" || e.op == "-" || e.op == "*")) {
    auto a = evalDim(*e.elements[0]);
    if (!a) return std::nullopt;
    auto b = evalDim(*e.elements[1]);
    if (!b) return std::nullopt;
    return checkedDim(e, e.op == "+" ? *a + *b : e.op == "-" ? *a - *b : *a * *b);
  }
  if (e.kind == Expr::Kind::Negate) {
    auto a = evalDim(*e.elements[0]);
    if (!a) return std::nullopt;
    return checkedDim(e, ir::Dim(0) - *a);
  }
  if (e.kind == Expr::Kind::Call && (e.text == "floordiv" || e.text == "min" || e.text == "max")) {
    // Dims that are not polynomials: a strided or convolved length.
    if (e.args.size() != 2 || !e.args[0].keyword.empty() || !e.args[1].keyword.empty()) {
      error(e.loc, "'" + e.text + "' in a dimension takes two dims, as in " + e.text + "(T - 1, 2)");
      return std::nullopt;
    }
    auto a = evalDim(*e.args[0].value);
    if (!a) return std::nullopt;
    auto b = evalDim(*e.args[1].value);
    if (!b) return std::nullopt;
    if (e.text == "floordiv" && b->constant() == 0) {
      error(e.args[1].value->loc, "division by zero in a dimension");
      return std::nullopt;
    }
    return checkedDim(e, e.text == "floordiv" ? ir::Dim::floorDiv(*a, *b)
                         : e.text == "min"    ? ir::Dim::min(*a, *b)
                                              : ir::Dim::max(*a, *b));
  }
  auto v = evalInt(e, "a dimension");
  if (!v) return std::nullopt;
  return ir::Dim(*v);
}

std::optional<ir::Type> Sema::evalType(const TypeExpr &t, bool allowSymbolic) {
  std::optional<DType> dtype = parseDTypeName(t.dtype);
  if (!dtype) {
    error(t.loc, "unknown dtype '" + t.dtype + "'" +
                     didYouMean(t.dtype, std::vector<std::string>{"f32", "i64", "i32", "bool"}) +
                     "; expected f32, i64, i32 or bool");
    return std::nullopt;
  }
  ir::Type type{*dtype, {}};
  for (const ExprPtr &d : t.dims) {
    auto dim = evalDim(*d);
    if (!dim) return std::nullopt;
    if (!allowSymbolic && !dim->isConstant()) {
      error(d->loc, "a param's shape must be constant, but '" + dim->str() + "' is symbolic");
      return std::nullopt;
    }
    if (dim->isConstant() && *dim->constant() < 0) {
      error(d->loc, "dimension " + dim->str() + " is negative");
      return std::nullopt;
    }
    type.shape.push_back(*dim);
  }
  return type;
}

std::optional<int64_t> Sema::evalAxis(const Expr &e, int64_t rank, const ir::Type &type) {
  auto axis = evalInt(e, "an axis");
  if (!axis) return std::nullopt;
  if (*axis < -rank || *axis >= rank) {
    error(e.loc, "axis " + std::to_string(*axis) + " is out of range for " + type.str() +
                     " (rank " + std::to_string(rank) + ")");
    return std::nullopt;
  }
  return *axis < 0 ? *axis + rank : *axis;
}

} // namespace attn::frontend
