// Declarations, the shared namespace, and statements of `fn` bodies.
#include "frontend/Sema.h"

#include "frontend/Parser.h"
#include "ir/Verifier.h"

#include <llvm/ADT/StringExtras.h>

#include <cmath>

namespace attn::frontend {

namespace {
const char *kindName(Symbol::Kind k) {
  switch (k) {
  case Symbol::Kind::Let: return "let constant";
  case Symbol::Kind::Dim: return "dim";
  case Symbol::Kind::Layer: return "layer";
  case Symbol::Kind::Param: return "param";
  case Symbol::Kind::Value: return "value";
  case Symbol::Kind::Tuple: return "tuple";
  }
  return "name";
}
} // namespace

std::unique_ptr<ir::Module> compileModel(llvm::SourceMgr &sourceMgr, Diagnostics &diags,
                                         const FrontendOptions &options) {
  std::unique_ptr<Program> program = parseProgram(sourceMgr, diags);
  if (!program) return nullptr;
  Sema sema(diags, options);
  std::unique_ptr<ir::Module> module = sema.lower(*program);
  if (!module) return nullptr;
  module->fileName =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBufferIdentifier().str();
  if (Status s = ir::verifyModule(*module); !s) {
    diags.error(program->modelLoc, "internal compiler error: " + s.message());
    return nullptr;
  }
  return module;
}

const Symbol *Sema::lookup(const std::string &name) const {
  if (auto it = locals_.find(name); it != locals_.end()) return &it->second;
  if (auto it = globals_.find(name); it != globals_.end()) return &it->second;
  return nullptr;
}

const Symbol *Sema::resolve(const std::string &name) const {
  if (const Symbol *s = lookup(name)) return s;
  if (llvm::StringRef(name).starts_with("self.")) return lookup(withoutSelf(name));
  return nullptr;
}

std::vector<std::string> Sema::visibleNames() const {
  std::vector<std::string> names;
  for (const auto &[n, s] : globals_) names.push_back(n);
  for (const auto &[n, s] : locals_) names.push_back(n);
  return names;
}

bool Sema::declareGlobal(const std::string &name, llvm::SMLoc loc, Symbol symbol) {
  if (name == "_") return error(loc, "'_' cannot be declared; it only discards results");
  if (auto it = globals_.find(name); it != globals_.end()) {
    error(loc, "redefinition of '" + name + "'");
    diags_.note(it->second.loc, "'" + name + "' was first declared here as a " +
                                    kindName(it->second.kind));
    return false;
  }
  symbol.loc = loc;
  globals_.emplace(name, symbol);
  return true;
}

std::optional<ConstValue> Sema::parseDefine(const std::string &name, const std::string &text) {
  ConstValue v;
  llvm::StringRef s(text);
  if (!s.getAsInteger(10, v.intValue)) return v;
  if (!s.getAsDouble(v.floatValue)) {
    v.isFloat = true;
    return v;
  }
  diags_.error({}, "-D " + name + "=" + text + ": the value is not a number");
  return std::nullopt;
}

bool Sema::declareLet(const LetDecl &decl) {
  std::optional<ConstValue> value;
  for (const auto &[name, text] : options_.defines)
    if (name == decl.name) {
      defineUsed_[name] = true;
      value = parseDefine(name, text);
      if (!value) return false;
    }
  if (!value) value = evalConst(*decl.value);
  if (!value) return false;
  Symbol s;
  s.kind = Symbol::Kind::Let;
  s.loc = decl.loc;
  s.constant = *value;
  return declareGlobal(decl.name, decl.loc, s);
}

bool Sema::declareParam(const ParamDecl &decl) {
  const std::string name = withoutSelf(decl.name); // PyTorch's self.v = nn.Parameter(...)
  std::optional<ir::Type> type = evalType(decl.type, /*allowSymbolic=*/false);
  if (!type) return false;
  if (!type->constantByteSize())
    return error(decl.loc, "param '" + name + "' of type " + type->str() +
                               " would take more than 2^63 bytes");
  if (module_->findWeight(name) && !globals_.count(name)) // else a redefinition, reported below
    return error(decl.loc, "the weight '" + name + "' is declared twice (a layer's weight has this name)");
  Symbol s;
  s.kind = Symbol::Kind::Param;
  s.loc = decl.loc;
  if (globals_.count(name)) return declareGlobal(name, decl.loc, s); // the redefinition error, before the weight
  // A raw param has no PyTorch default; init-weights draws it like a Linear
  // weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in the last axis.
  int64_t fanIn = type->shape.empty() ? 1 : std::max<int64_t>(1, *type->shape.back().constant());
  s.value = module_->addWeight(name, *type,
                               {ir::WeightInit::Kind::Uniform, 1.0 / std::sqrt(double(fanIn))});
  return declareGlobal(name, decl.loc, s);
}

std::unique_ptr<ir::Module> Sema::lower(const Program &program) {
  module_ = std::make_unique<ir::Module>();
  module_->name = program.modelName;
  // Constants and dims first so that layers, params and signatures may use
  // them wherever they are declared; lets see only earlier lets.
  for (const Decl &d : program.decls) {
    bool ok = true;
    if (auto *let = std::get_if<LetDecl>(&d)) ok = declareLet(*let);
    else if (auto *dims = std::get_if<DimDecl>(&d))
      for (const auto &[name, loc] : dims->names)
        ok = ok && declareGlobal(name, loc, Symbol{Symbol::Kind::Dim, loc});
    if (!ok) return nullptr;
  }
  for (const auto &[name, text] : options_.defines)
    if (!defineUsed_[name]) {
      std::vector<std::string> lets;
      for (const auto &[n, s] : globals_)
        if (s.kind == Symbol::Kind::Let) lets.push_back(n);
      diags_.error({}, "-D " + name + ": the model has no let named '" + name + "'" +
                           didYouMean(name, lets));
      return nullptr;
    }
  // Weights in declaration order: the order of the PyTorch state_dict.
  for (const Decl &d : program.decls) {
    bool ok = true;
    if (auto *layer = std::get_if<LayerDecl>(&d)) ok = declareLayer(*layer);
    else if (auto *param = std::get_if<ParamDecl>(&d)) ok = declareParam(*param);
    if (!ok) return nullptr;
  }
  for (const Decl &d : program.decls)
    if (auto *fn = std::get_if<FnDecl>(&d))
      if (!lowerFunction(*fn)) return nullptr;
  if (module_->functions.empty()) {
    error(program.modelLoc, "model '" + program.modelName + "' has no fn: nothing to compile");
    return nullptr;
  }
  return std::move(module_);
}

bool Sema::checkLocalName(const std::string &name, llvm::SMLoc loc) {
  if (auto it = globals_.find(name); it != globals_.end()) {
    error(loc, "'" + name + "' is already a " + kindName(it->second.kind) +
                   "; a value cannot take its name");
    diags_.note(it->second.loc, "'" + name + "' is declared here");
    return false;
  }
  return true;
}

bool Sema::bindLocal(const std::string &name, llvm::SMLoc loc, ir::Value *value) {
  if (!checkLocalName(name, loc)) return false;
  if (value->name.empty() && !value->isWeight() && !value->isArgument()) value->name = name;
  Symbol s;
  s.kind = Symbol::Kind::Value;
  s.loc = loc;
  s.value = value;
  locals_[name] = s;
  return true;
}

bool Sema::lowerFunction(const FnDecl &fn) {
  if (module_->findFunction(fn.name)) return error(fn.loc, "redefinition of fn '" + fn.name + "'");
  if (globals_.count(fn.name))
    return error(fn.loc, "fn '" + fn.name + "' has the name of a " +
                             std::string(kindName(globals_[fn.name].kind)));
  locals_.clear();
  graph_ = module_->addFunction(fn.name);
  graph_->loc = irLoc(fn.loc);
  for (const TypedName &p : fn.params) {
    if (locals_.count(p.name)) return error(p.loc, "duplicate argument '" + p.name + "'");
    std::optional<ir::Type> type = evalType(p.type, /*allowSymbolic=*/true);
    if (!type) return false;
    if (!bindLocal(p.name, p.loc, graph_->addArgument(p.name, *type))) return false;
  }
  for (const TypedName &r : fn.results) {
    for (const ir::GraphResult &prev : graph_->results())
      if (prev.name == r.name) return error(r.loc, "duplicate result name '" + r.name + "'");
    std::optional<ir::Type> type = evalType(r.type, /*allowSymbolic=*/true);
    if (!type) return false;
    graph_->addResult(r.name, *type, nullptr);
  }
  bool returned = false;
  for (const Stmt &stmt : fn.body) {
    if (returned) {
      llvm::SMLoc loc = std::holds_alternative<ReturnStmt>(stmt)
                            ? std::get<ReturnStmt>(stmt).loc
                            : std::get<AssignStmt>(stmt).targets.front().loc;
      return error(loc, "statement after 'return': return must be the last statement of fn '" +
                            fn.name + "'");
    }
    if (auto *assign = std::get_if<AssignStmt>(&stmt)) {
      if (!lowerAssign(*assign)) return false;
    } else {
      if (!lowerReturn(std::get<ReturnStmt>(stmt), fn)) return false;
      returned = true;
    }
  }
  if (!returned) return error(fn.closeBraceLoc, "fn '" + fn.name + "' has no return statement");
  return true;
}

void flattenInto(const Operand &o, std::vector<Operand> &out) {
  if (!o.isTuple) {
    out.push_back(o);
    return;
  }
  for (const Operand &e : o.elements) flattenInto(e, out);
}

namespace {

std::string plural(size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

/// A name takes a value or a whole tuple (`_` discards either); a tuple of
/// targets unpacks a tuple of the same length.
bool Sema::bindTarget(const AssignTarget &target, const Operand &value) {
  if (!target.isTuple()) {
    if (target.name == "_") return true;
    if (!value.isTuple) {
      ir::Value *v = value.isLiteral()
                         ? materialize(value, value.literal->isFloat ? DType::F32 : DType::I64)
                         : value.value;
      return bindLocal(target.name, target.loc, v);
    }
    if (!checkLocalName(target.name, target.loc)) return false;
    Symbol s;
    s.kind = Symbol::Kind::Tuple;
    s.loc = target.loc;
    s.tuple = value;
    locals_[target.name] = s;
    return true;
  }
  if (!value.isTuple)
    return error(target.loc, "cannot unpack a single tensor into " + plural(target.elements.size(), "name"));
  if (value.elements.size() != target.elements.size())
    return error(target.loc, "cannot unpack a tuple of " + plural(value.elements.size(), "value") +
                                 " into " + plural(target.elements.size(), "name"));
  for (size_t i = 0; i < value.elements.size(); ++i)
    if (!bindTarget(target.elements[i], value.elements[i])) return false;
  return true;
}

bool Sema::lowerAssign(const AssignStmt &stmt) {
  std::optional<Operand> value = lowerValue(*stmt.value);
  if (!value) return false;
  AssignTarget all; // the targets as one tuple
  all.loc = stmt.targets.front().loc;
  all.elements = stmt.targets;
  if (stmt.targets.size() == 1) return bindTarget(stmt.targets.front(), *value);
  // attn's flat form, `out, h_n, c_n = lstm(x)`, when every target is a name.
  std::vector<Operand> flat;
  flattenInto(*value, flat);
  bool allNames = std::none_of(stmt.targets.begin(), stmt.targets.end(),
                               [](const AssignTarget &t) { return t.isTuple(); });
  bool structured = value->isTuple && value->elements.size() == stmt.targets.size();
  if (allNames && flat.size() == stmt.targets.size() && !structured) {
    for (size_t i = 0; i < flat.size(); ++i)
      if (!bindTarget(stmt.targets[i], flat[i])) return false;
    return true;
  }
  if (!structured && !(allNames && flat.size() == stmt.targets.size()))
    return error(all.loc, "cannot assign " + plural(flat.size(), "value") + " to " +
                              plural(stmt.targets.size(), "name"));
  return bindTarget(all, *value);
}

bool Sema::lowerReturn(const ReturnStmt &stmt, const FnDecl &fn) {
  // Tuples are flattened: `return out, (h, c)` returns three results.
  std::vector<Operand> values;
  for (const ExprPtr &e : stmt.values) {
    auto lowered = lowerValue(*e);
    if (!lowered) return false;
    flattenInto(*lowered, values);
  }
  auto &results = graph_->results();
  if (values.size() != results.size())
    return error(stmt.loc, "fn '" + fn.name + "' declares " + std::to_string(results.size()) +
                               " result" + (results.size() == 1 ? "" : "s") + " but returns " +
                               std::to_string(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    const Operand &o = values[i];
    ir::Value *v = o.isLiteral() ? materialize(o, results[i].declaredType.dtype) : o.value;
    if (v->type != results[i].declaredType)
      return error(o.loc, "result '" + results[i].name + "' is declared " +
                              results[i].declaredType.str() + " but the returned value is " +
                              v->type.str());
    graph_->setResult(i, v);
  }
  return true;
}

} // namespace attn::frontend
