// Semantic analysis: resolves names, evaluates constants and dims, checks
// types and shapes, expands layers into graph ops with their PyTorch-named
// weights, and lowers every `fn` into an ir::Graph. Errors are reported with
// their source location through Diagnostics; lowering stops at the first.
//
// The work is split by concept: Sema.cpp (declarations, scopes, statements),
// SemaExpr.cpp (operators, literals, promotion), Builtins.cpp (primitive
// functions), Layers.cpp (layer constructors and calls), ConstEval.cpp
// (compile-time constants and dims).
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
/// The op of a binary operator: + - * / and @ (matmul).
ir::OpKind binaryOpKind(char op);

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

/// One entry of the shared namespace (language.md: layers, params, lets,
/// dims and values share one namespace).
struct Symbol {
  enum class Kind { Let, Dim, Layer, Param, Value };
  Symbol() = default;
  Symbol(Kind k, llvm::SMLoc l) : kind(k), loc(l) {}

  Kind kind = Kind::Value;
  llvm::SMLoc loc;
  ConstValue constant;           // Let
  ir::Value *value = nullptr;    // Param (a weight) or Value
  LayerInfo *layer = nullptr;    // Layer
};

/// A lowered expression: an IR value, or a literal not yet given a dtype
/// (language.md: a literal takes the dtype of the tensor it meets).
struct Operand {
  ir::Value *value = nullptr;
  std::optional<ConstValue> literal;
  llvm::SMLoc loc;
  bool isLiteral() const { return literal.has_value(); }
};

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

  // SemaExpr.cpp
  std::optional<std::vector<Operand>> lowerMulti(const Expr &e);
  std::optional<Operand> lowerExpr(const Expr &e);
  ir::Value *materialize(const Operand &o, DType dtype);
  ir::Value *castTo(ir::Value *v, DType dtype, llvm::SMLoc loc);
  std::optional<ir::Value *> lowerTensor(const Expr &e);
  std::optional<Operand> binary(ir::OpKind op, Operand lhs, Operand rhs, llvm::SMLoc loc);
  ir::Value *emit(ir::OpKind op, std::vector<ir::Value *> operands, ir::Attrs attrs, llvm::SMLoc loc);
  std::optional<std::vector<ir::Value *>> emitMulti(ir::OpKind op, std::vector<ir::Value *> operands,
                                                    ir::Attrs attrs, llvm::SMLoc loc);

  // Builtins.cpp / Layers.cpp
  std::optional<std::vector<const Expr *>> bindArguments(const Expr &call,
                                                         const std::vector<ParamSpec> &params);
  std::optional<std::vector<Operand>> lowerBuiltin(const Expr &call);
  bool isBuiltin(const std::string &name) const;
  std::vector<std::string> builtinNames() const;
  bool declareLayer(const LayerDecl &decl);
  std::optional<std::vector<Operand>> lowerLayerCall(const Expr &call, LayerInfo &layer);

private:
  Diagnostics &diags_;
  const FrontendOptions &options_;
  std::unique_ptr<ir::Module> module_;
  ir::Graph *graph_ = nullptr;
  std::map<std::string, Symbol> globals_;
  std::map<std::string, Symbol> locals_;
  std::vector<std::unique_ptr<LayerInfo>> layers_;
  std::map<std::string, bool> defineUsed_;

  bool declareGlobal(const std::string &name, llvm::SMLoc loc, Symbol symbol);
  bool declareLet(const LetDecl &decl);
  bool declareParam(const ParamDecl &decl);
  bool lowerFunction(const FnDecl &fn);
  bool lowerAssign(const AssignStmt &stmt);
  bool lowerReturn(const ReturnStmt &stmt, const FnDecl &fn);
  bool bindLocal(const std::string &name, llvm::SMLoc loc, ir::Value *value);
  std::optional<ConstValue> parseDefine(const std::string &name, const std::string &text);

public:
  ir::Module &module() { return *module_; }
  LayerInfo &addLayer(std::unique_ptr<LayerInfo> layer) {
    layers_.push_back(std::move(layer));
    return *layers_.back();
  }
};

} // namespace attn::frontend
