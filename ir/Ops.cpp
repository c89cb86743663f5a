// The op and attribute tables, expanded from ops.def and attrs.def.
#include "ir/Ops.h"

#include <cassert>
#include <cstdio>

namespace attn::ir {

namespace {
#define A(Name) attrBit(AttrKind::Name)
#define B_NONE BuiltinForm::None
#define B_UNARY BuiltinForm::Unary
#define B_BINARY BuiltinForm::Binary
#define B_REDUCTION BuiltinForm::Reduction
#define B_OWN BuiltinForm::Own
const OpInfo kOpInfos[] = {
#define OP(Kind, mnemonic, minOps, maxOps, numResults, traits, attrs, builtin)               \
  {OpKind::Kind, mnemonic, minOps, maxOps, numResults, traits, attrs, builtin},
#include "ir/ops.def"
};
#undef A
#undef B_NONE
#undef B_UNARY
#undef B_BINARY
#undef B_REDUCTION
#undef B_OWN

std::string toText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0"; // keep floats visibly float
  return s;
}
std::string toText(attn::DType t) { return std::string(dtypeName(t)); }
std::string toText(const std::string &s) { return "\"" + s + "\""; }
std::string toText(const std::optional<int64_t> &v) { return v ? std::to_string(*v) : "all"; }
std::string toText(const std::optional<double> &v) { return v ? toText(*v) : "none"; }
std::string toText(int64_t v) { return std::to_string(v); }
std::string toText(bool v) { return v ? "true" : "false"; }
std::string toText(const Dim &d) { return d.str(); }
std::string toText(const DimList &d) { return dimsToString(d); }
std::string toText(OpKind k) { return std::string(mnemonic(k)); }
// "[t0 = mul(in0, in1); t1 = tanh(t0)]": inputs are in0.., steps t0...
std::string toText(const ElementwiseBody &body) {
  auto name = [&](int32_t i) {
    return i < body.numInputs ? "in" + std::to_string(i) : "t" + std::to_string(i - body.numInputs);
  };
  std::string s = "[";
  for (size_t i = 0; i < body.steps.size(); ++i) {
    const ElementwiseStep &step = body.steps[i];
    s += (i ? "; t" : "t") + std::to_string(i) + " = " + std::string(mnemonic(step.op)) + "(";
    for (size_t k = 0; k < step.operands.size(); ++k) s += (k ? ", " : "") + name(step.operands[k]);
    s += ")";
    if (step.op == OpKind::Cast) s += " : " + std::string(dtypeName(step.dtype));
  }
  return s + "]";
}
std::string toText(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}
} // namespace

const OpInfo &opInfo(OpKind kind) {
  const OpInfo &info = kOpInfos[unsigned(kind)];
  assert(info.kind == kind && "ops.def expansion out of order");
  return info;
}

bool attrIsShown(OpKind op, const Attrs &attrs, AttrKind k) {
  if (!hasAttr(op, k)) return false;
  if (k == AttrKind::Axis) return attrs.Axis.has_value();
  if (k == AttrKind::Fill) return attrs.Fill.has_value();
  return true;
}

std::optional<OpKind> opKindFromMnemonic(std::string_view m) {
  for (const OpInfo &info : kOpInfos)
    if (info.mnemonic == m) return info.kind;
  return std::nullopt;
}

const std::vector<OpKind> &allOpKinds() {
  static const std::vector<OpKind> kinds = [] {
    std::vector<OpKind> v;
    for (const OpInfo &info : kOpInfos) v.push_back(info.kind);
    return v;
  }();
  return kinds;
}

std::string attrValueText(double value) { return toText(value); }

std::string_view attrName(AttrKind kind) {
  switch (kind) {
#define ATTR(Name, Type, printed)                                                            \
  case AttrKind::Name: return printed;
#include "ir/attrs.def"
  }
  return "?";
}

std::string attrValueToString(const Attrs &attrs, AttrKind kind) {
  switch (kind) {
#define ATTR(Name, Type, printed)                                                            \
  case AttrKind::Name: return toText(attrs.Name);
#include "ir/attrs.def"
  }
  return "?";
}

const std::vector<AttrKind> &allAttrKinds() {
  static const std::vector<AttrKind> kinds = {
#define ATTR(Name, Type, printed) AttrKind::Name,
#include "ir/attrs.def"
  };
  return kinds;
}

} // namespace attn::ir
