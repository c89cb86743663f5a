// The syntax tree of an attn model file (language.md), as the parser builds
// it. Every node keeps the location of its first token (an llvm::SMLoc into
// the SourceMgr's buffer) so that later errors point at the right place.
#pragma once

#include <llvm/Support/SMLoc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace attn::frontend {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name=value` or a positional argument (empty keyword).
struct Argument {
  std::string keyword;
  llvm::SMLoc keywordLoc;
  ExprPtr value;
};

struct Expr {
  enum class Kind { Integer, Float, Bool, String, Name, List, Call, Binary, Negate };
  Kind kind;
  llvm::SMLoc loc;         // first token; for Binary, the operator
  int64_t intValue = 0;    // Integer
  double floatValue = 0;   // Float
  bool boolValue = false;  // Bool
  std::string text;        // Name (possibly dotted), String contents, Call callee
  char op = 0;             // Binary: + - * / @
  std::vector<ExprPtr> elements; // List; Binary: {lhs, rhs}; Negate: {operand}
  std::vector<Argument> args;    // Call

  Expr(Kind k, llvm::SMLoc l) : kind(k), loc(l) {}
};

/// `f32[B, 2*hidden]`, or `i64` alone for a scalar.
struct TypeExpr {
  std::string dtype;
  llvm::SMLoc loc;
  std::vector<ExprPtr> dims;
};

struct LetDecl {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr value;
};

struct DimDecl {
  std::vector<std::pair<std::string, llvm::SMLoc>> names;
};

struct LayerDecl {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr constructor; // a Call
};

struct ParamDecl {
  std::string name;
  llvm::SMLoc loc;
  TypeExpr type;
};

/// `name: TYPE` in a function's parameter or result list.
struct TypedName {
  std::string name;
  llvm::SMLoc loc;
  TypeExpr type;
};

/// `a, _, c = EXPR` (a target named `_` discards).
struct AssignStmt {
  std::vector<std::pair<std::string, llvm::SMLoc>> targets;
  ExprPtr value;
};

struct ReturnStmt {
  llvm::SMLoc loc;
  std::vector<ExprPtr> values;
};

using Stmt = std::variant<AssignStmt, ReturnStmt>;

struct FnDecl {
  std::string name;
  llvm::SMLoc loc;
  std::vector<TypedName> params;
  std::vector<TypedName> results;
  std::vector<Stmt> body;
  llvm::SMLoc closeBraceLoc;
};

using Decl = std::variant<LetDecl, DimDecl, LayerDecl, ParamDecl, FnDecl>;

struct Program {
  std::string modelName;
  llvm::SMLoc modelLoc;
  std::vector<Decl> decls; // in source order
};

} // namespace attn::frontend
