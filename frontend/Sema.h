// Semantic analysis: resolves names, evaluates constants and dims, checks
// types and shapes, expands layers into graph ops with their PyTorch-named
// weights, and lowers every `fn` into an ir::Graph. Errors are reported with
// their source location through Diagnostics; lowering stops at the first.
//
// The work is split by concept: Sema.cpp (declarations, scopes, statements,
// tuple assignment), SemaExpr.cpp (operators, literals, promotion),
// Indexing.cpp (subscripts), Builtins.cpp (primitive functions), PyTorch.cpp
// (torch./F. namespaces, methods, PyTorch-only functions), Layers.cpp (layer
// constructors and calls), ConstEval.cpp (compile-time constants and dims).
#pragma once

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"
#include "frontend/Frontend.h"
#include "ir/Builder.h"
#include "ir/Graph.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attn::frontend {

/// Parses and lowers the SourceMgr's main buffer. Returns nullptr after
/// printing diagnostics.
std::unique_ptr<ir::Module> compileModel(llvm::SourceMgr &sourceMgr, Diagnostics &diags,
                                         const FrontendOptions &options = {});

/// A compile-time constant: `let` values and folded literals.
struct ConstValue {
  bool isFloat = false;
  int64_t intValue = 0;
  double floatValue = 0;
  double asDouble() const { return isFloat ? floatValue : double(intValue); }
};

/// Arithmetic on compile-time constants, the one rule for `let` values and
/// for literals in expressions: Python's (`/` is true division; maximum and
/// minimum as torch's), int64 overflow and division by zero are errors.
Result<ConstValue> foldConstants(ir::OpKind op, const ConstValue &a, const ConstValue &b);
Result<ConstValue> negateConstant(const ConstValue &a);
/// The op of a binary operator's spelling: + - * / @ (matmul) == != < <= > >= & |.
ir::OpKind binaryOpKind(const std::string &op);

/// What a layer declaration created: its kind, constructor arguments and weights.
struct LayerInfo {
  enum class Kind {
#define LAYER(Kind, name, op, constructor, call) Kind,
#include "frontend/layers.def"
  } kind;
  std::string name;
  llvm::SMLoc loc;
  ir::Attrs attrs;                 // recurrent / layer_norm attributes
  int64_t numEmbeddings = 0;       // Embedding
  std::vector<ir::Value *> weights; // in the op's operand order
};

/// A lowered expression: an IR value, a literal not yet given a dtype
/// (language.md: a literal takes the dtype of the tensor it meets), or a
/// tuple of those (a recurrent layer's (out, (h_n, c_n)), torch.max's
/// (values, indices), chunk's pieces).
struct Operand {
  Operand() = default;
  Operand(ir::Value *v, std::optional<ConstValue> lit, llvm::SMLoc l)
      : value(v), literal(std::move(lit)), loc(l) {}

  ir::Value *value = nullptr;
  std::optional<ConstValue> literal;
  llvm::SMLoc loc;
  std::vector<Operand> elements; // a tuple's
  bool isTuple = false;
  bool isLiteral() const { return literal.has_value(); }
  static Operand tuple(std::vector<Operand> elements, llvm::SMLoc loc) {
    Operand o;
    o.elements = std::move(elements);
    o.isTuple = true;
    o.loc = loc;
    return o;
  }
};

/// A call as the builtins see it: a function (`softmax(x, dim=1)`), a
/// namespaced one (`torch.cat(...)`) or a method (`x.sum(dim=1)`, whose
/// receiver is bound as the first positional argument).
struct CallSite {
  std::string text;               // the callee as written, for messages
  llvm::SMLoc loc;
  const Expr *receiver = nullptr;
  const std::vector<Argument> *args = nullptr;
  static CallSite of(const Expr &call) { return {call.text, call.loc, nullptr, &call.args}; }
};

/// One entry of the shared namespace (language.md: layers, params, lets,
/// dims and values share one namespace).
struct Symbol {
  enum class Kind { Let, Dim, Layer, Param, Value, Tuple };
  Symbol() = default;
  Symbol(Kind k, llvm::SMLoc l) : kind(k), loc(l) {}

  Kind kind = Kind::Value;
  llvm::SMLoc loc;
  ConstValue constant;           // Let
  ir::Value *value = nullptr;    // Param (a weight) or Value
  LayerInfo *layer = nullptr;    // Layer
  Operand tuple;                 // Tuple: `hidden` in `out, hidden = lstm(x)`
};


/// `name` without the first of `prefixes` it starts with (`nn.LSTM` -> `LSTM`).
std::string withoutModulePrefix(const std::string &name, std::initializer_list<const char *> prefixes);
/// PyTorch's `self.lstm` is the layer `lstm`.
inline std::string withoutSelf(const std::string &name) { return withoutModulePrefix(name, {"self."}); }
/// inf, math.inf, torch.inf, nan and float('inf'), float('-inf'), float('nan'):
/// the value, or nothing for any other expression.
std::optional<double> specialFloat(const Expr &e);
/// Flattens a tuple into its tensors and literals, in order.
void flattenInto(const Operand &o, std::vector<Operand> &out);

/// The common dtype of two operands of a binary operation or of `where`'s
/// branches (PyTorch's promotion; see SemaExpr.cpp).
DType promoteOperands(const Operand &a, const Operand &b);

/// A positional/keyword signature, as in Python.
struct ParamSpec {
  const char *name;
  bool required = true;
};

class Sema {
public:
  Sema(Diagnostics &diags, const FrontendOptions &options) : diags_(diags), options_(options) {}
  std::unique_ptr<ir::Module> lower(const Program &program);

  // ---- used across the Sema*.cpp files ----
  Diagnostics &diags() { return diags_; }
  bool error(llvm::SMLoc loc, const llvm::Twine &message) {
    diags_.error(loc, message);
    return false;
  }
  ir::SourceLoc irLoc(llvm::SMLoc loc) const { return diags_.toSourceLoc(loc); }
  const Symbol *lookup(const std::string &name) const;
  /// lookup, also of a name written with PyTorch's `self.` before it.
  const Symbol *resolve(const std::string &name) const;
  std::vector<std::string> visibleNames() const;

  // ConstEval.cpp
  std::optional<ConstValue> evalConst(const Expr &e);
  std::optional<int64_t> evalInt(const Expr &e, const char *what);
  std::optional<ir::Dim> evalDim(const Expr &e);
  /// `d`, or an error at `e` when its arithmetic overflowed int64.
  std::optional<ir::Dim> checkedDim(const Expr &e, const ir::Dim &d);
  std::optional<ir::Type> evalType(const TypeExpr &t, bool allowSymbolic);
  std::optional<int64_t> evalAxis(const Expr &e, int64_t rank, const ir::Type &type);
  std::optional<bool> evalBool(const Expr &e, const char *what);
  /// Whether `e` computes a tensor rather than a constant: it names a value,
  /// param or tuple, indexes or calls anything but the constant functions
  /// (floordiv, min, max, math.sqrt, float('inf')). Decides between
  /// torch.max(x, dim) and torch.max(x, other), and which message a tensor
  /// subscript gets.
  bool computesTensor(const Expr &e) const;

  // SemaExpr.cpp
  /// An expression that may be a tuple.
  std::optional<Operand> lowerValue(const Expr &e);
  /// An expression that must be a tensor or a literal.
  std::optional<Operand> lowerExpr(const Expr &e);
  std::optional<Operand> lowerIndex(const Expr &e);
  ir::Value *materialize(const Operand &o, DType dtype);
  ir::Value *castTo(ir::Value *v, DType dtype, llvm::SMLoc loc);
  std::optional<ir::Value *> lowerTensor(const Expr &e);
  std::optional<Operand> binary(ir::OpKind op, Operand lhs, Operand rhs, llvm::SMLoc loc);
  ir::Value *emit(ir::OpKind op, std::vector<ir::Value *> operands, ir::Attrs attrs, llvm::SMLoc loc);
  std::optional<std::vector<ir::Value *>> emitMulti(ir::OpKind op, std::vector<ir::Value *> operands,
                                                    ir::Attrs attrs, llvm::SMLoc loc);

  // Builtins.cpp / PyTorch.cpp / Layers.cpp
  std::optional<std::vector<const Expr *>> bindArguments(const CallSite &call,
                                                         const std::vector<ParamSpec> &params);
  std::optional<std::vector<Operand>> lowerBuiltin(const std::string &name, const CallSite &call);
  bool isBuiltin(const std::string &name) const;
  std::vector<std::string> builtinNames() const;
  /// A call: of a layer, a builtin, a torch.* / F.* function, or a method of
  /// a value written as a dotted name (`x.sum(dim=1)`); a tuple when it has
  /// several results.
  std::optional<Operand> lowerCall(const Expr &call);
  std::optional<Operand> lowerMethod(const std::string &name, const Expr &receiver, const CallSite &call);
  /// What to write instead of a PyTorch name attn has no spelling for
  /// (`torch.zeros`, `x.size`, `nn.Sequential`), or nothing.
  static std::optional<std::string> pytorchSpelling(const std::string &name);
  bool declareLayer(const LayerDecl &decl);
  std::optional<Operand> lowerLayerCall(const Expr &call, LayerInfo &layer);

private:
  Diagnostics &diags_;
  const FrontendOptions &options_;
  std::unique_ptr<ir::Module> module_;
  ir::Graph *graph_ = nullptr;
  std::map<std::string, Symbol> globals_;
  std::map<std::string, Symbol> locals_;
  std::vector<std::unique_ptr<LayerInfo>> layers_;
  std::map<std::string, bool> defineUsed_;

  std::vector<ExprPtr> synthesized_;

  bool declareGlobal(const std::string &name, llvm::SMLoc loc, Symbol symbol);
  bool declareLet(const LetDecl &decl);
  bool declareParam(const ParamDecl &decl);
  bool lowerFunction(const FnDecl &fn);
  bool lowerAssign(const AssignStmt &stmt);
  bool lowerReturn(const ReturnStmt &stmt, const FnDecl &fn);
  bool bindLocal(const std::string &name, llvm::SMLoc loc, ir::Value *value);
  bool bindTarget(const AssignTarget &target, const Operand &value);
  bool checkLocalName(const std::string &name, llvm::SMLoc loc);
  std::optional<ConstValue> parseDefine(const std::string &name, const std::string &text);

public:
  ir::Module &module() { return *module_; }
  LayerInfo &addLayer(std::unique_ptr<LayerInfo> layer) {
    layers_.push_back(std::move(layer));
    return *layers_.back();
  }
  /// An expression Sema made itself (a method's receiver named by a dotted
  /// name), kept for as long as the Sema lives.
  const Expr &synthesize(ExprPtr e) {
    synthesized_.push_back(std::move(e));
    return *synthesized_.back();
  }
};

} // namespace attn::frontend
