// The attn recursive-descent parser (grammar and conventions in Parser.h).
// Every parse function returns false / nullptr after reporting an error; the
// first error wins and later ones are swallowed, so there is no cascade.
#include "frontend/Parser.h"

#include "frontend/Lexer.h"

#include <llvm/ADT/DenseMap.h>

#include <algorithm>
#include <cassert>

namespace attn::frontend {
namespace {

constexpr unsigned kMaxNesting = 200;
constexpr unsigned kMaxExprHeight = 1000;

bool isReservedWord(TokenKind kind) {
  switch (kind) {
  case TokenKind::KwModel: case TokenKind::KwLet: case TokenKind::KwDim: case TokenKind::KwLayer:
  case TokenKind::KwParam: case TokenKind::KwFn: case TokenKind::KwReturn: case TokenKind::KwTrue:
  case TokenKind::KwFalse:
    return true;
  default:
    return false;
  }
}

/// Appended to "expected a name" when the token is a reserved word.
std::string reservedWordNote(const Token &token) {
  if (!isReservedWord(token.kind)) return "";
  return " ('" + token.spelling.str() +
         "' is a reserved word; the reserved words are model, let, dim, layer, param, fn, return, "
         "true, false, True and False)";
}

bool isComparison(TokenKind kind) {
  switch (kind) {
  case TokenKind::EqualEqual: case TokenKind::NotEqual: case TokenKind::Less:
  case TokenKind::LessEqual: case TokenKind::Greater: case TokenKind::GreaterEqual:
    return true;
  default:
    return false;
  }
}

/// Counts one level of syntactic nesting for as long as it lives.
struct NestingLevel {
  unsigned &depth;
  explicit NestingLevel(unsigned &d) : depth(++d) {}
  ~NestingLevel() { --depth; }
};

class Parser {
public:
  Parser(llvm::StringRef buffer, Diagnostics &diags) : lexer_(buffer), diags_(diags) { advance(); }

  std::unique_ptr<Program> parseFile();

private:
  // Tokens and errors.
  void advance();
  bool at(TokenKind kind) const { return tok_.is(kind); }
  bool consume(TokenKind kind) { return at(kind) ? (advance(), true) : false; }
  bool peekIsEqual() const;
  bool fail(llvm::SMLoc loc, const llvm::Twine &message);
  bool failExpected(const llvm::Twine &what, const llvm::Twine &suffix = "");
  bool expect(TokenKind kind, const llvm::Twine &context);
  bool parseBracketed(TokenKind close, const llvm::Twine &context,
                      llvm::function_ref<bool()> parseItem);
  bool expectEndOfLine(llvm::StringRef after);
  void skipNewlines() {
    while (at(TokenKind::Newline)) advance();
  }
  bool parseName(std::string &name, llvm::SMLoc &loc, llvm::StringRef role, bool allowDots = false);

  // Declarations and statements.
  bool parseDecl(Program &program);
  bool parseLet(Program &program);
  bool parseDim(Program &program);
  bool parseLayer(Program &program);
  bool parseParam(Program &program);
  bool parseFn(Program &program);
  bool parseTypedName(TypedName &typed, llvm::StringRef role);
  bool parseType(TypeExpr &type);
  bool parseBody(FnDecl &fn, llvm::SMLoc braceLoc);
  bool parseStatement(FnDecl &fn);
  bool parseReturn(FnDecl &fn);
  bool parseAssign(FnDecl &fn);

  // Expressions.
  ExprPtr parseExpr();
  ExprPtr parseBinary(int level);
  ExprPtr parseUnary();
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  ExprPtr parseSubscripts(ExprPtr base);
  ExprPtr parseSubscript();
  bool parseTarget(AssignTarget &target);
  ExprPtr parseNumber(llvm::SMLoc minusLoc);
  ExprPtr parseNameOrCall();
  ExprPtr parseParenthesised();
  ExprPtr parseList();
  bool parseArguments(std::vector<Argument> &args);
  bool tooDeep();
  ExprPtr finish(ExprPtr expr);

  Lexer lexer_;
  Token tok_;
  Diagnostics &diags_;
  bool failed_ = false;
  unsigned newlineSkip_ = 0; // > 0: inside ( ) [ ] or a fn header
  unsigned nesting_ = 0;
  llvm::DenseMap<const Expr *, unsigned> heights_; // of inner nodes; leaves are 1
};

// --- Tokens and errors -------------------------------------------------------

void Parser::advance() {
  do {
    tok_ = lexer_.next();
  } while (newlineSkip_ > 0 && tok_.is(TokenKind::Newline));
  // Reported on arrival: everything before this token parsed, so it is the
  // first error of the file.
  if (tok_.is(TokenKind::Error)) fail(tok_.loc, tok_.text);
}

bool Parser::peekIsEqual() const {
  Lexer ahead = lexer_;
  Token token;
  do {
    token = ahead.next();
  } while (newlineSkip_ > 0 && token.is(TokenKind::Newline));
  return token.is(TokenKind::Equal);
}

bool Parser::fail(llvm::SMLoc loc, const llvm::Twine &message) {
  if (!failed_) diags_.error(loc, message);
  failed_ = true;
  return false;
}

bool Parser::failExpected(const llvm::Twine &what, const llvm::Twine &suffix) {
  return fail(tok_.loc, "expected " + what + ", found " + describeToken(tok_) + suffix);
}

bool Parser::expect(TokenKind kind, const llvm::Twine &context) {
  if (consume(kind)) return true;
  return failExpected("'" + tokenKindSpelling(kind) + "' " + context);
}

/// `( item, item, ... )` (or `[ ]`) with an optional trailing comma, the
/// current token being the opening bracket; newlines inside are whitespace.
bool Parser::parseBracketed(TokenKind close, const llvm::Twine &context,
                            llvm::function_ref<bool()> parseItem) {
  ++newlineSkip_; // before advancing, so that the next token already skips them
  advance();
  while (!at(close)) {
    if (!parseItem()) return false;
    if (!consume(TokenKind::Comma)) break;
  }
  if (!at(close)) return failExpected("'" + tokenKindSpelling(close) + "' " + context);
  --newlineSkip_; // before advancing: the token after the bracket is outside
  advance();
  return true;
}

bool Parser::expectEndOfLine(llvm::StringRef after) {
  if (at(TokenKind::Eof) || consume(TokenKind::Newline)) return true;
  return failExpected("end of line after " + after);
}

bool Parser::parseName(std::string &name, llvm::SMLoc &loc, llvm::StringRef role, bool allowDots) {
  if (!at(TokenKind::Identifier)) return failExpected(role, reservedWordNote(tok_));
  if (!allowDots && tok_.spelling.contains('.'))
    return fail(tok_.loc, "dotted name '" + tok_.spelling +
                              "' is not allowed here (only layer and param names may be dotted)");
  name = tok_.spelling.str();
  loc = tok_.loc;
  advance();
  return true;
}

// --- Declarations --------------------------------------------------------------

std::unique_ptr<Program> Parser::parseFile() {
  auto program = std::make_unique<Program>();
  skipNewlines();
  if (!at(TokenKind::KwModel)) {
    fail(tok_.loc, "expected 'model NAME' at the start of the file");
    return nullptr;
  }
  advance();
  if (!parseName(program->modelName, program->modelLoc, "a model name after 'model'") ||
      !expectEndOfLine("the model name"))
    return nullptr;
  for (skipNewlines(); !at(TokenKind::Eof); skipNewlines())
    if (!parseDecl(*program)) return nullptr;
  assert(!failed_ && "an error was reported but parsing went on");
  return program;
}

bool Parser::parseDecl(Program &program) {
  switch (tok_.kind) {
  case TokenKind::KwLet: return parseLet(program);
  case TokenKind::KwDim: return parseDim(program);
  case TokenKind::KwLayer: return parseLayer(program);
  case TokenKind::KwParam: return parseParam(program);
  case TokenKind::KwFn: return parseFn(program);
  case TokenKind::KwModel:
    return fail(tok_.loc, "'model' may appear only once, at the start of the file");
  default: break;
  }
  static const std::string keywords[] = {"let", "dim", "layer", "param", "fn"};
  std::string hint = at(TokenKind::Identifier) ? didYouMean(tok_.spelling, keywords) : "";
  return failExpected("a declaration (let, dim, layer, param, fn)", hint);
}

bool Parser::parseLet(Program &program) {
  LetDecl let;
  advance();
  if (!parseName(let.name, let.loc, "a let name") || !expect(TokenKind::Equal, "after the let name"))
    return false;
  let.value = parseExpr();
  if (!let.value || !expectEndOfLine("the let declaration")) return false;
  program.decls.emplace_back(std::move(let));
  return true;
}

bool Parser::parseDim(Program &program) {
  DimDecl dim;
  advance();
  do {
    auto &[name, loc] = dim.names.emplace_back();
    if (!parseName(name, loc, "a dim name")) return false;
  } while (consume(TokenKind::Comma));
  if (!expectEndOfLine("the dim declaration")) return false;
  program.decls.emplace_back(std::move(dim));
  return true;
}

bool Parser::parseLayer(Program &program) {
  LayerDecl layer;
  advance();
  if (!parseName(layer.name, layer.loc, "a layer name", /*allowDots=*/true) ||
      !expect(TokenKind::Equal, "after the layer name"))
    return false;
  if (!at(TokenKind::Identifier))
    return failExpected("a layer constructor such as 'Linear(...)' after '='");
  std::string callee = tok_.spelling.str();
  layer.constructor = parseNameOrCall();
  if (!layer.constructor) return false;
  if (layer.constructor->kind != Expr::Kind::Call)
    return failExpected("'(' after the layer constructor '" + callee + "'");
  if (!expectEndOfLine("the layer declaration")) return false;
  program.decls.emplace_back(std::move(layer));
  return true;
}

bool Parser::parseParam(Program &program) {
  ParamDecl param;
  advance();
  if (!parseName(param.name, param.loc, "a param name", /*allowDots=*/true) ||
      !expect(TokenKind::Colon, "and a type after the param name") || !parseType(param.type) ||
      !expectEndOfLine("the param declaration"))
    return false;
  program.decls.emplace_back(std::move(param));
  return true;
}

bool Parser::parseFn(Program &program) {
  FnDecl fn;
  ++newlineSkip_; // the header may span lines, up to its '{'
  advance();
  if (!parseName(fn.name, fn.loc, "a function name after 'fn'")) return false;
  auto typedList = [&](std::vector<TypedName> &list, llvm::StringRef role, llvm::StringRef name) {
    return parseBracketed(TokenKind::RParen, "to close the " + name,
                          [&] { return parseTypedName(list.emplace_back(), role); });
  };
  if (!at(TokenKind::LParen)) return failExpected("'(' to start the parameter list");
  if (!typedList(fn.params, "a parameter name", "parameter list")) return false;
  if (!at(TokenKind::Arrow))
    return failExpected("'->' and the results after the parameter list");
  advance();
  if (at(TokenKind::LParen)) {
    if (!typedList(fn.results, "a result name", "result list")) return false;
  } else if (!parseTypedName(fn.results.emplace_back(), "a result name or '('")) {
    return false;
  }
  if (!at(TokenKind::LBrace)) return failExpected("'{' to start the body of '" + fn.name + "'");
  llvm::SMLoc braceLoc = tok_.loc;
  --newlineSkip_;
  advance();
  if (!parseBody(fn, braceLoc) || !expectEndOfLine("the function's '}'")) return false;
  program.decls.emplace_back(std::move(fn));
  return true;
}

bool Parser::parseTypedName(TypedName &typed, llvm::StringRef role) {
  if (!parseName(typed.name, typed.loc, role)) return false;
  if (!consume(TokenKind::Colon))
    return failExpected("':' and a type after '" + typed.name + "'");
  return parseType(typed.type);
}

bool Parser::parseType(TypeExpr &type) {
  if (!at(TokenKind::Identifier)) return failExpected("a type such as 'f32[B, T]'");
  type.dtype = tok_.spelling.str();
  type.loc = tok_.loc;
  advance();
  if (!at(TokenKind::LBracket)) return true; // a scalar
  return parseBracketed(TokenKind::RBracket, "to close the shape", [&] {
    type.dims.push_back(parseExpr());
    return type.dims.back() != nullptr;
  });
}

// --- Statements ----------------------------------------------------------------

bool Parser::parseBody(FnDecl &fn, llvm::SMLoc braceLoc) {
  for (skipNewlines(); !at(TokenKind::RBrace); skipNewlines()) {
    if (at(TokenKind::Eof)) {
      bool first = !failed_;
      failExpected("'}' to close the body of '" + fn.name + "'");
      if (first) diags_.note(braceLoc, "the body of '" + fn.name + "' starts here");
      return false;
    }
    if (!parseStatement(fn)) return false;
  }
  fn.closeBraceLoc = tok_.loc;
  advance();
  return true;
}

bool Parser::parseStatement(FnDecl &fn) {
  bool ok = at(TokenKind::KwReturn)                                 ? parseReturn(fn)
            : at(TokenKind::Identifier) || at(TokenKind::LParen) ? parseAssign(fn)
                                        : failExpected("a statement ('NAME = EXPR' or 'return')",
                                                       reservedWordNote(tok_));
  if (!ok) return false;
  // `return x }` on one line: the '}' ends the statement as well as a newline.
  return at(TokenKind::RBrace) || expectEndOfLine("the statement");
}

bool Parser::parseReturn(FnDecl &fn) {
  ReturnStmt ret;
  ret.loc = tok_.loc;
  advance();
  if (!at(TokenKind::Newline) && !at(TokenKind::RBrace) && !at(TokenKind::Eof)) {
    // `return a, b,`: a trailing comma, as Python allows.
    do {
      ExprPtr value = parseExpr();
      if (!value) return false;
      ret.values.push_back(std::move(value));
    } while (consume(TokenKind::Comma) && !at(TokenKind::Newline) && !at(TokenKind::RBrace) &&
             !at(TokenKind::Eof));
  }
  fn.body.emplace_back(std::move(ret));
  return true;
}

bool Parser::parseTarget(AssignTarget &target) {
  if (!at(TokenKind::LParen)) return parseName(target.name, target.loc, "an assignment target");
  NestingLevel level(nesting_);
  if (tooDeep()) return false;
  target.loc = tok_.loc;
  if (!parseBracketed(TokenKind::RParen, "to close the tuple of targets",
                      [&] { return parseTarget(target.elements.emplace_back()); }))
    return false;
  if (target.elements.empty()) return fail(target.loc, "an empty tuple cannot be assigned to");
  return true;
}

bool Parser::parseAssign(FnDecl &fn) {
  AssignStmt assign;
  do {
    if (!parseTarget(assign.targets.emplace_back())) return false;
  } while (consume(TokenKind::Comma));
  if (!consume(TokenKind::Equal)) {
    const AssignTarget &last = assign.targets.back();
    return failExpected("'=' or ',' after " + (last.isTuple() ? std::string("the tuple") : "'" + last.name + "'"));
  }
  assign.value = parseExpr();
  if (!assign.value) return false;
  fn.body.emplace_back(std::move(assign));
  return true;
}

// --- Expressions ---------------------------------------------------------------

bool Parser::tooDeep() {
  if (nesting_ <= kMaxNesting) return false;
  fail(tok_.loc, "expression is nested too deeply");
  return true;
}

/// Records the height of a new inner node, refusing trees too tall to walk
/// recursively (left-associative chains grow them without any nesting).
ExprPtr Parser::finish(ExprPtr expr) {
  unsigned childHeight = 0;
  auto visit = [&](const ExprPtr &child) {
    auto it = heights_.find(child.get());
    childHeight = std::max(childHeight, it == heights_.end() ? 1u : it->second);
  };
  std::for_each(expr->elements.begin(), expr->elements.end(), visit);
  for (const Argument &arg : expr->args) visit(arg.value);
  if (childHeight + 1 > kMaxExprHeight) {
    fail(expr->loc, "expression is nested too deeply");
    return nullptr;
  }
  heights_[expr.get()] = childHeight + 1;
  return expr;
}

/// Python's precedence, loosest first: comparisons (not chained), |, &,
/// + -, * / @; then unary - and ~, then calls, methods and subscripts.
ExprPtr Parser::parseExpr() {
  ExprPtr lhs = parseBinary(/*level=*/1);
  if (!lhs || !isComparison(tok_.kind)) return lhs;
  auto binary = std::make_unique<Expr>(Expr::Kind::Binary, tok_.loc);
  binary->op = tok_.spelling.str();
  advance();
  ExprPtr rhs = parseBinary(1);
  if (!rhs) return nullptr;
  if (isComparison(tok_.kind)) {
    fail(tok_.loc, "comparisons cannot be chained; write (a < b) & (b < c)");
    return nullptr;
  }
  binary->elements.push_back(std::move(lhs));
  binary->elements.push_back(std::move(rhs));
  return finish(std::move(binary));
}

ExprPtr Parser::parseBinary(int level) {
  constexpr int kLevels = 4; // | & (+ -) (* / @)
  auto operand = [&] { return level < kLevels ? parseBinary(level + 1) : parseUnary(); };
  auto isOperator = [&] {
    switch (level) {
    case 1: return at(TokenKind::Pipe);
    case 2: return at(TokenKind::Amp);
    case 3: return at(TokenKind::Plus) || at(TokenKind::Minus);
    default: return at(TokenKind::Star) || at(TokenKind::Slash) || at(TokenKind::At);
    }
  };
  ExprPtr lhs = operand();
  while (lhs && isOperator()) {
    auto binary = std::make_unique<Expr>(Expr::Kind::Binary, tok_.loc);
    binary->op = tok_.spelling.str();
    advance();
    ExprPtr rhs = operand();
    if (!rhs) return nullptr;
    binary->elements.push_back(std::move(lhs));
    binary->elements.push_back(std::move(rhs));
    lhs = finish(std::move(binary));
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  if (!at(TokenKind::Minus) && !at(TokenKind::Tilde)) return parsePostfix();
  NestingLevel level(nesting_);
  if (tooDeep()) return nullptr;
  bool isMinus = at(TokenKind::Minus);
  llvm::SMLoc minusLoc = tok_.loc;
  advance();
  if (isMinus && (at(TokenKind::Integer) || at(TokenKind::Float)))
    return parseNumber(minusLoc);
  auto negate = std::make_unique<Expr>(isMinus ? Expr::Kind::Negate : Expr::Kind::Invert, minusLoc);
  ExprPtr operand = parseUnary();
  if (!operand) return nullptr;
  negate->elements.push_back(std::move(operand));
  return finish(std::move(negate));
}

ExprPtr Parser::parseNumber(llvm::SMLoc minusLoc) {
  bool negated = minusLoc.isValid();
  bool isInteger = at(TokenKind::Integer);
  auto literal = std::make_unique<Expr>(isInteger ? Expr::Kind::Integer : Expr::Kind::Float,
                                        negated ? minusLoc : tok_.loc);
  if (isInteger) {
    uint64_t magnitude = tok_.intValue;
    if (magnitude == kMaxIntegerMagnitude && !negated) {
      fail(tok_.loc, "integer literal is too large");
      return nullptr;
    }
    // Two's complement wrap-around, so that -2^63 comes out right.
    literal->intValue = int64_t(negated ? 0 - magnitude : magnitude);
  } else {
    literal->floatValue = negated ? -tok_.floatValue : tok_.floatValue;
  }
  advance();
  return literal;
}

/// primary ( '.' NAME '(' args ')' | '[' subscripts ']' )*
ExprPtr Parser::parsePostfix() {
  ExprPtr expr = parsePrimary();
  while (expr && (at(TokenKind::Dot) || at(TokenKind::LBracket))) {
    NestingLevel level(nesting_);
    if (tooDeep()) return nullptr;
    if (at(TokenKind::LBracket)) {
      expr = parseSubscripts(std::move(expr));
      continue;
    }
    advance(); // '.'
    if (!at(TokenKind::Identifier)) {
      failExpected("a method name after '.'");
      return nullptr;
    }
    auto method = std::make_unique<Expr>(Expr::Kind::Method, tok_.loc);
    method->text = tok_.spelling.str();
    advance();
    if (!at(TokenKind::LParen)) {
      failExpected("'(' after the method name '" + method->text + "'");
      return nullptr;
    }
    method->elements.push_back(std::move(expr));
    if (!parseArguments(method->args)) return nullptr;
    expr = finish(std::move(method));
  }
  return expr;
}

ExprPtr Parser::parseSubscripts(ExprPtr base) {
  auto index = std::make_unique<Expr>(Expr::Kind::Index, tok_.loc);
  index->elements.push_back(std::move(base));
  bool ok = parseBracketed(TokenKind::RBracket, "to close the subscript", [&] {
    index->elements.push_back(parseSubscript());
    return index->elements.back() != nullptr;
  });
  if (!ok) return nullptr;
  if (index->elements.size() == 1) {
    fail(index->loc, "a subscript needs at least one index, as in x[0] or x[:, -1]");
    return nullptr;
  }
  return finish(std::move(index));
}

/// `...`, `expr`, or a slice `[start] ':' [stop] [':' [step]]`.
ExprPtr Parser::parseSubscript() {
  if (at(TokenKind::Ellipsis)) {
    auto ellipsis = std::make_unique<Expr>(Expr::Kind::Ellipsis, tok_.loc);
    advance();
    return ellipsis;
  }
  llvm::SMLoc loc = tok_.loc;
  auto endsPart = [&] { return at(TokenKind::Colon) || at(TokenKind::Comma) || at(TokenKind::RBracket); };
  ExprPtr start;
  if (!at(TokenKind::Colon)) {
    start = parseExpr();
    if (!start || !at(TokenKind::Colon)) return start;
  }
  auto slice = std::make_unique<Expr>(Expr::Kind::Slice, loc);
  slice->elements.push_back(std::move(start));
  for (int part = 0; part < 2 && consume(TokenKind::Colon); ++part) {
    ExprPtr bound;
    if (!endsPart()) {
      bound = parseExpr();
      if (!bound) return nullptr;
    }
    slice->elements.push_back(std::move(bound));
  }
  slice->elements.resize(3);
  return finish(std::move(slice));
}

ExprPtr Parser::parsePrimary() {
  switch (tok_.kind) {
  case TokenKind::Integer:
  case TokenKind::Float:
    return parseNumber(llvm::SMLoc());
  case TokenKind::String:
  case TokenKind::KwTrue:
  case TokenKind::KwFalse: {
    bool isString = at(TokenKind::String);
    auto literal = std::make_unique<Expr>(isString ? Expr::Kind::String : Expr::Kind::Bool, tok_.loc);
    literal->text = isString ? std::move(tok_.text) : "";
    literal->boolValue = at(TokenKind::KwTrue);
    advance();
    return literal;
  }
  case TokenKind::Identifier: return parseNameOrCall();
  case TokenKind::LParen: return parseParenthesised();
  case TokenKind::LBracket: return parseList();
  default:
    failExpected("an expression", reservedWordNote(tok_));
    return nullptr;
  }
}

ExprPtr Parser::parseNameOrCall() {
  auto name = std::make_unique<Expr>(Expr::Kind::Name, tok_.loc);
  name->text = tok_.spelling.str();
  advance();
  if (!at(TokenKind::LParen)) return name;
  NestingLevel level(nesting_);
  if (tooDeep()) return nullptr;
  name->kind = Expr::Kind::Call;
  if (!parseArguments(name->args)) return nullptr;
  return finish(std::move(name));
}

bool Parser::parseArguments(std::vector<Argument> &args) {
  bool sawKeyword = false;
  return parseBracketed(TokenKind::RParen, "to close the argument list", [&] {
    Argument &arg = args.emplace_back();
    // `dim=` is PyTorch's name for axis= (bindArguments maps it), though
    // `dim` is the keyword that declares dims.
    if ((at(TokenKind::Identifier) || at(TokenKind::KwDim)) && peekIsEqual()) {
      if (tok_.spelling.contains('.'))
        return fail(tok_.loc, "a keyword argument name cannot contain '.'");
      for (const Argument &earlier : args)
        if (&earlier != &arg && earlier.keyword == tok_.spelling)
          return fail(tok_.loc, "keyword argument '" + tok_.spelling + "' repeated");
      arg.keyword = tok_.spelling.str();
      arg.keywordLoc = tok_.loc;
      advance(); // the name
      advance(); // '='
      sawKeyword = true;
    } else if (sawKeyword) {
      return fail(tok_.loc, "positional argument follows keyword argument");
    }
    arg.value = parseExpr();
    return arg.value != nullptr;
  });
}

ExprPtr Parser::parseParenthesised() {
  NestingLevel level(nesting_);
  if (tooDeep()) return nullptr;
  ++newlineSkip_;
  advance();
  llvm::SMLoc loc = tok_.loc;
  ExprPtr inner = parseExpr();
  if (!inner) return nullptr;
  if (at(TokenKind::Comma)) { // a tuple: (a, b) or (a,)
    auto tuple = std::make_unique<Expr>(Expr::Kind::Tuple, loc);
    tuple->elements.push_back(std::move(inner));
    while (consume(TokenKind::Comma) && !at(TokenKind::RParen)) {
      tuple->elements.push_back(parseExpr());
      if (!tuple->elements.back()) return nullptr;
    }
    inner = finish(std::move(tuple));
    if (!inner) return nullptr;
  }
  if (!at(TokenKind::RParen)) {
    failExpected("')' to close the parenthesised expression");
    return nullptr;
  }
  --newlineSkip_;
  advance();
  return inner;
}

ExprPtr Parser::parseList() {
  NestingLevel level(nesting_);
  if (tooDeep()) return nullptr;
  auto list = std::make_unique<Expr>(Expr::Kind::List, tok_.loc);
  bool ok = parseBracketed(TokenKind::RBracket, "to close the list", [&] {
    list->elements.push_back(parseExpr());
    return list->elements.back() != nullptr;
  });
  return ok ? finish(std::move(list)) : nullptr;
}

} // namespace

std::unique_ptr<Program> parseProgram(llvm::SourceMgr &sm, Diagnostics &diags) {
  const llvm::MemoryBuffer *buffer = sm.getMemoryBuffer(sm.getMainFileID());
  return Parser(buffer->getBuffer(), diags).parseFile();
}

} // namespace attn::frontend
