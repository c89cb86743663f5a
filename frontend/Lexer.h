// The tokens of the attn language (language.md, "Lexical structure") and the
// lexer that produces them one at a time from a SourceMgr buffer.
//
//   identifier  [A-Za-z_][A-Za-z0-9_]* ('.' [A-Za-z0-9_]+)*   one token, dots kept
//   integer     [0-9]+                                        decimal, fits int64
//   float       [0-9]+ '.' [0-9]* exp? | '.' [0-9]+ exp? | [0-9]+ exp
//               exp = [eE] [+-]? [0-9]+
//   string      '"' ( [^"\\\n] | '\"' | '\\' | '\n' )* '"'   or the same in '...'
//               (Python's single quotes; \' escapes a quote there)
//   punctuation ( ) [ ] { } , : = + - * / @ -> . ... == != < <= > >= ~ & |
//   newline     ends a statement; '#' comments run to the end of the line;
//               space, tab and CR are whitespace.
//
// A dotted segment may start with a digit so that PyTorch state_dict keys of
// nn.ModuleList children (`layers.0.weight`) can be written as param names.
//
// The lexer never reports anything itself: a malformed token comes back as a
// TokenKind::Error carrying its message and location, and the parser reports
// it only if it gets that far (so the first error in the file wins).
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/SMLoc.h>

#include <cstdint>
#include <string>

namespace attn::frontend {

enum class TokenKind {
  Eof,
  Newline,
  Error,
  Identifier,
  Integer,
  Float,
  String,
  // Keywords.
  KwModel,
  KwLet,
  KwDim,
  KwLayer,
  KwParam,
  KwFn,
  KwReturn,
  KwTrue,
  KwFalse,
  // Punctuation.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  Arrow,
  Dot,          // '.' after ')' or ']' (a method call); dots inside names stay in the name
  Ellipsis,     // ...
  EqualEqual,   // ==
  NotEqual,     // !=
  Less,         // <
  LessEqual,    // <=
  Greater,      // >
  GreaterEqual, // >=
  Tilde,        // ~
  Amp,          // &
  Pipe,         // |
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  llvm::StringRef spelling; // the source text of the token
  llvm::SMLoc loc;          // where the token starts (for Error: where the problem is)
  // Integer: the magnitude; 2^63 itself is let through so that the parser can
  // accept -9223372036854775808, and rejects it anywhere else.
  uint64_t intValue = 0;
  double floatValue = 0;
  std::string text; // String: the decoded contents; Error: the message

  bool is(TokenKind k) const { return kind == k; }
};

/// The largest integer magnitude a literal may have (only when negated).
inline constexpr uint64_t kMaxIntegerMagnitude = uint64_t(1) << 63;

class Lexer {
public:
  /// `buffer` must be (a slice of) a SourceMgr buffer so that token locations
  /// can be printed by the SourceMgr. The lexer is a cheap value: copy it to
  /// look ahead.
  explicit Lexer(llvm::StringRef buffer) : cur_(buffer.begin()), end_(buffer.end()) {
    if (buffer.starts_with("\xEF\xBB\xBF")) cur_ += 3; // a UTF-8 BOM, as some editors write
  }

  /// The next token; Eof forever once the buffer is exhausted.
  Token next();

private:
  Token make(TokenKind kind, const char *start, const char *end);
  Token error(const char *where, const char *tokenStart, std::string message);
  Token lexIdentifier(const char *start);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  Token lexPunctuation(const char *start);
  void skipWhitespaceAndComments(const char *&commentStart);

  const char *cur_;
  const char *end_;
};

/// How a token is named in "found ..." of a diagnostic: `'x'`, `end of line`,
/// `end of file`, `string "abc"`.
std::string describeToken(const Token &token);

/// The source spelling of a keyword or punctuation kind (`->`, `model`); for
/// the other kinds a description (`an identifier`).
llvm::StringRef tokenKindSpelling(TokenKind kind);

} // namespace attn::frontend
