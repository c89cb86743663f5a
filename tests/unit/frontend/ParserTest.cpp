// The attn parser: the tree it builds (precedence, associativity, arguments,
// statements, locations), the four examples, each syntax error's message and
// column, the nesting limits, and a mutation fuzz over the examples.
#include "frontend/Parser.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace attn::frontend {
namespace {

/// One parse of `source` as the file "test.attn", with its diagnostics.
struct Parsed {
  llvm::SourceMgr sm;
  std::string output;
  unsigned errors = 0;
  std::unique_ptr<Program> program;

  explicit Parsed(llvm::StringRef source) {
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(source, "test.attn"), llvm::SMLoc());
    llvm::raw_string_ostream os(output);
    Diagnostics diags(sm, os);
    program = parseProgram(sm, diags);
    errors = diags.errorCount();
    os.flush();
  }

  std::pair<unsigned, unsigned> lineCol(llvm::SMLoc loc) const { return sm.getLineAndColumn(loc); }

  /// The first line of the output: "test.attn:LINE:COL: error: MESSAGE".
  std::string firstLine() const { return output.substr(0, output.find('\n')); }
};

/// An expression as an s-expression: `(- (- a b) c)`, `(neg a)`, `f(a, k=b)`.
std::string show(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Integer: return std::to_string(e.intValue);
  case Expr::Kind::Float: {
    std::ostringstream os;
    os << e.floatValue << "f";
    return os.str();
  }
  case Expr::Kind::Bool: return e.boolValue ? "true" : "false";
  case Expr::Kind::String: return "\"" + e.text + "\"";
  case Expr::Kind::Name: return e.text;
  case Expr::Kind::Negate: return "(neg " + show(*e.elements[0]) + ")";
  case Expr::Kind::Invert: return "(~ " + show(*e.elements[0]) + ")";
  case Expr::Kind::Ellipsis: return "...";
  case Expr::Kind::Tuple: case Expr::Kind::Index: case Expr::Kind::Slice: {
    // (a, b); base[i, j]; start:stop:step with _ for an omitted part.
    const char *open = e.kind == Expr::Kind::Tuple ? "(" : e.kind == Expr::Kind::Index ? "[" : "";
    const char *close = e.kind == Expr::Kind::Tuple ? ")" : e.kind == Expr::Kind::Index ? "]" : "";
    const char *separator = e.kind == Expr::Kind::Slice ? ":" : ", ";
    size_t first = e.kind == Expr::Kind::Index ? 1 : 0;
    std::string s = e.kind == Expr::Kind::Index ? show(*e.elements[0]) : "";
    s += open;
    for (size_t i = first; i < e.elements.size(); ++i)
      s += (i > first ? separator : "") + (e.elements[i] ? show(*e.elements[i]) : std::string("_"));
    return s + close;
  }
  case Expr::Kind::Binary:
    return std::string("(") + e.op + " " + show(*e.elements[0]) + " " + show(*e.elements[1]) + ")";
  case Expr::Kind::List: {
    std::string s = "[";
    for (size_t i = 0; i < e.elements.size(); ++i) s += (i ? ", " : "") + show(*e.elements[i]);
    return s + "]";
  }
  case Expr::Kind::Call: case Expr::Kind::Method: {
    std::string s = (e.kind == Expr::Kind::Method ? show(*e.elements[0]) + "." : "") + e.text + "(";
    for (size_t i = 0; i < e.args.size(); ++i) {
      s += i ? ", " : "";
      if (!e.args[i].keyword.empty()) s += e.args[i].keyword + "=";
      s += show(*e.args[i].value);
    }
    return s + ")";
  }
  }
  return "?";
}

/// The value of `let x = SOURCE`, shown; or the diagnostic's first line.
std::string expr(const std::string &source) {
  Parsed parsed("model M\nlet x = " + source + "\n");
  if (!parsed.program) return parsed.firstLine();
  return show(*std::get<LetDecl>(parsed.program->decls.at(0)).value);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char *const kExamples[] = {"sentiment.attn", "bilstm_dot.attn", "seq2seq.attn",
                                 "additive_block.attn"};

std::string example(const char *name) {
  return readFile(std::string(ATTN_SOURCE_DIR "/examples/") + name);
}

TEST(ParserExpr, PrecedenceAndAssociativity) {
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(expr("-a @ b"), "(@ (neg a) b)");
  EXPECT_EQ(expr("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(expr("a @ b * c / d"), "(/ (* (@ a b) c) d)");
  EXPECT_EQ(expr("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr("a - -b"), "(- a (neg b))");
  EXPECT_EQ(expr("- - a"), "(neg (neg a))");
  EXPECT_EQ(expr("2*hidden"), "(* 2 hidden)");
}

TEST(ParserExpr, Literals) {
  EXPECT_EQ(expr("42"), "42");
  EXPECT_EQ(expr("0.25"), "0.25f");
  EXPECT_EQ(expr("1e-5"), "1e-05f");
  EXPECT_EQ(expr("true"), "true");
  EXPECT_EQ(expr("false"), "false");
  EXPECT_EQ(expr("\"tanh\""), "\"tanh\"");
  EXPECT_EQ(expr("[]"), "[]");
  EXPECT_EQ(expr("[1, 0, 2,]"), "[1, 0, 2]");
  EXPECT_EQ(expr("[[1], [a]]"), "[[1], [a]]");
  EXPECT_EQ(expr("[\n  1,\n\n  2,  # two\n]"), "[1, 2]");
  EXPECT_EQ(expr("(a\n + b)"), "(+ a b)");
}

TEST(ParserExpr, MinusFoldsIntoNumericLiterals) {
  EXPECT_EQ(expr("-1"), "-1");
  EXPECT_EQ(expr("-1e-5"), "-1e-05f");
  EXPECT_EQ(expr("- 3 * x"), "(* -3 x)");
  EXPECT_EQ(expr("a - 1"), "(- a 1)");
  EXPECT_EQ(expr("-(1)"), "(neg 1)");
  EXPECT_EQ(expr("- -1"), "(neg -1)");
  EXPECT_EQ(expr("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(expr("9223372036854775808"),
            "test.attn:2:9: error: integer literal is too large");
  // The folded literal is located at its '-'.
  Parsed parsed("model M\nlet x = f(-1)\n");
  ASSERT_TRUE(parsed.program);
  const Expr &call = *std::get<LetDecl>(parsed.program->decls[0]).value;
  EXPECT_EQ(parsed.lineCol(call.args[0].value->loc), std::make_pair(2u, 11u));
}

TEST(ParserExpr, CallsAndKeywordArguments) {
  EXPECT_EQ(expr("f()"), "f()");
  EXPECT_EQ(expr("softmax(s, axis=1, mask=m)"), "softmax(s, axis=1, mask=m)");
  EXPECT_EQ(expr("f(a, b,)"), "f(a, b)");
  EXPECT_EQ(expr("f(k=g(x, y=2),)"), "f(k=g(x, y=2))");
  EXPECT_EQ(expr("encoder.rnn(x)"), "encoder.rnn(x)");
  EXPECT_EQ(expr("f(\n  a,\n  # comment\n  axis = -1\n)"), "f(a, axis=-1)");
  EXPECT_EQ(expr("concat([s, context], axis=1)"), "concat([s, context], axis=1)");
}

TEST(ParserExpr, Locations) {
  Parsed parsed("model M\nlet x = a + f(b, axis=[c])\n");
  ASSERT_TRUE(parsed.program);
  const Expr &sum = *std::get<LetDecl>(parsed.program->decls[0]).value;
  EXPECT_EQ(parsed.lineCol(sum.loc), std::make_pair(2u, 11u)); // the operator
  const Expr &call = *sum.elements[1];
  EXPECT_EQ(parsed.lineCol(call.loc), std::make_pair(2u, 13u));
  EXPECT_EQ(parsed.lineCol(call.args[1].keywordLoc), std::make_pair(2u, 18u));
  EXPECT_EQ(parsed.lineCol(call.args[1].value->loc), std::make_pair(2u, 23u)); // '['
  EXPECT_FALSE(call.args[0].keywordLoc.isValid());
}

TEST(ParserDecl, AllDeclarations) {
  Parsed parsed(R"(
# leading comment

model Tiny   # trailing comment
let eps = 1e-5
dim B, T
layer enc.rnn = GRU(4, 8, batch_first=true)
param attention.W: f32[8, 2*T]
param scale: f32

fn f(x: f32[B, T, 4],
     n: i64) -> y: f32[B] {
  # comment-only line

  a, _, c = enc.rnn(x)
  y = sum(a, axis=1)
  return y
}
fn g() -> () { return }
)");
  ASSERT_TRUE(parsed.program) << parsed.output;
  EXPECT_EQ(parsed.errors, 0u);
  const Program &p = *parsed.program;
  EXPECT_EQ(p.modelName, "Tiny");
  EXPECT_EQ(parsed.lineCol(p.modelLoc), std::make_pair(4u, 7u));
  ASSERT_EQ(p.decls.size(), 7u);
  const auto &let = std::get<LetDecl>(p.decls[0]);
  EXPECT_EQ(let.name, "eps");
  EXPECT_EQ(parsed.lineCol(let.loc), std::make_pair(5u, 5u));
  const auto &dim = std::get<DimDecl>(p.decls[1]);
  ASSERT_EQ(dim.names.size(), 2u);
  EXPECT_EQ(dim.names[1].first, "T");
  EXPECT_EQ(parsed.lineCol(dim.names[1].second), std::make_pair(6u, 8u));
  const auto &layer = std::get<LayerDecl>(p.decls[2]);
  EXPECT_EQ(layer.name, "enc.rnn");
  EXPECT_EQ(show(*layer.constructor), "GRU(4, 8, batch_first=true)");
  const auto &param = std::get<ParamDecl>(p.decls[3]);
  EXPECT_EQ(param.name, "attention.W");
  EXPECT_EQ(param.type.dtype, "f32");
  ASSERT_EQ(param.type.dims.size(), 2u);
  EXPECT_EQ(show(*param.type.dims[1]), "(* 2 T)");
  EXPECT_TRUE(std::get<ParamDecl>(p.decls[4]).type.dims.empty());

  const auto &f = std::get<FnDecl>(p.decls[5]);
  EXPECT_EQ(f.name, "f");
  ASSERT_EQ(f.params.size(), 2u);
  EXPECT_EQ(f.params[1].name, "n");
  EXPECT_EQ(f.params[1].type.dtype, "i64");
  EXPECT_EQ(parsed.lineCol(f.params[1].type.loc), std::make_pair(12u, 9u));
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].name, "y");
  ASSERT_EQ(f.body.size(), 3u);
  const auto &multi = std::get<AssignStmt>(f.body[0]);
  ASSERT_EQ(multi.targets.size(), 3u);
  EXPECT_EQ(multi.targets[0].name, "a");
  EXPECT_EQ(multi.targets[1].name, "_");
  EXPECT_EQ(multi.targets[2].name, "c");
  EXPECT_EQ(parsed.lineCol(multi.targets[2].loc), std::make_pair(15u, 9u));
  const auto &ret = std::get<ReturnStmt>(f.body[2]);
  EXPECT_EQ(parsed.lineCol(ret.loc), std::make_pair(17u, 3u));
  ASSERT_EQ(ret.values.size(), 1u);
  EXPECT_EQ(parsed.lineCol(f.closeBraceLoc), std::make_pair(18u, 1u));

  const auto &g = std::get<FnDecl>(p.decls[6]);
  EXPECT_TRUE(g.params.empty());
  EXPECT_TRUE(g.results.empty());
  ASSERT_EQ(g.body.size(), 1u);
  EXPECT_TRUE(std::get<ReturnStmt>(g.body[0]).values.empty());
}

TEST(ParserDecl, ReturnOfSeveralValuesAndShapesWithTrailingCommas) {
  Parsed parsed("model M\nfn f(x: f32[B,],) -> (a: f32, b: bool[],) {\n"
                "  return x, -x,\n}\n");
  ASSERT_TRUE(parsed.program) << parsed.output;
  const auto &f = std::get<FnDecl>(parsed.program->decls[0]);
  EXPECT_EQ(f.params[0].type.dims.size(), 1u);
  EXPECT_EQ(f.results.size(), 2u);
  const auto &ret = std::get<ReturnStmt>(f.body[0]);
  ASSERT_EQ(ret.values.size(), 2u);
  EXPECT_EQ(show(*ret.values[1]), "(neg x)");
}

TEST(ParserDecl, ReturnOfOneValueWithATrailingComma) {
  // `return x * 2,` is valid Python; the comma ends the list, on its line or before '}'.
  for (const char *body : {"  return x * 2,\n}\n", "  return x * 2, }\n"}) {
    Parsed parsed(std::string("model M\nfn f(x: f32) -> (y: f32) {\n") + body);
    ASSERT_TRUE(parsed.program) << body << parsed.output;
    const auto &ret = std::get<ReturnStmt>(std::get<FnDecl>(parsed.program->decls[0]).body[0]);
    EXPECT_EQ(ret.values.size(), 1u) << body;
  }
}

TEST(ParserExamples, AllFourParse) {
  for (const char *name : kExamples) {
    std::string source = example(name);
    ASSERT_FALSE(source.empty()) << name;
    Parsed parsed(source);
    EXPECT_TRUE(parsed.program) << name << ":\n" << parsed.output;
    EXPECT_EQ(parsed.errors, 0u) << name;
  }
}

TEST(ParserExamples, SentimentStructure) {
  Parsed parsed(example("sentiment.attn"));
  ASSERT_TRUE(parsed.program) << parsed.output;
  const Program &p = *parsed.program;
  EXPECT_EQ(p.modelName, "SentimentClassifier");
  ASSERT_EQ(p.decls.size(), 4u + 1u + 8u + 1u);
  const auto &lstm = std::get<LayerDecl>(p.decls[6]);
  EXPECT_EQ(lstm.name, "lstm");
  EXPECT_EQ(show(*lstm.constructor),
            "LSTM(embed, hidden, num_layers=4, bidirectional=true, batch_first=true)");
  const auto &forward = std::get<FnDecl>(p.decls.back());
  EXPECT_EQ(forward.name, "forward");
  EXPECT_EQ(forward.results.size(), 2u);
  ASSERT_EQ(forward.body.size(), 8u);
  EXPECT_EQ(std::get<AssignStmt>(forward.body[1]).targets.size(), 3u);
  EXPECT_EQ(show(*std::get<AssignStmt>(forward.body[4]).value), "sum((* a out), axis=1)");
  const auto &ret = std::get<ReturnStmt>(forward.body.back());
  ASSERT_EQ(ret.values.size(), 2u);
  EXPECT_EQ(show(*ret.values[1]), "squeeze(a, axis=2)");
}

TEST(ParserExamples, Seq2SeqHeaderSpansLines) {
  Parsed parsed(example("seq2seq.attn"));
  ASSERT_TRUE(parsed.program) << parsed.output;
  const auto &step = std::get<FnDecl>(parsed.program->decls.back());
  EXPECT_EQ(step.name, "decode_step");
  EXPECT_EQ(step.params.size(), 3u);
  EXPECT_EQ(step.results.size(), 3u);
  EXPECT_EQ(std::get<ReturnStmt>(step.body.back()).values.size(), 3u);
}

struct ErrorCase {
  std::string source; // after "model M\n" unless it starts with '!'
  unsigned line, column;
  std::string message;
};

const char *const kFn = "fn f(x: f32) -> (y: f32) {\n";

std::vector<ErrorCase> errorCases() {
  std::string fn = kFn;
  return {
      {"!", 1, 1, "expected 'model NAME' at the start of the file"},
      {"!\n# comment\nlet x = 1\n", 3, 1, "expected 'model NAME' at the start of the file"},
      {"!model\n", 1, 6, "expected a model name after 'model', found end of line"},
      {"!model M extra\n", 1, 9, "expected end of line after the model name, found 'extra'"},
      {"!model a.b\n", 1, 7,
       "dotted name 'a.b' is not allowed here (only layer and param names may be dotted)"},
      {"model N\n", 2, 1, "'model' may appear only once, at the start of the file"},
      {"layr foo = Linear(1, 2)\n", 2, 1,
       "expected a declaration (let, dim, layer, param, fn), found 'layr' (did you mean 'layer'?)"},
      {"}\n", 2, 1, "expected a declaration (let, dim, layer, param, fn), found '}'"},
      {"let x 3\n", 2, 7, "expected '=' after the let name, found '3'"},
      {"let = 3\n", 2, 5, "expected a let name, found '='"},
      {"let a.b = 1\n", 2, 5,
       "dotted name 'a.b' is not allowed here (only layer and param names may be dotted)"},
      {"let x = \n", 2, 9, "expected an expression, found end of line"},
      {"let x =   # nothing\n", 2, 11, "expected an expression, found end of line"},
      {"let x = 1 +\n2\n", 2, 12, "expected an expression, found end of line"},
      {"let x = 1 ->\n", 2, 11, "expected end of line after the let declaration, found '->'"},
      {"let x = f(a x)\n", 2, 13, "expected ')' to close the argument list, found 'x'"},
      {"let x = f(a, ,)\n", 2, 14, "expected an expression, found ','"},
      {"let x = f(axis=1, 2)\n", 2, 19, "positional argument follows keyword argument"},
      {"let x = f(a=1, a=2)\n", 2, 16, "keyword argument 'a' repeated"},
      {"let x = f(a.b=1)\n", 2, 11, "a keyword argument name cannot contain '.'"},
      {"let x = f(1\n", 3, 1, "expected ')' to close the argument list, found end of file"},
      {"let x = [1, 2\n", 3, 1, "expected ']' to close the list, found end of file"},
      {"let x = [1 2]\n", 2, 12, "expected ']' to close the list, found '2'"},
      {"let x = (1 + 2\n\n", 4, 1,
       "expected ')' to close the parenthesised expression, found end of file"},
      {"let x = ()\n", 2, 10, "expected an expression, found ')'"},
      {"let x = (a, b\n", 3, 1,
       "expected ')' to close the parenthesised expression, found end of file"},
      {"let x = a < b < c\n", 2, 15, "comparisons cannot be chained; write (a < b) & (b < c)"},
      {"let x = a[]\n", 2, 10, "a subscript needs at least one index, as in x[0] or x[:, -1]"},
      {"let x = f(1).\n", 2, 14, "expected a method name after '.', found end of line"},
      {"let x = f(1).sum\n", 2, 17, "expected '(' after the method name 'sum', found end of line"},
      {"let x = f(1)(2)\n", 2, 13, "expected end of line after the let declaration, found '('"},
      {"let x = 1 $ 2\n", 2, 11, "unexpected character '$'"},
      {"let x = 99999999999999999999\n", 2, 9, "integer literal is too large"},
      {"let x = 1e\n", 2, 10, "expected digits in the exponent of a float literal"},
      {"let x = 2abc\n", 2, 10, "invalid suffix 'abc' on a number literal"},
      {"let x = 1e999\n", 2, 9, "float literal is out of range"},
      {"let x = \"abc\n", 2, 9, "unterminated string literal"},
      {"let x = \"a\\qb\"\n", 2, 11,
       "unknown escape sequence '\\q' in a string (expected \\\", \\', \\\\ or \\n)"},
      {"dim B T\n", 2, 7, "expected end of line after the dim declaration, found 'T'"},
      {"dim B,\n", 2, 7, "expected a dim name, found end of line"},
      {"layer l = 3\n", 2, 11,
       "expected a layer constructor such as 'Linear(...)' after '=', found '3'"},
      {"layer l = Linear\n", 2, 17,
       "expected '(' after the layer constructor 'Linear', found end of line"},
      {"layer l Linear(1)\n", 2, 9, "expected '=' after the layer name, found 'Linear'"},
      {"layer l = Linear(1) + 1\n", 2, 21,
       "expected end of line after the layer declaration, found '+'"},
      {"param w f32[3]\n", 2, 9, "expected ':' and a type after the param name, found 'f32'"},
      {"param w: [3]\n", 2, 10, "expected a type such as 'f32[B, T]', found '['"},
      {"param w: f32[3, 4\n", 3, 1, "expected ']' to close the shape, found end of file"},
      {"fn (x: f32) -> y: f32 {\n}\n", 2, 4, "expected a function name after 'fn', found '('"},
      {"fn f x: f32 -> y: f32 {\n}\n", 2, 6, "expected '(' to start the parameter list, found 'x'"},
      {"fn f(x: f32) {\n}\n", 2, 14,
       "expected '->' and the results after the parameter list, found '{'"},
      {"fn f(x) -> (y: f32) {\n}\n", 2, 7, "expected ':' and a type after 'x', found ')'"},
      {"fn f(x: f32 y: f32) -> (y: f32) {\n}\n", 2, 13,
       "expected ')' to close the parameter list, found 'y'"},
      {"fn f(x: f32) -> (y: f32 {\n}\n", 2, 25,
       "expected ')' to close the result list, found '{'"},
      {"fn f(x: f32) -> {\n}\n", 2, 17, "expected a result name or '(', found '{'"},
      {"fn f(x: f32) -> (y: f32)\n  return x\n}\n", 3, 3,
       "expected '{' to start the body of 'f', found 'return'"},
      {fn + "  return x\n", 4, 1, "expected '}' to close the body of 'f', found end of file"},
      {fn + "  foo(x)\n}\n", 3, 6, "expected '=' or ',' after 'foo', found '('"},
      {fn + "  a, b c = x\n}\n", 3, 8, "expected '=' or ',' after 'b', found 'c'"},
      {fn + "  a, = x\n}\n", 3, 6, "expected an assignment target, found '='"},
      {fn + "  a.b = x\n}\n", 3, 3,
       "dotted name 'a.b' is not allowed here (only layer and param names may be dotted)"},
      {fn + "  y = x x\n}\n", 3, 9, "expected end of line after the statement, found 'x'"},
      {fn + "  3 = x\n}\n", 3, 3,
       "expected a statement ('NAME = EXPR' or 'return'), found '3'"},
      {fn + "  return , x\n}\n", 3, 10, "expected an expression, found ','"},
      {fn + "  return x\n} y\n", 4, 3, "expected end of line after the function's '}', found 'y'"},
  };
}

TEST(ParserErrors, MessageAndLocation) {
  for (const ErrorCase &c : errorCases()) {
    std::string source = c.source[0] == '!' ? c.source.substr(1) : "model M\n" + c.source;
    Parsed parsed(source);
    EXPECT_FALSE(parsed.program) << source;
    EXPECT_EQ(parsed.errors, 1u) << source;
    EXPECT_EQ(parsed.firstLine(), "test.attn:" + std::to_string(c.line) + ":" +
                                      std::to_string(c.column) + ": error: " + c.message)
        << source;
  }
}

TEST(ParserErrors, CaretUnderTheOffendingToken) {
  Parsed parsed("model M\nlet x = f(a x)\n");
  EXPECT_EQ(parsed.output, "test.attn:2:13: error: expected ')' to close the argument list, "
                           "found 'x'\nlet x = f(a x)\n            ^\n");
}

TEST(ParserErrors, UnclosedBodyNotesItsBrace) {
  Parsed parsed(std::string("model M\n") + kFn + "  return x\n");
  EXPECT_NE(parsed.output.find("test.attn:2:26: note: the body of 'f' starts here"),
            std::string::npos)
      << parsed.output;
}

TEST(ParserErrors, OnlyTheFirstErrorIsReported) {
  Parsed parsed("model M\nlet x = (\nlet y = 1 $\nlayr z\n");
  EXPECT_EQ(parsed.errors, 1u);
  EXPECT_EQ(parsed.firstLine(), "test.attn:3:1: error: expected an expression, found 'let' ('let' is a reserved word; the "
            "reserved words are model, let, dim, layer, param, fn, return, true, false, True and False)");
}

std::string repeat(const std::string &s, int n) {
  std::string result;
  for (int i = 0; i < n; ++i) result += s;
  return result;
}

TEST(ParserLimits, NestingUpTo200IsFine) {
  EXPECT_EQ(expr(repeat("(", 200) + "a" + repeat(")", 200)), "a");
  EXPECT_NE(expr(repeat("[", 200) + repeat("]", 200)).find("[[[[[[[[[[[[[[["), std::string::npos);
  EXPECT_EQ(expr(repeat("f(", 200) + repeat(")", 200)).substr(0, 4), "f(f(");
  EXPECT_EQ(expr(repeat("-", 199) + "a").substr(0, 10), "(neg (neg ");
  EXPECT_EQ(expr(repeat("a + ", 999) + "a").substr(0, 4), "(+ (");
}

TEST(ParserLimits, DeeperNestingIsAnErrorNotACrash) {
  const std::string tooDeep = "error: expression is nested too deeply";
  for (const std::string &source :
       {repeat("(", 201) + "a" + repeat(")", 201), repeat("[", 201) + repeat("]", 201),
        repeat("f(", 201) + repeat(")", 201), repeat("-", 201) + "a", repeat("(", 100000),
        repeat("[", 100000), repeat("-", 100000) + "1", repeat("f(", 100000),
        repeat("a + ", 1000) + "a", repeat("a * ", 100000) + "a"}) {
    std::string message = expr(source);
    EXPECT_NE(message.find(tooDeep), std::string::npos) << message;
  }
}

/// Parses a (possibly broken) source and checks the one contract that holds
/// for any input: success reports nothing, failure reports exactly one error.
void checkContract(const std::string &source) {
  Parsed parsed(source);
  if (parsed.program)
    ASSERT_EQ(parsed.errors, 0u) << source;
  else
    ASSERT_EQ(parsed.errors, 1u) << source << "\n" << parsed.output;
}

TEST(ParserFuzz, EveryTruncationOfTheExamples) {
  for (const char *name : kExamples) {
    std::string source = example(name);
    for (size_t n = 0; n <= source.size(); ++n) checkContract(source.substr(0, n));
  }
}

TEST(ParserFuzz, RandomMutationsOfTheExamples) {
  static const std::string alphabet = "abBTxz_019.eE()[]{},:=+-*/@>#\"\\\n\t\r $;!?'";
  static const char *const fragments[] = {"fn",  "model", "->", "(((", "]]", "return", "let x =",
                                          "\n}", "\"",    "1e", "\xff", "\xc3\xa9", "-9223372036854775808"};
  std::mt19937 rng(20240607);
  for (const char *name : kExamples) {
    const std::string original = example(name);
    for (int iteration = 0; iteration < 500; ++iteration) {
      std::string source = original;
      int edits = 1 + int(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        size_t at = rng() % (source.size() + 1);
        char c = rng() % 8 == 0 ? char(rng() % 256) : alphabet[rng() % alphabet.size()];
        switch (rng() % 4) {
        case 0: source.insert(at, 1, c); break;
        case 1: if (at < source.size()) source.erase(at, 1 + rng() % 4); break;
        case 2: if (at < source.size()) source[at] = c; break;
        default: source.insert(at, fragments[rng() % std::size(fragments)]); break;
        }
      }
      checkContract(source);
    }
  }
}

} // namespace
} // namespace attn::frontend
