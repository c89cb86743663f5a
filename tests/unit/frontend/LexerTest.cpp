// The attn lexer: every token kind, values, positions, and each malformed
// token's message and location.
#include "frontend/Lexer.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace attn::frontend {
namespace {

/// A source held by a SourceMgr (so that locations have lines and columns),
/// lexed to the end or to the first error.
struct Lexed {
  llvm::SourceMgr sm;
  std::vector<Token> tokens; // ends with Eof or Error

  explicit Lexed(llvm::StringRef source) {
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(source, "test.attn"), llvm::SMLoc());
    Lexer lexer(sm.getMemoryBuffer(sm.getMainFileID())->getBuffer());
    do {
      tokens.push_back(lexer.next());
    } while (!tokens.back().is(TokenKind::Eof) && !tokens.back().is(TokenKind::Error));
  }

  std::vector<TokenKind> kinds() const {
    std::vector<TokenKind> result;
    for (const Token &t : tokens) result.push_back(t.kind);
    return result;
  }

  std::pair<unsigned, unsigned> lineCol(const Token &t) const { return sm.getLineAndColumn(t.loc); }

  const Token &last() const { return tokens.back(); }
};

using K = TokenKind;

TEST(Lexer, Identifiers) {
  Lexed lexed("x _tmp encoder.W attention.v layers.0.weight B2 a_b.c_d");
  ASSERT_EQ(lexed.tokens.size(), 8u);
  const char *expected[] = {"x",  "_tmp", "encoder.W", "attention.v", "layers.0.weight",
                            "B2", "a_b.c_d"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(lexed.tokens[i].kind, K::Identifier) << i;
    EXPECT_EQ(lexed.tokens[i].spelling, expected[i]);
  }
}

TEST(Lexer, KeywordsAreWholeWords) {
  Lexed lexed("model let dim layer param fn return true false models let2 fn.x");
  std::vector<K> expected = {K::KwModel, K::KwLet,    K::KwDim,      K::KwLayer,
                             K::KwParam, K::KwFn,     K::KwReturn,   K::KwTrue,
                             K::KwFalse, K::Identifier, K::Identifier, K::Identifier, K::Eof};
  EXPECT_EQ(lexed.kinds(), expected);
}

TEST(Lexer, ADotWithoutASegmentIsNotPartOfTheName) {
  Lexed lexed("a. b");
  std::vector<K> expected = {K::Identifier, K::Dot, K::Identifier, K::Eof};
  EXPECT_EQ(lexed.kinds(), expected);
  EXPECT_EQ(lexed.tokens[0].spelling, "a");
  EXPECT_EQ(lexed.lineCol(lexed.tokens[1]), std::make_pair(1u, 2u));
}

TEST(Lexer, PythonOperatorsAndQuotes) {
  Lexed lexed("x.sum() == != < <= > >= ~ & | ... 'it\\'s' ! ");
  std::vector<K> expected = {K::Identifier, K::LParen,       K::RParen,    K::EqualEqual,
                             K::NotEqual,   K::Less,         K::LessEqual, K::Greater,
                             K::GreaterEqual, K::Tilde,      K::Amp,       K::Pipe,
                             K::Ellipsis,   K::String,       K::Error};
  EXPECT_EQ(lexed.kinds(), expected);
  EXPECT_EQ(lexed.tokens[0].spelling, "x.sum");
  EXPECT_EQ(lexed.tokens[13].text, "it's");
  EXPECT_EQ(lexed.last().text, "unexpected character '!'");
}

TEST(Lexer, Integers) {
  Lexed lexed("0 42 007 9223372036854775807 9223372036854775808");
  ASSERT_EQ(lexed.tokens.size(), 6u);
  EXPECT_EQ(lexed.tokens[0].intValue, 0u);
  EXPECT_EQ(lexed.tokens[1].intValue, 42u);
  EXPECT_EQ(lexed.tokens[2].intValue, 7u);
  EXPECT_EQ(lexed.tokens[3].intValue, uint64_t(std::numeric_limits<int64_t>::max()));
  // 2^63 is only valid negated; the parser decides.
  EXPECT_EQ(lexed.tokens[4].kind, K::Integer);
  EXPECT_EQ(lexed.tokens[4].intValue, kMaxIntegerMagnitude);
}

TEST(Lexer, IntegerTooLarge) {
  for (const char *source : {"9223372036854775809", "99999999999999999999999"}) {
    Lexed lexed(std::string("x = ") + source);
    EXPECT_EQ(lexed.last().kind, K::Error);
    EXPECT_EQ(lexed.last().text, "integer literal is too large");
    EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(1u, 5u));
  }
}

TEST(Lexer, Floats) {
  Lexed lexed("1e-5 0.2 3. 2.5e3 .5 1E+2 1.e2 0.0");
  std::vector<double> expected = {1e-5, 0.2, 3.0, 2500.0, 0.5, 100.0, 100.0, 0.0};
  ASSERT_EQ(lexed.tokens.size(), expected.size() + 1);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(lexed.tokens[i].kind, K::Float) << i;
    EXPECT_DOUBLE_EQ(lexed.tokens[i].floatValue, expected[i]) << i;
  }
}

TEST(Lexer, MalformedNumbers) {
  struct Case {
    const char *source;
    unsigned column;
    const char *message;
  } cases[] = {
      {"x = 1e", 6, "expected digits in the exponent of a float literal"},
      {"x = 1e+ 3", 6, "expected digits in the exponent of a float literal"},
      {"x = 2.5E", 8, "expected digits in the exponent of a float literal"},
      {"x = 2abc", 6, "invalid suffix 'abc' on a number literal"},
      {"x = 3.x", 7, "invalid suffix 'x' on a number literal"},
      {"x = 1e999", 5, "float literal is out of range"},
  };
  for (const Case &c : cases) {
    Lexed lexed(c.source);
    EXPECT_EQ(lexed.last().kind, K::Error) << c.source;
    EXPECT_EQ(lexed.last().text, c.message) << c.source;
    EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(1u, c.column)) << c.source;
  }
}

TEST(Lexer, Strings) {
  Lexed lexed(R"("tanh" "" "a\"b" "back\\slash" "two\nlines" "# not a comment")");
  std::vector<std::string> expected = {"tanh", "", "a\"b", "back\\slash", "two\nlines",
                                       "# not a comment"};
  ASSERT_EQ(lexed.tokens.size(), expected.size() + 1);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(lexed.tokens[i].kind, K::String);
    EXPECT_EQ(lexed.tokens[i].text, expected[i]);
  }
  EXPECT_EQ(lexed.tokens[2].spelling, R"("a\"b")");
}

TEST(Lexer, UnterminatedStringPointsAtItsQuote) {
  for (const char *source : {"x = \"abc", "x = \"abc\ny\"", "x = \"ab\\\"", "x = \"a\\"}) {
    Lexed lexed(source);
    EXPECT_EQ(lexed.last().kind, K::Error) << source;
    EXPECT_EQ(lexed.last().text, "unterminated string literal") << source;
    EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(1u, 5u)) << source;
  }
}

TEST(Lexer, UnknownEscape) {
  Lexed lexed(R"(x = "a\qb")");
  EXPECT_EQ(lexed.last().kind, K::Error);
  EXPECT_EQ(lexed.last().text, R"(unknown escape sequence '\q' in a string (expected \", \', \\ or \n))");
  EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(1u, 7u));
}

TEST(Lexer, Punctuation) {
  Lexed lexed("( ) [ ] { } , : = + - * / @ -> - > $");
  std::vector<K> expected = {K::LParen, K::RParen, K::LBracket, K::RBracket, K::LBrace,
                             K::RBrace, K::Comma,  K::Colon,    K::Equal,    K::Plus,
                             K::Minus,  K::Star,   K::Slash,    K::At,       K::Arrow,
                             K::Minus,  K::Greater, K::Error};
  EXPECT_EQ(lexed.kinds(), expected);
  EXPECT_EQ(lexed.last().text, "unexpected character '$'");
}

TEST(Lexer, NoSpacesNeeded) {
  Lexed lexed("a->b-1*c@d");
  std::vector<K> expected = {K::Identifier, K::Arrow, K::Identifier, K::Minus, K::Integer,
                             K::Star,       K::Identifier, K::At, K::Identifier, K::Eof};
  EXPECT_EQ(lexed.kinds(), expected);
}

TEST(Lexer, NewlinesCommentsAndWhitespace) {
  Lexed lexed("a # comment\r\n\tb\r\n\n# only a comment\nc");
  std::vector<K> expected = {K::Identifier, K::Newline, K::Identifier, K::Newline,
                             K::Newline,    K::Newline, K::Identifier, K::Eof};
  EXPECT_EQ(lexed.kinds(), expected);
  // A newline after a comment is located at the comment.
  EXPECT_EQ(lexed.lineCol(lexed.tokens[1]), std::make_pair(1u, 3u));
  EXPECT_EQ(lexed.lineCol(lexed.tokens[2]), std::make_pair(2u, 2u));
  EXPECT_EQ(lexed.lineCol(lexed.tokens[6]), std::make_pair(5u, 1u));
}

TEST(Lexer, Positions) {
  Lexed lexed("model M\n\nfn f(x: f32[B]) -> y: f32 {\n  return x\n}\n");
  auto find = [&](llvm::StringRef spelling, int skip = 0) {
    for (const Token &t : lexed.tokens)
      if (t.spelling == spelling && skip-- == 0) return lexed.lineCol(t);
    return std::make_pair(0u, 0u);
  };
  EXPECT_EQ(find("model"), std::make_pair(1u, 1u));
  EXPECT_EQ(find("M"), std::make_pair(1u, 7u));
  EXPECT_EQ(find("fn"), std::make_pair(3u, 1u));
  EXPECT_EQ(find("B"), std::make_pair(3u, 13u));
  EXPECT_EQ(find("->"), std::make_pair(3u, 17u));
  EXPECT_EQ(find("f32", 1), std::make_pair(3u, 23u));
  EXPECT_EQ(find("return"), std::make_pair(4u, 3u));
  EXPECT_EQ(find("}"), std::make_pair(5u, 1u));
  EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(6u, 1u));
}

TEST(Lexer, UnexpectedCharacters) {
  struct Case {
    std::string source;
    const char *message;
  } cases[] = {
      {"a $", "unexpected character '$'"},
      {"a ;", "unexpected character ';'"},
      {"a \xff", "unexpected character '\\xff'"},
      {std::string("a \0", 3), "unexpected character '\\x00'"},
      {"a \x0c", "unexpected character '\\x0c'"},
  };
  for (const Case &c : cases) {
    Lexed lexed(c.source);
    ASSERT_EQ(lexed.tokens.size(), 2u);
    EXPECT_EQ(lexed.last().kind, K::Error);
    EXPECT_EQ(lexed.last().text, c.message);
    EXPECT_EQ(lexed.lineCol(lexed.last()), std::make_pair(1u, 3u));
  }
}

TEST(Lexer, SkipsAUtf8ByteOrderMark) {
  Lexed lexed("\xEF\xBB\xBFmodel M");
  std::vector<K> expected = {K::KwModel, K::Identifier, K::Eof};
  EXPECT_EQ(lexed.kinds(), expected);
  EXPECT_EQ(lexed.lineCol(lexed.tokens[0]), std::make_pair(1u, 4u));
}

TEST(Lexer, EofRepeats) {
  llvm::StringRef source = "x";
  Lexer lexer(source);
  EXPECT_EQ(lexer.next().kind, K::Identifier);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lexer.next().kind, K::Eof);
}

TEST(Lexer, DescribeToken) {
  Lexed lexed("name , \"str\" 12\n");
  EXPECT_EQ(describeToken(lexed.tokens[0]), "'name'");
  EXPECT_EQ(describeToken(lexed.tokens[1]), "','");
  EXPECT_EQ(describeToken(lexed.tokens[2]), "string \"str\"");
  EXPECT_EQ(describeToken(lexed.tokens[3]), "'12'");
  EXPECT_EQ(describeToken(lexed.tokens[4]), "end of line");
  EXPECT_EQ(describeToken(lexed.tokens[5]), "end of file");
  Lexed longName(std::string(100, 'a'));
  EXPECT_EQ(describeToken(longName.tokens[0]), "'" + std::string(40, 'a') + "...'");
  Lexed junk("\"\x01\"");
  EXPECT_EQ(describeToken(junk.tokens[0]), "string \"\\x01\"");
}

} // namespace
} // namespace attn::frontend
