// The attn lexer: turns a buffer into tokens on demand (grammar in Lexer.h).
#include "frontend/Lexer.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/StringSwitch.h>

#include <charconv>
#include <system_error>

namespace attn::frontend {
namespace {

bool isIdentStart(char c) { return llvm::isAlpha(c) || c == '_'; }
bool isIdentChar(char c) { return llvm::isAlnum(c) || c == '_'; }

/// A byte as it can be shown inside quotes in a message: junk bytes become
/// `\xNN` so that diagnostics stay printable (and valid UTF-8).
std::string printableChar(char c) {
  if (llvm::isPrint(c)) return std::string(1, c);
  uint8_t byte = uint8_t(c);
  return {'\\', 'x', llvm::hexdigit(byte >> 4, /*LowerCase=*/true),
          llvm::hexdigit(byte & 0xF, /*LowerCase=*/true)};
}

TokenKind keywordKind(llvm::StringRef text) {
  return llvm::StringSwitch<TokenKind>(text)
      .Case("model", TokenKind::KwModel)
      .Case("let", TokenKind::KwLet)
      .Case("dim", TokenKind::KwDim)
      .Case("layer", TokenKind::KwLayer)
      .Case("param", TokenKind::KwParam)
      .Case("fn", TokenKind::KwFn)
      .Case("return", TokenKind::KwReturn)
      .Cases("true", "True", TokenKind::KwTrue) // Python's spelling too
      .Cases("false", "False", TokenKind::KwFalse)
      .Default(TokenKind::Identifier);
}

} // namespace

Token Lexer::make(TokenKind kind, const char *start, const char *end) {
  Token token;
  token.kind = kind;
  token.spelling = llvm::StringRef(start, size_t(end - start));
  token.loc = llvm::SMLoc::getFromPointer(start);
  cur_ = end;
  return token;
}

Token Lexer::error(const char *where, const char *tokenStart, std::string message) {
  // Stop at the end of the buffer: after an error the parser gives up, and a
  // lexer that keeps returning errors cannot loop anyone forever.
  Token token = make(TokenKind::Error, tokenStart, end_);
  token.loc = llvm::SMLoc::getFromPointer(where);
  token.text = std::move(message);
  return token;
}

void Lexer::skipWhitespaceAndComments(const char *&commentStart) {
  commentStart = nullptr;
  while (cur_ != end_) {
    char c = *cur_;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++cur_;
    } else if (c == '#') {
      commentStart = cur_;
      while (cur_ != end_ && *cur_ != '\n') ++cur_;
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  const char *commentStart;
  skipWhitespaceAndComments(commentStart);
  if (cur_ == end_) return make(TokenKind::Eof, end_, end_);
  const char *start = cur_;
  char c = *start;
  if (c == '\n') {
    // A line that ends in a comment "ends" where the comment starts: that is
    // where a caret under "found end of line" reads best.
    Token token = make(TokenKind::Newline, start, start + 1);
    if (commentStart) token.loc = llvm::SMLoc::getFromPointer(commentStart);
    return token;
  }
  if (isIdentStart(c)) return lexIdentifier(start);
  if (llvm::isDigit(c) || (c == '.' && start + 1 != end_ && llvm::isDigit(start[1])))
    return lexNumber(start);
  if (c == '"' || c == '\'') return lexString(start);
  return lexPunctuation(start);
}

Token Lexer::lexIdentifier(const char *start) {
  const char *p = start;
  while (p != end_ && isIdentChar(*p)) ++p;
  // Dotted segments; a dot not followed by a segment is left for the caller.
  while (p != end_ && *p == '.' && p + 1 != end_ && isIdentChar(p[1])) {
    ++p;
    while (p != end_ && isIdentChar(*p)) ++p;
  }
  Token token = make(TokenKind::Identifier, start, p);
  token.kind = keywordKind(token.spelling);
  return token;
}

Token Lexer::lexNumber(const char *start) {
  const char *p = start;
  bool isFloat = false;
  while (p != end_ && llvm::isDigit(*p)) ++p;
  if (p != end_ && *p == '.') {
    isFloat = true;
    ++p;
    while (p != end_ && llvm::isDigit(*p)) ++p;
  }
  if (p != end_ && (*p == 'e' || *p == 'E')) {
    const char *exponent = p++;
    if (p != end_ && (*p == '+' || *p == '-')) ++p;
    if (p == end_ || !llvm::isDigit(*p))
      return error(exponent, start, "expected digits in the exponent of a float literal");
    while (p != end_ && llvm::isDigit(*p)) ++p;
    isFloat = true;
  }
  if (p != end_ && isIdentChar(*p)) {
    const char *suffix = p;
    while (p != end_ && isIdentChar(*p)) ++p;
    return error(suffix, start,
                 "invalid suffix '" + std::string(suffix, p) + "' on a number literal");
  }
  Token token = make(isFloat ? TokenKind::Float : TokenKind::Integer, start, p);
  if (isFloat) {
    // from_chars, not strtod: the host application's locale must not change
    // how a model file reads.
    auto [ptr, ec] = std::from_chars(start, p, token.floatValue);
    if (ec != std::errc() || ptr != p)
      return error(start, start, "float literal is out of range");
    return token;
  }
  for (const char *d = start; d != p; ++d) {
    uint64_t digit = uint64_t(*d - '0');
    if (token.intValue > (kMaxIntegerMagnitude - digit) / 10)
      return error(start, start, "integer literal is too large");
    token.intValue = token.intValue * 10 + digit;
  }
  return token;
}

Token Lexer::lexString(const char *start) {
  std::string value;
  const char quote = *start;
  const char *p = start + 1;
  while (p != end_ && *p != quote && *p != '\n') {
    if (*p != '\\') {
      value += *p++;
      continue;
    }
    if (p + 1 == end_ || p[1] == '\n') break; // unterminated, reported below
    char escaped = p[1];
    if (escaped == 'n') {
      value += '\n';
    } else if (escaped == '"' || escaped == '\'' || escaped == '\\') {
      value += escaped;
    } else {
      return error(p, start, "unknown escape sequence '\\" + printableChar(escaped) +
                                 "' in a string (expected \\\", \\', \\\\ or \\n)");
    }
    p += 2;
  }
  if (p == end_ || *p != quote) return error(start, start, "unterminated string literal");
  Token token = make(TokenKind::String, start, p + 1);
  token.text = std::move(value);
  return token;
}

Token Lexer::lexPunctuation(const char *start) {
  auto single = [&](TokenKind kind) { return make(kind, start, start + 1); };
  // A two-character operator if `second` follows, else `one` (Eof: none).
  auto pair = [&](char second, TokenKind two, TokenKind one) {
    if (start + 1 != end_ && start[1] == second) return make(two, start, start + 2);
    if (one == TokenKind::Eof) return error(start, start, "unexpected character '" + printableChar(*start) + "'");
    return single(one);
  };
  switch (*start) {
  case '(': return single(TokenKind::LParen);
  case ')': return single(TokenKind::RParen);
  case '[': return single(TokenKind::LBracket);
  case ']': return single(TokenKind::RBracket);
  case '{': return single(TokenKind::LBrace);
  case '}': return single(TokenKind::RBrace);
  case ',': return single(TokenKind::Comma);
  case ':': return single(TokenKind::Colon);
  case '+': return single(TokenKind::Plus);
  case '*': return single(TokenKind::Star);
  case '/': return single(TokenKind::Slash);
  case '@': return single(TokenKind::At);
  case '-': return pair('>', TokenKind::Arrow, TokenKind::Minus);
  case '=': return pair('=', TokenKind::EqualEqual, TokenKind::Equal);
  case '!': return pair('=', TokenKind::NotEqual, TokenKind::Eof);
  case '<': return pair('=', TokenKind::LessEqual, TokenKind::Less);
  case '>': return pair('=', TokenKind::GreaterEqual, TokenKind::Greater);
  case '~': return single(TokenKind::Tilde);
  case '&': return single(TokenKind::Amp);
  case '|': return single(TokenKind::Pipe);
  case '.':
    if (end_ - start >= 3 && start[1] == '.' && start[2] == '.') return make(TokenKind::Ellipsis, start, start + 3);
    return single(TokenKind::Dot);
  default:
    return error(start, start, "unexpected character '" + printableChar(*start) + "'");
  }
}

llvm::StringRef tokenKindSpelling(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof: return "end of file";
  case TokenKind::Newline: return "end of line";
  case TokenKind::Error: return "an invalid token";
  case TokenKind::Identifier: return "a name";
  case TokenKind::Integer: return "an integer";
  case TokenKind::Float: return "a float";
  case TokenKind::String: return "a string";
  case TokenKind::KwModel: return "model";
  case TokenKind::KwLet: return "let";
  case TokenKind::KwDim: return "dim";
  case TokenKind::KwLayer: return "layer";
  case TokenKind::KwParam: return "param";
  case TokenKind::KwFn: return "fn";
  case TokenKind::KwReturn: return "return";
  case TokenKind::KwTrue: return "true";
  case TokenKind::KwFalse: return "false";
  case TokenKind::LParen: return "(";
  case TokenKind::RParen: return ")";
  case TokenKind::LBracket: return "[";
  case TokenKind::RBracket: return "]";
  case TokenKind::LBrace: return "{";
  case TokenKind::RBrace: return "}";
  case TokenKind::Comma: return ",";
  case TokenKind::Colon: return ":";
  case TokenKind::Equal: return "=";
  case TokenKind::Plus: return "+";
  case TokenKind::Minus: return "-";
  case TokenKind::Star: return "*";
  case TokenKind::Slash: return "/";
  case TokenKind::At: return "@";
  case TokenKind::Arrow: return "->";
  case TokenKind::Dot: return ".";
  case TokenKind::Ellipsis: return "...";
  case TokenKind::EqualEqual: return "==";
  case TokenKind::NotEqual: return "!=";
  case TokenKind::Less: return "<";
  case TokenKind::LessEqual: return "<=";
  case TokenKind::Greater: return ">";
  case TokenKind::GreaterEqual: return ">=";
  case TokenKind::Tilde: return "~";
  case TokenKind::Amp: return "&";
  case TokenKind::Pipe: return "|";
  }
  return "a token";
}

std::string describeToken(const Token &token) {
  switch (token.kind) {
  case TokenKind::Eof:
  case TokenKind::Newline:
  case TokenKind::Error:
    return tokenKindSpelling(token.kind).str();
  default:
    break;
  }
  // Keep a runaway token (a 10 kB name, a long string) from flooding the message.
  constexpr size_t kMaxShown = 40;
  llvm::StringRef shown = token.spelling.take_front(kMaxShown);
  std::string text;
  for (char c : shown) text += printableChar(c);
  if (shown.size() < token.spelling.size()) text += "...";
  if (token.is(TokenKind::String)) return "string " + text;
  return "'" + text + "'";
}

} // namespace attn::frontend
