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

/// Kinds beyond the literals, names, lists and calls:
///   Binary   lhs OP rhs, `op` its spelling: + - * / @ == != < <= > >= & |
///   Negate   -x;  Invert  ~x
///   Tuple    (a, b, ...), two or more elements
///   Method   receiver.name(args): `text` the method name, elements {receiver}
///            (a method of a name, `x.sum(...)`, is a Call of the dotted name)
///   Index    base[subscripts]: elements {base, subscript...}, a subscript an
///            expression, a Slice, an Ellipsis or the name None
///   Slice    start:stop:step inside [ ]: elements {start, stop, step}, each
///            possibly null (omitted)
///   Ellipsis ...
struct Expr {
  enum class Kind {
    Integer, Float, Bool, String, Name, List, Call, Binary, Negate,
    Invert, Tuple, Method, Index, Slice, Ellipsis
  };
  Kind kind;
  llvm::SMLoc loc;         // first token; for Binary, the operator; Index, the '['
  int64_t intValue = 0;    // Integer
  double floatValue = 0;   // Float
  bool boolValue = false;  // Bool
  std::string text;        // Name (possibly dotted), String contents, Call callee, Method name
  std::string op;          // Binary: the operator's spelling
  std::vector<ExprPtr> elements; // see the kinds above
  std::vector<Argument> args;    // Call, Method

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

/// One target of an assignment: a name (`_` discards), or a parenthesised
/// tuple of targets, as `(h, c)` in `out, (h, c) = lstm(x)`.
struct AssignTarget {
  std::string name;                  // empty for a tuple
  llvm::SMLoc loc;
  std::vector<AssignTarget> elements; // a tuple's targets
  bool isTuple() const { return name.empty(); }
};

/// `a, _, c = EXPR`, `out, (h, c) = EXPR`.
struct AssignStmt {
  std::vector<AssignTarget> targets;
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
