// Printer for the IR text form:
//
//   model NAME
//   weight @embedding.weight : f32[8000, 128]
//   fn forward(%tokens: i64[B, T]) -> (logits: f32[B, 2]) {
//     %x = embedding(%tokens, @embedding.weight) : f32[B, T, 128]
//     %out, %1, %2 = lstm(%x, ...) {hidden_size = 12, ...} : f32[...], ...
//     return %logits
//   }
//
// Values print under their source names where they have one (a rebinding
// gets `.1`, `.2`), otherwise as numbers in order of definition.
#include "ir/Printer.h"

#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace attn::ir {

namespace {

class Namer {
public:
  std::string name(const Value *v) {
    if (v->isWeight()) return "@" + v->name;
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    std::string n;
    if (v->name.empty()) {
      while (taken_.count(std::to_string(next_))) ++next_;
      n = std::to_string(next_++);
    } else {
      n = v->name;
      // Suffixes tried for this name before are taken: start after them, so
      // N rebindings of one name cost N probes, not N^2 / 2.
      unsigned &suffix = nextSuffix_[v->name];
      while (taken_.count(n)) n = v->name + "." + std::to_string(++suffix);
    }
    taken_.insert(n);
    return names_[v] = "%" + n;
  }

private:
  std::unordered_map<const Value *, std::string> names_;
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, unsigned> nextSuffix_;
  unsigned next_ = 0;
};

/// ` = [v0, v1, ...]`: floats with 9 significant digits (exact for f32).
void printData(const Tensor &t, std::ostream &os) {
  os << " = [";
  for (int64_t i = 0; i < t.numElements(); ++i) {
    os << (i ? ", " : "");
    switch (t.dtype()) {
    case DType::F32: os << attrValueText(double(t.as<float>()[i])); break;
    case DType::I64: os << t.as<int64_t>()[i]; break;
    case DType::I32: os << t.as<int32_t>()[i]; break;
    case DType::Bool: os << (t.as<uint8_t>()[i] ? "true" : "false"); break;
    }
  }
  os << "]";
}

void printAttrs(const Node &n, std::ostream &os) {
  bool first = true;
  for (AttrKind k : allAttrKinds()) {
    if (!attrIsShown(n.op, n.attrs, k)) continue;
    os << (first ? " {" : ", ") << attrName(k) << " = " << attrValueToString(n.attrs, k);
    first = false;
  }
  if (!first) os << "}";
}

} // namespace

void printGraph(const Module &, const Graph &g, std::ostream &os) {
  Namer namer;
  os << "fn " << g.name << "(";
  for (size_t i = 0; i < g.arguments.size(); ++i)
    os << (i ? ", " : "") << namer.name(g.arguments[i]) << ": " << g.arguments[i]->type.str();
  os << ") -> (";
  for (size_t i = 0; i < g.results().size(); ++i)
    os << (i ? ", " : "") << g.results()[i].name << ": " << g.results()[i].declaredType.str();
  os << ") {\n";
  for (const auto &n : g.nodes()) {
    os << "  ";
    for (size_t i = 0; i < n->results.size(); ++i)
      os << (i ? ", " : "") << namer.name(n->results[i]);
    os << " = " << mnemonic(n->op) << "(";
    for (size_t i = 0; i < n->operands().size(); ++i)
      os << (i ? ", " : "") << namer.name(n->operands()[i]);
    os << ")";
    printAttrs(*n, os);
    os << " : ";
    for (size_t i = 0; i < n->results.size(); ++i)
      os << (i ? ", " : "") << n->results[i]->type.str();
    os << "\n";
  }
  os << "  return";
  for (size_t i = 0; i < g.results().size(); ++i)
    os << (i ? ", " : " ") << namer.name(g.results()[i].value);
  os << "\n}\n";
}

void printModule(const Module &m, std::ostream &os) {
  os << "model " << m.name << "\n";
  // A constant made by a pass (its data held by the module) prints as
  // `const`, with its data when it is small enough to read.
  for (const auto &w : m.weights()) {
    const Tensor *data = m.constantData(w.get());
    os << (data ? "const @" : "weight @") << w->name << " : " << w->type.str();
    if (data && data->numElements() <= kPrintedConstantElements) printData(*data, os);
    os << "\n";
  }
  for (const auto &f : m.functions) {
    os << "\n";
    printGraph(m, *f, os);
  }
}

std::string moduleToString(const Module &m) {
  std::ostringstream os;
  printModule(m, os);
  return os.str();
}

} // namespace attn::ir
